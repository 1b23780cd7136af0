package io.sergeant.backend.local;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.backend.Delivery;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The queue role on {@code task_queue}, in Python Sergeant's layout: push, at-most-once pop, length,
 * stats and purge (see the package documentation for what {@code priority} holds). Thread safe.
 */
final class SqliteQueue {

    /** {@code priority} of a HIGH task. */
    static final double HIGH = 0.0;
    /** {@code priority} of a NORMAL task; above it are due times and lease deadlines (epoch seconds). */
    static final double NORMAL = 1.0;

    private static final String PUSH =
            "INSERT INTO task_queue (queue_name, priority, value) VALUES (?, ?, ?)";
    private static final String POP =
            "DELETE FROM task_queue WHERE rowid IN (SELECT rowid FROM task_queue"
                    + " WHERE queue_name = ? AND priority <= ? ORDER BY priority, rowid LIMIT ?)"
                    + " RETURNING rowid, priority, value";
    /** The window an at-most-once pop takes; oversized payloads in it go to the dead letters first. */
    private static final String POP_WINDOW =
            "SELECT rowid FROM task_queue WHERE queue_name = ? AND priority <= ? ORDER BY priority, rowid LIMIT ?";
    /**
     * Also a row without a value (NULL: written outside Sergeant), stored as an empty payload: no pop can
     * deliver it, and left in place it would head the queue for ever.
     */
    private static final String OVERSIZED_TO_DEAD =
            "INSERT INTO sergeant_dead_letters (queue_name, value, reason, delivery_count, dead_at)"
                    + " SELECT queue_name, coalesce(value, x''), CASE WHEN value IS NULL THEN 'undecodable: the row of"
                    + " task_queue has no value (NULL), so it was written outside Sergeant; the backend refused it before"
                    + " it reached a worker' ELSE 'undecodable: the payload has ' || length(value) || ' bytes, over the"
                    + " maximum encoded size of ' || ? || ' bytes (limits.maxEncodedBytes); the backend refused it"
                    + " before it reached a worker' END, coalesce(delivery_count, 0) + 1, ? FROM task_queue"
                    + " WHERE rowid IN (" + POP_WINDOW + ") AND (length(value) > ? OR value IS NULL) ORDER BY priority, rowid";
    private static final String DELETE_OVERSIZED =
            "DELETE FROM task_queue WHERE rowid IN (" + POP_WINDOW + ") AND (length(value) > ? OR value IS NULL)";
    private static final System.Logger LOG = System.getLogger(SqliteQueue.class.getName());
    private static final String LENGTH_ALL =
            "SELECT (SELECT COUNT(*) FROM task_queue WHERE queue_name = ?) - (" + LegacyLeases.IN_FLIGHT + ")";
    private static final String LENGTH_DUE = "SELECT COUNT(*) FROM task_queue WHERE queue_name = ? AND priority <= ?";
    private static final String STATS =
            "SELECT (SELECT COUNT(*) FROM task_queue WHERE queue_name = ? AND priority <= ?),"
                    + " (SELECT COUNT(*) FROM task_queue WHERE queue_name = ? AND priority > ? AND lease_token IS NULL),"
                    + " (" + LegacyLeases.IN_FLIGHT + "),"
                    + " (SELECT COUNT(*) FROM sergeant_dead_letters WHERE queue_name = ?)";
    /**
     * Ready and delayed rows; an expired lease is ready (put back into {@code task_queue} first), a running
     * one (leased in place by the previous version, or in a lease batch) is not touched.
     */
    private static final String PURGE =
            "DELETE FROM task_queue WHERE queue_name = ? AND (lease_token IS NULL OR priority <= ?)";

    private static final Comparator<Row> POP_ORDER =
            Comparator.comparingDouble(Row::priority).thenComparingLong(Row::rowid);

    private final SqliteFile file;

    SqliteQueue(SqliteFile file) {
        this.file = Objects.requireNonNull(file, "file is null");
    }

    void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(items, "items is null");
        Objects.requireNonNull(priority, "priority is null");
        if (items.isEmpty()) {
            return;
        }
        double value = consumableFrom != null ? SqliteFile.epochSeconds(consumableFrom)
                : priority == Priority.HIGH ? HIGH : NORMAL;
        file.inTransaction("push", connection -> {
            PreparedStatement insert = connection.prepare(PUSH);
            for (byte[] item : items) {
                insert.setString(1, queue);
                insert.setDouble(2, value);
                insert.setBytes(3, Objects.requireNonNull(item, "an item is null"));
                insert.addBatch();
            }
            insert.executeBatch();
            return null;
        });
    }

    /** At-most-once: deletes up to {@code max} deliverable rows and returns them in delivery order. */
    List<Delivery> pop(String queue, int max) {
        // A transaction: oversized rows move to the dead letters (in SQL, never read) with the pop.
        return file.inTransaction("pop", connection -> {
            double now = file.now();
            SqliteLeases.restoreExpiredLeases(connection, file.settings(), queue, now);
            int refused = deadLetterOversized(connection, file.settings(), queue, now, max);
            SqliteDeadLetters.trim(connection, file.settings(), queue, refused);
            List<Row> rows = new ArrayList<>(Math.min(max, 1024));
            try (ResultSet result = connection.prepare(POP, queue, now, max).executeQuery()) {
                while (result.next()) {
                    rows.add(new Row(result.getLong(1), result.getDouble(2), result.getBytes(3)));
                }
            }
            // RETURNING hands rows back in storage order; delivery order is priority, then insertion.
            rows.sort(POP_ORDER);
            List<Delivery> deliveries = new ArrayList<>(rows.size());
            for (Row row : rows) {
                deliveries.add(new Delivery(row.value(), null));
            }
            return deliveries;
        });
    }

    /**
     * Moves the payloads over {@code maxPayloadSize} among the first {@code window} deliverable rows to the
     * dead letters, in SQL (never read), in the caller's transaction; returns how many (the caller trims).
     * Once it returns, the first {@code window} deliverable rows hold none: each removal brings rows from
     * behind the window into it, which are checked in turn (a pop of the window must never read one).
     */
    static int deadLetterOversized(PooledConnection connection, LocalSettings settings, String queue, double now,
                                   int window) throws java.sql.SQLException {
        int maxBytes = settings.maxPayloadBytes();
        int total = 0;
        int refused;
        do {
            refused = connection.prepare(OVERSIZED_TO_DEAD, maxBytes, now, queue, now, window, maxBytes).executeUpdate();
            if (refused > 0) {
                connection.prepare(DELETE_OVERSIZED, queue, now, window, maxBytes).executeUpdate();
                total += refused;
            }
        } while (refused > 0);
        if (total > 0) {
            LOG.log(System.Logger.Level.WARNING, "queue '" + queue + "': " + total + " payload(s) over "
                    + maxBytes + " bytes (or without a value) became dead letters before reaching a worker");
        }
        return total;
    }

    /**
     * Ready (and delayed) tasks: the rows of {@code task_queue} but in-place leases still running, plus the
     * leased tasks of batches whose lease expired and that no pop or reap put back yet (ready again).
     */
    long length(String queue, boolean includeDelayed) {
        Objects.requireNonNull(queue, "queue is null");
        return file.inConnection("length", connection -> {
            double now = file.now();
            PreparedStatement count = includeDelayed ? connection.prepare(LENGTH_ALL, queue, queue, now, queue)
                    : connection.prepare(LENGTH_DUE, queue, now);
            try (ResultSet result = count.executeQuery()) {
                result.next();
                return result.getLong(1) + BatchLeases.counts(connection, queue, now)[0];
            }
        });
    }

    QueueStats stats(String queue) {
        Objects.requireNonNull(queue, "queue is null");
        return file.inConnection("stats", connection -> {
            double now = file.now();
            long[] batches = BatchLeases.counts(connection, queue, now);
            try (ResultSet result = connection.prepare(STATS, queue, now, queue, now, queue, now, queue, queue).executeQuery()) {
                result.next();
                return new QueueStats(result.getLong(1) + batches[0], result.getLong(2), result.getLong(3) + batches[1],
                        result.getLong(4));
            }
        });
    }

    boolean purge(String queue) {
        Objects.requireNonNull(queue, "queue is null");
        return file.inTransaction("purge", connection -> {
            double now = file.now();
            SqliteLeases.restoreExpiredLeases(connection, file.settings(), queue, now);
            return connection.prepare(PURGE, queue, now).executeUpdate() > 0;
        });
    }

    /** One row taken from task_queue. */
    private record Row(long rowid, double priority, byte[] value) {
    }
}
