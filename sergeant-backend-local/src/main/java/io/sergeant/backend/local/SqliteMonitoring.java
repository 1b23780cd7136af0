package io.sergeant.backend.local;

import io.sergeant.api.Priority;
import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.backend.QueuedItem;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The monitoring role: queue listing from {@code task_queue} and {@code sergeant_dead_letters}, and
 * the worker registry in the Java-only table {@code sergeant_workers (id, record, expires_at)}.
 * Expiry uses this process's clock, like leases; expired rows are never listed and are deleted by
 * the next heartbeat. Thread safe.
 */
final class SqliteMonitoring implements BackendMonitoring {

    private static final String QUEUES =
            "SELECT queue_name FROM task_queue UNION SELECT queue_name FROM sergeant_lease_batches"
                    + " UNION SELECT queue_name FROM sergeant_dead_letters ORDER BY 1";
    private static final String DROP_EXPIRED = "DELETE FROM sergeant_workers WHERE expires_at <= ?";
    private static final String BEAT =
            "INSERT INTO sergeant_workers (id, record, expires_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE"
                    + " SET record = excluded.record, expires_at = excluded.expires_at";
    private static final String DEREGISTER = "DELETE FROM sergeant_workers WHERE id = ? RETURNING expires_at";
    private static final String WORKERS = "SELECT record FROM sergeant_workers WHERE expires_at > ?";

    /** Ready rows (due, or under an expired lease) in pop order. */
    private static final String PEEK_READY = "SELECT priority, value FROM task_queue WHERE queue_name = ? AND priority <= ?"
            + " ORDER BY priority, rowid LIMIT ?";
    /** Delayed rows not yet due (never leased) by due time. */
    private static final String PEEK_DELAYED = "SELECT priority, value FROM task_queue WHERE queue_name = ?"
            + " AND priority > ? AND lease_token IS NULL ORDER BY priority, rowid LIMIT ?";

    /**
     * A bounded peek's rows of one part (ready or delayed) in pop order: priority, {@code length(value)} and
     * the value only when it is at most ?1 bytes and the running total of such values (this one included)
     * is at most ?2. The sizes come from the record header, and the value is read by the scalar subquery
     * only for the rows that return it, so no other payload page is read. Leased rows are left out by
     * their token, read only for rows at a recorded lease deadline (reading {@code lease_token}, stored
     * after the value, walks the value's pages): a delayed row's is never read. No
     * ORDER BY outside: it would sort the values read through a temporary file (measured: each value read
     * twice); the rows come in the window's order, (priority, rowid), and are sorted again in Java.
     */
    private static final String PEEK_BOUNDED = "SELECT priority, size, CASE WHEN size <= ?1 AND loaded <= ?2"
            + " THEN (SELECT t.value FROM task_queue AS t WHERE t.rowid = w.id) END, id FROM ("
            + "SELECT id, priority, size, SUM(CASE WHEN size <= ?1 THEN size ELSE 0 END)"
            + " OVER (ORDER BY priority, id ROWS UNBOUNDED PRECEDING) AS loaded FROM ("
            + "SELECT rowid AS id, priority, length(value) AS size FROM task_queue WHERE queue_name = ?3 AND %s"
            + " ORDER BY priority, rowid LIMIT ?5)) AS w";
    private static final String PEEK_BOUNDED_READY = PEEK_BOUNDED.formatted("priority <= ?4");
    private static final String PEEK_BOUNDED_DELAYED = PEEK_BOUNDED.formatted("priority > ?4 AND (NOT EXISTS"
            + " (SELECT 1 FROM sergeant_lease_deadlines AS d WHERE d.queue_name = ?3 AND d.deadline = task_queue.priority)"
            + " OR lease_token IS NULL)");

    private final SqliteFile file;

    SqliteMonitoring(SqliteFile file) {
        this.file = Objects.requireNonNull(file, "file is null");
    }

    @Override
    public List<String> queues() {
        return file.inConnection("list queues", connection -> {
            PreparedStatement query = connection.prepare(QUEUES);
            List<String> names = new ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    names.add(rows.getString(1));
                }
            }
            return names;
        });
    }

    @Override
    public void heartbeat(String workerId, byte[] record, Duration ttl) {
        Objects.requireNonNull(workerId, "workerId is null");
        Objects.requireNonNull(record, "record is null");
        Objects.requireNonNull(ttl, "ttl is null");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("a heartbeat TTL must be positive: " + ttl);
        }
        file.inTransaction("heartbeat", connection -> {
            double now = file.now();
            PreparedStatement drop = connection.prepare(DROP_EXPIRED);
            drop.setDouble(1, now);
            drop.executeUpdate();
            PreparedStatement beat = connection.prepare(BEAT);
            beat.setString(1, workerId);
            beat.setBytes(2, record);
            beat.setDouble(3, now + SqliteFile.seconds(ttl));
            beat.executeUpdate();
            return null;
        });
    }

    @Override
    public boolean deregister(String workerId) {
        Objects.requireNonNull(workerId, "workerId is null");
        return file.inConnection("deregister", connection -> {
            PreparedStatement delete = connection.prepare(DEREGISTER);
            delete.setString(1, workerId);
            try (ResultSet rows = delete.executeQuery()) {
                return rows.next() && rows.getDouble(1) > file.now();
            }
        });
    }

    @Override
    public List<byte[]> workers() {
        return file.inConnection("list workers", connection -> {
            PreparedStatement query = connection.prepare(WORKERS);
            query.setDouble(1, file.now());
            List<byte[]> records = new ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    records.add(rows.getBytes(1));
                }
            }
            return records;
        });
    }

    /** Reads {@code task_queue} in one connection: ready rows first, then delayed ones; nothing changes. */
    @Override
    public List<QueuedItem> peek(String queue, int limit) {
        Objects.requireNonNull(queue, "queue is null");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        if (limit == 0) {
            return List.of();
        }
        return file.inConnection("peek", connection -> {
            double now = file.now();
            List<QueuedItem> items = new ArrayList<>();
            PreparedStatement ready = connection.prepare(PEEK_READY);
            ready.setString(1, queue);
            ready.setDouble(2, now);
            ready.setInt(3, limit);
            try (ResultSet rows = ready.executeQuery()) {
                while (rows.next()) {
                    double priority = rows.getDouble(1);
                    Priority shown = priority == SqliteQueue.HIGH ? Priority.HIGH
                            : priority == SqliteQueue.NORMAL ? Priority.NORMAL : null;
                    items.add(new QueuedItem(rows.getBytes(2), shown, null));
                }
            }
            if (items.size() < limit) {
                PreparedStatement delayed = connection.prepare(PEEK_DELAYED);
                delayed.setString(1, queue);
                delayed.setDouble(2, now);
                delayed.setInt(3, limit - items.size());
                try (ResultSet rows = delayed.executeQuery()) {
                    while (rows.next()) {
                        long micros = Math.round(rows.getDouble(1) * 1_000_000);
                        items.add(new QueuedItem(rows.getBytes(2), null,
                                Instant.ofEpochSecond(0, 0).plusNanos(micros * 1000)));
                    }
                }
            }
            return items;
        });
    }

    /**
     * Reads {@code task_queue} in one connection, as {@link #peek(String, int)}, with the payloads bounded
     * in SQL ({@link #PEEK_BOUNDED}): the delayed part gets what the ready part left of the budget.
     */
    @Override
    public List<QueuedItem> peek(String queue, int limit, long maxPayloadBytes, long budgetBytes) {
        BackendMonitoring.checkPeek(queue, limit, maxPayloadBytes, budgetBytes);
        if (limit == 0) {
            return List.of();
        }
        return file.inConnection("peek", connection -> {
            double now = file.now();
            List<QueuedItem> items = new ArrayList<>();
            long[] left = {budgetBytes};
            PreparedStatement ready = connection.prepare(PEEK_BOUNDED_READY);
            bindBounded(ready, maxPayloadBytes, left[0], queue, now, limit);
            for (Object[] row : boundedRows(ready)) {
                double priority = (Double) row[0];
                Priority shown = priority == SqliteQueue.HIGH ? Priority.HIGH
                        : priority == SqliteQueue.NORMAL ? Priority.NORMAL : null;
                items.add(bounded(row, maxPayloadBytes, left, shown, null));
            }
            if (items.size() < limit) {
                PreparedStatement delayed = connection.prepare(PEEK_BOUNDED_DELAYED);
                bindBounded(delayed, maxPayloadBytes, left[0], queue, now, limit - items.size());
                for (Object[] row : boundedRows(delayed)) {
                    long micros = Math.round((Double) row[0] * 1_000_000);
                    items.add(bounded(row, maxPayloadBytes, left, null,
                            Instant.ofEpochSecond(0, 0).plusNanos(micros * 1000)));
                }
            }
            return items;
        });
    }

    private static void bindBounded(PreparedStatement statement, long maxPayloadBytes, long budgetLeft, String queue,
                                    double now, int limit) throws java.sql.SQLException {
        statement.setLong(1, maxPayloadBytes);
        statement.setLong(2, budgetLeft);
        statement.setString(3, queue);
        statement.setDouble(4, now);
        statement.setInt(5, limit);
    }

    /** The rows of {@link #PEEK_BOUNDED} as {priority, size, value or null}, in (priority, rowid) order. */
    private static List<Object[]> boundedRows(PreparedStatement statement) throws java.sql.SQLException {
        List<Object[]> rows = new ArrayList<>();
        try (ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                rows.add(new Object[] {result.getDouble(1), result.getLong(2), result.getBytes(3), result.getLong(4)});
            }
        }
        rows.sort(java.util.Comparator.<Object[]>comparingDouble(row -> (Double) row[0])
                .thenComparingLong(row -> (Long) row[3]));
        return rows;
    }

    /**
     * One row of {@link #PEEK_BOUNDED}; {@code left[0]} is the budget left, -1 once a payload under the cap
     * was left out for the budget (nothing after it is read).
     */
    private static QueuedItem bounded(Object[] row, long maxPayloadBytes, long[] left, Priority priority,
                                      Instant dueAt) {
        long size = (Long) row[1];
        byte[] payload = (byte[]) row[2];
        if (payload != null) {
            left[0] -= payload.length;
            return new QueuedItem(payload, priority, dueAt);
        }
        if (size <= maxPayloadBytes) {
            left[0] = -1;
        }
        return QueuedItem.sizeOnly(size, priority, dueAt);
    }
}
