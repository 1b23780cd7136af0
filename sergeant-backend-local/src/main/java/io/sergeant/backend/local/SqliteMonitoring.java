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
            "SELECT queue_name FROM task_queue UNION SELECT queue_name FROM sergeant_dead_letters ORDER BY 1";
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
}
