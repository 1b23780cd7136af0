package io.sergeant.backend.local;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.DeadLetterInfo;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.spi.backend.BackendKeys;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendLocks;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The {@link Backend} on one SQLite file, shared safely by any number of threads and processes (see
 * the package documentation for the table layout, locking and durability).
 *
 * <p>Every write runs as one statement or one short {@code BEGIN IMMEDIATE} transaction, so a process
 * killed at any moment leaves either all or none of an operation. Lease expiry, delayed tasks and
 * lock TTLs use this process's clock (epoch seconds), as Python Sergeant does.
 *
 * <p>Thread safe. Every method blocks until SQLite answered, waiting up to {@code busyTimeout} for
 * another process's write lock; failures are {@link SergeantException}s ({@code BACKEND_UNAVAILABLE}
 * for a busy or unreachable file, {@code BACKEND_REFUSED} otherwise, {@code ILLEGAL_ACTION} after close).
 */
public final class LocalBackend implements Backend, BackendLeases, BackendDeadLetters, BackendKeys, BackendLocks {

    private static final System.Logger LOG = System.getLogger(LocalBackend.class.getName());

    private static final double HIGH = 0.0;
    private static final double NORMAL = 1.0;

    private static final String PUSH =
            "INSERT INTO task_queue (queue_name, priority, value) VALUES (?, ?, ?)";
    private static final String POP =
            "DELETE FROM task_queue WHERE rowid IN (SELECT rowid FROM task_queue"
                    + " WHERE queue_name = ? AND priority <= ? ORDER BY priority, rowid LIMIT ?)"
                    + " RETURNING rowid, priority, value";
    /**
     * Leases the next deliverable rows in place: the lease deadline becomes their priority (so no pop,
     * Java or Python, takes them before it), each gets a fresh random token and one more delivery;
     * {@code lease_priority} keeps the priority they had, which gives the delivery order and the place
     * a reap puts them back at.
     */
    private static final String LEASE =
            "UPDATE task_queue SET lease_priority = priority, priority = ?,"
                    + " lease_token = random() & 9223372036854775807, delivery_count = coalesce(delivery_count, 0) + 1"
                    + " WHERE rowid IN (SELECT rowid FROM task_queue"
                    + " WHERE queue_name = ? AND priority <= ? ORDER BY priority, rowid LIMIT ?)"
                    + " RETURNING rowid, lease_priority, CASE WHEN length(value) > ? THEN NULL ELSE value END,"
                    + " lease_token, delivery_count, length(value)";
    private static final String LEASED_TO_DEAD =
            "INSERT INTO sergeant_dead_letters (queue_name, value, reason, delivery_count, dead_at)"
                    + " SELECT queue_name, value, ?, delivery_count - 1, ? FROM task_queue WHERE rowid = ?";
    private static final String DELETE_ROWID = "DELETE FROM task_queue WHERE rowid = ?";
    /** The window an at-most-once pop takes; oversized payloads in it go to the dead letters first. */
    private static final String POP_WINDOW =
            "SELECT rowid FROM task_queue WHERE queue_name = ? AND priority <= ? ORDER BY priority, rowid LIMIT ?";
    private static final String OVERSIZED_TO_DEAD =
            "INSERT INTO sergeant_dead_letters (queue_name, value, reason, delivery_count, dead_at)"
                    + " SELECT queue_name, value, 'undecodable: the payload has ' || length(value) || ' bytes, over the"
                    + " maximum encoded size of ' || ? || ' bytes (limits.maxEncodedBytes); the backend refused it"
                    + " before it reached a worker', coalesce(delivery_count, 0) + 1, ? FROM task_queue"
                    + " WHERE rowid IN (" + POP_WINDOW + ") AND length(value) > ? ORDER BY priority, rowid";
    private static final String DELETE_OVERSIZED =
            "DELETE FROM task_queue WHERE rowid IN (" + POP_WINDOW + ") AND length(value) > ?";
    /** Deletes a queue's oldest dead letters beyond the newest {@code maxDeadLetters}. */
    private static final String TRIM_DEAD =
            "DELETE FROM sergeant_dead_letters WHERE queue_name = ? AND id <= (SELECT id FROM sergeant_dead_letters"
                    + " WHERE queue_name = ? ORDER BY id DESC LIMIT 1 OFFSET ?)";
    /** The leased rows matching a JSON array of [rowid, token] pairs; CROSS JOIN makes SQLite look each pair up by rowid. */
    private static final String MATCHING_LEASES =
            "SELECT t.rowid FROM json_each(?) AS j CROSS JOIN task_queue AS t"
                    + " ON t.rowid = j.value ->> 0 AND t.lease_token = j.value ->> 1 WHERE t.queue_name = ?";
    private static final String ACK_ALL =
            "DELETE FROM task_queue WHERE rowid IN (" + MATCHING_LEASES + ") RETURNING rowid, lease_token";
    private static final String EXTEND_ALL =
            "UPDATE task_queue SET priority = ? WHERE rowid IN (" + MATCHING_LEASES + ") RETURNING rowid, lease_token";
    private static final String ACK =
            "DELETE FROM task_queue WHERE rowid = ? AND lease_token = ? AND queue_name = ?";
    private static final String RELEASE =
            "UPDATE task_queue SET priority = " + HIGH + ", lease_token = NULL, lease_priority = NULL"
                    + " WHERE rowid = ? AND lease_token = ? AND queue_name = ?";
    private static final String DEAD_FROM_LEASE =
            "INSERT INTO sergeant_dead_letters (queue_name, value, reason, delivery_count, dead_at)"
                    + " SELECT queue_name, value, ?, delivery_count, ? FROM task_queue"
                    + " WHERE rowid = ? AND lease_token = ? AND queue_name = ?";
    private static final String DEAD =
            "INSERT INTO sergeant_dead_letters (queue_name, value, reason, delivery_count, dead_at) VALUES (?, ?, ?, ?, ?)";
    /**
     * Expired leases: a token and a deadline that passed. Deadlines are epoch seconds, above NORMAL's
     * 1.0, so the index range {@code (1.0, now]} holds them (with due delayed tasks only).
     */
    private static final String EXPIRED =
            " FROM task_queue WHERE queue_name = ? AND priority > " + NORMAL + " AND priority <= ?"
                    + " AND lease_token IS NOT NULL";
    private static final String ANY_EXPIRED = "SELECT 1" + EXPIRED + " LIMIT 1";
    private static final String REAP_DEAD =
            "INSERT INTO sergeant_dead_letters (queue_name, value, reason, delivery_count, dead_at)"
                    + " SELECT queue_name, value, 'lease expired after ' || delivery_count"
                    + " || ' deliveries (maxDeliveries ' || ? || ')', delivery_count, ?" + EXPIRED
                    + " AND delivery_count >= ? ORDER BY priority, rowid";
    private static final String REAP_DELETE_DEAD = "DELETE" + EXPIRED + " AND delivery_count >= ?";
    /** Ends expired leases: back at the priority they had before the lease (their rowid keeps their place). */
    private static final String REAP_REDELIVER =
            "UPDATE task_queue SET priority = coalesce(lease_priority, " + NORMAL + "), lease_token = NULL,"
                    + " lease_priority = NULL WHERE rowid IN (SELECT rowid" + EXPIRED + ")";
    private static final String DEAD_LIST =
            "SELECT id, value, reason, delivery_count, dead_at FROM sergeant_dead_letters"
                    + " WHERE queue_name = ? ORDER BY id LIMIT ?";
    private static final String DEAD_LIST_SIZES =
            "SELECT id, length(value), reason, delivery_count, dead_at FROM sergeant_dead_letters"
                    + " WHERE queue_name = ? ORDER BY id LIMIT ?";
    private static final String DEAD_REQUEUE =
            "INSERT INTO task_queue (queue_name, priority, value)"
                    + " SELECT queue_name, " + NORMAL + ", value FROM sergeant_dead_letters WHERE queue_name = ? ORDER BY id";
    private static final String DEAD_PURGE = "DELETE FROM sergeant_dead_letters WHERE queue_name = ?";
    /** Rows under a lease that has not expired: in flight, not part of the queue's length. */
    private static final String IN_FLIGHT =
            "SELECT COUNT(*) FROM task_queue WHERE queue_name = ? AND priority > ? AND lease_token IS NOT NULL";
    private static final String LENGTH_ALL =
            "SELECT (SELECT COUNT(*) FROM task_queue WHERE queue_name = ?) - (" + IN_FLIGHT + ")";
    private static final String LENGTH_DUE = "SELECT COUNT(*) FROM task_queue WHERE queue_name = ? AND priority <= ?";
    private static final String STATS =
            "SELECT (SELECT COUNT(*) FROM task_queue WHERE queue_name = ? AND priority <= ?),"
                    + " (SELECT COUNT(*) FROM task_queue WHERE queue_name = ? AND priority > ? AND lease_token IS NULL),"
                    + " (" + IN_FLIGHT + "),"
                    + " (SELECT COUNT(*) FROM sergeant_dead_letters WHERE queue_name = ?)";
    /** Ready and delayed rows; an expired lease is ready, a running one is not touched. */
    private static final String PURGE =
            "DELETE FROM task_queue WHERE queue_name = ? AND (lease_token IS NULL OR priority <= ?)";
    private static final String KEY_UPDATE = "UPDATE keys SET value = ? WHERE name = ?";
    private static final String KEY_INSERT = "INSERT INTO keys (name, value) VALUES (?, ?)";
    private static final String KEY_GET = "SELECT value FROM keys WHERE name = ?";
    private static final String KEY_DELETE = "DELETE FROM keys WHERE name = ?";
    private static final String LOCK_ACQUIRE =
            "INSERT INTO locks (name, expireAt, owner) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE"
                    + " SET expireAt = excluded.expireAt, owner = excluded.owner WHERE locks.expireAt <= ?";
    private static final String LOCK_RELEASE = "DELETE FROM locks WHERE name = ? AND owner = ? AND expireAt > ?";
    private static final String LOCK_IS_LOCKED = "SELECT 1 FROM locks WHERE name = ? AND expireAt > ?";
    private static final String LOCK_SET_TTL =
            "UPDATE locks SET expireAt = ? WHERE name = ? AND owner = ? AND expireAt > ?";
    private static final String LOCK_TTL = "SELECT expireAt FROM locks WHERE name = ? AND expireAt > ?";

    private static final Comparator<Row> POP_ORDER =
            Comparator.comparingDouble(Row::priority).thenComparingLong(Row::rowid);
    private static final Comparator<Leased> LEASE_ORDER =
            Comparator.comparingDouble(Leased::priority).thenComparingLong(Leased::rowid);

    private final LocalSettings settings;
    private final Clock clock;
    private final ConnectionPool pool;

    private LocalBackend(LocalSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.pool = new ConnectionPool(this::openConnection, settings.connections(),
                settings.busyTimeout().toMillis() + 60_000);
    }

    /**
     * Opens the file (creating it and its missing parent directories), applies the settings and
     * creates or upgrades the tables.
     *
     * @throws SergeantException {@code BACKEND_UNAVAILABLE} when the file or its directory cannot be
     *         created or opened, {@code BACKEND_REFUSED} when it is not a SQLite database
     */
    public static LocalBackend open(LocalSettings settings, Clock clock) {
        Objects.requireNonNull(settings, "settings is null");
        Objects.requireNonNull(clock, "clock is null");
        createParentDirectories(settings.file());
        LocalBackend backend = new LocalBackend(settings, clock);
        try {
            backend.inConnection("create tables", connection -> {
                Schema.apply(connection);
                return null;
            });
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        LOG.log(System.Logger.Level.DEBUG, "opened sqlite file {0} ({1})", settings.file(), settings);
        return backend;
    }

    /** The database file. */
    public Path file() {
        return settings.file();
    }

    // ------------------------------------------------------------------ queue

    @Override
    public void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(items, "items is null");
        Objects.requireNonNull(priority, "priority is null");
        if (items.isEmpty()) {
            return;
        }
        double value = consumableFrom != null ? epochSeconds(consumableFrom) : priority == Priority.HIGH ? HIGH : NORMAL;
        inTransaction("push", connection -> {
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

    @Override
    public List<Delivery> pop(String queue, int max, DeliveryOptions options) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(options, "options is null");
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative: " + max);
        }
        if (max == 0) {
            return List.of();
        }
        if (!options.leased()) {
            return inTransaction("pop", connection -> popUnleased(connection, queue, max));
        }
        return inTransaction("pop", connection -> popLeased(connection, queue, max, options));
    }

    private List<Delivery> popUnleased(PooledConnection connection, String queue, int max) throws SQLException {
        List<Row> rows = takeRows(connection, queue, max);
        List<Delivery> deliveries = new ArrayList<>(rows.size());
        for (Row row : rows) {
            deliveries.add(new Delivery(row.value(), null));
        }
        return deliveries;
    }

    private List<Delivery> popLeased(PooledConnection connection, String queue, int max, DeliveryOptions options)
            throws SQLException {
        double now = now();
        double leaseUntil = now + seconds(options.lease());
        restoreExpiredLeases(connection, queue, now);
        List<Delivery> deliveries = new ArrayList<>(Math.min(max, 1024));
        while (deliveries.size() < max) {
            int wanted = max - deliveries.size();
            // One statement: the window's rows are leased where they are (see LEASE).
            PreparedStatement lease = connection.prepare(LEASE);
            lease.setDouble(1, leaseUntil);
            lease.setString(2, queue);
            lease.setDouble(3, now);
            lease.setInt(4, wanted);
            lease.setInt(5, settings.maxPayloadBytes());
            List<Leased> leased = new ArrayList<>(Math.min(wanted, 1024));
            try (ResultSet rows = lease.executeQuery()) {
                while (rows.next()) {
                    leased.add(new Leased(rows.getLong(1), rows.getDouble(2), rows.getBytes(3), rows.getLong(4),
                            rows.getInt(5), rows.getLong(6)));
                }
            }
            if (leased.isEmpty()) {
                break;
            }
            // RETURNING hands rows back in any order; delivery order is the priority before the lease, then rowid.
            leased.sort(LEASE_ORDER);
            int deadLettered = 0;
            for (Leased row : leased) {
                if (row.value() == null) { // longer than maxPayloadSize: never read, straight to the dead letters
                    deadLetterLeased(connection, row.rowid(), oversizedReason(row.length()), now);
                    deadLettered++;
                    continue;
                }
                if (row.deliveryCount() > options.maxDeliveries()) {
                    deadLetterLeased(connection, row.rowid(), "delivered " + (row.deliveryCount() - 1)
                            + " times, the most allowed (maxDeliveries " + options.maxDeliveries() + ")", now);
                    deadLettered++;
                    continue;
                }
                deliveries.add(new Delivery(row.value(), new Receipt(Long.toString(row.rowid()),
                        Long.toHexString(row.token()), row.deliveryCount())));
            }
            if (deadLettered == 0 || leased.size() < wanted) {
                trimDeadLetters(connection, queue, deadLettered);
                break;
            }
            trimDeadLetters(connection, queue, deadLettered);
        }
        return deliveries;
    }

    private String oversizedReason(long length) {
        return "undecodable: the payload has " + length + " bytes, over the maximum encoded size of "
                + settings.maxPayloadBytes() + " bytes (limits.maxEncodedBytes); the backend refused it before it"
                + " reached a worker";
    }

    /**
     * Keeps the newest {@code maxDeadLetters} dead letters of the queue after {@code added} were just
     * stored; what is deleted is counted in the log.
     */
    private void trimDeadLetters(PooledConnection connection, String queue, int added) throws SQLException {
        if (added <= 0 || settings.maxDeadLetters() == 0) {
            return;
        }
        PreparedStatement trim = connection.prepare(TRIM_DEAD);
        trim.setString(1, queue);
        trim.setString(2, queue);
        trim.setInt(3, settings.maxDeadLetters());
        int trimmed = trim.executeUpdate();
        if (trimmed > 0) {
            LOG.log(System.Logger.Level.WARNING, "queue '" + queue + "' holds more than " + settings.maxDeadLetters()
                    + " dead letters (option 'maxDeadLetters'): deleted the " + trimmed + " oldest");
        }
    }

    /** Moves a row this transaction just leased to the dead letters, with the deliveries before this one. */
    private static void deadLetterLeased(PooledConnection connection, long rowid, String reason, double now)
            throws SQLException {
        PreparedStatement move = connection.prepare(LEASED_TO_DEAD);
        move.setString(1, reason);
        move.setDouble(2, now);
        move.setLong(3, rowid);
        move.executeUpdate();
        PreparedStatement delete = connection.prepare(DELETE_ROWID);
        delete.setLong(1, rowid);
        delete.executeUpdate();
    }

    /**
     * Puts the queue's expired leases back at the priority they had before the lease (what a reap
     * does, delivery count kept), so that the pop that takes one again orders it by that priority: an
     * expired HIGH task keeps its HIGH place instead of queueing behind every NORMAL task under its
     * old deadline. Cheap: the partial index {@code sergeant_task_leases_by_deadline} holds leased rows only.
     */
    private static void restoreExpiredLeases(PooledConnection connection, String queue, double now) throws SQLException {
        PreparedStatement probe = connection.prepare(ANY_EXPIRED); // a read: no write lock when there is none
        probe.setString(1, queue);
        probe.setDouble(2, now);
        try (ResultSet result = probe.executeQuery()) {
            if (!result.next()) {
                return;
            }
        }
        PreparedStatement restore = connection.prepare(REAP_REDELIVER);
        restore.setString(1, queue);
        restore.setDouble(2, now);
        restore.executeUpdate();
    }

    /** Deletes up to {@code max} deliverable rows and returns them in delivery order. */
    private List<Row> takeRows(PooledConnection connection, String queue, int max) throws SQLException {
        double now = now();
        restoreExpiredLeases(connection, queue, now);
        PreparedStatement oversized = connection.prepare(OVERSIZED_TO_DEAD);
        oversized.setInt(1, settings.maxPayloadBytes());
        oversized.setDouble(2, now);
        oversized.setString(3, queue);
        oversized.setDouble(4, now);
        oversized.setInt(5, max);
        oversized.setInt(6, settings.maxPayloadBytes());
        int refused = oversized.executeUpdate();
        if (refused > 0) {
            PreparedStatement delete = connection.prepare(DELETE_OVERSIZED);
            delete.setString(1, queue);
            delete.setDouble(2, now);
            delete.setInt(3, max);
            delete.setInt(4, settings.maxPayloadBytes());
            delete.executeUpdate();
            LOG.log(System.Logger.Level.WARNING, "queue '" + queue + "': " + refused + " payload(s) over "
                    + settings.maxPayloadBytes() + " bytes became dead letters before reaching a worker");
            trimDeadLetters(connection, queue, refused);
        }
        PreparedStatement pop = connection.prepare(POP);
        pop.setString(1, queue);
        pop.setDouble(2, now);
        pop.setInt(3, max);
        List<Row> rows = new ArrayList<>(Math.min(max, 1024));
        try (ResultSet result = pop.executeQuery()) {
            while (result.next()) {
                rows.add(new Row(result.getLong(1), result.getDouble(2), result.getBytes(3)));
            }
        }
        // RETURNING hands rows back in storage order; delivery order is priority, then insertion.
        rows.sort(POP_ORDER);
        return rows;
    }

    @Override
    public SettleResult ack(String queue, List<Receipt> receipts) {
        return settleAll("ack", queue, receipts, ACK_ALL, null);
    }

    @Override
    public SettleResult extend(String queue, List<Receipt> receipts, Duration lease) {
        Objects.requireNonNull(lease, "lease is null");
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("a lease must be positive: " + lease);
        }
        return settleAll("extend", queue, receipts, EXTEND_ALL, now() + seconds(lease));
    }

    /**
     * Acks or extends a batch in one statement: the receipts travel as a JSON array of [id, token]
     * pairs and the statement returns the leases it matched; every other receipt is refused.
     */
    private SettleResult settleAll(String what, String queue, List<Receipt> receipts, String sql, Double leaseUntil) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(receipts, "receipts is null");
        if (receipts.isEmpty()) {
            return SettleResult.all(0);
        }
        List<LeaseKey> keys = new ArrayList<>(receipts.size());
        StringBuilder json = new StringBuilder(receipts.size() * 40).append('[');
        for (Receipt receipt : receipts) {
            Objects.requireNonNull(receipt, "a receipt is null");
            LeaseKey key = LeaseKey.of(receipt);
            keys.add(key);
            if (key != null) {
                if (json.length() > 1) {
                    json.append(',');
                }
                json.append('[').append(key.rowid()).append(',').append(key.token()).append(']');
            }
        }
        json.append(']');
        Set<LeaseKey> matched = inConnection(what, connection -> {
            PreparedStatement statement = connection.prepare(sql);
            int next = 1;
            if (leaseUntil != null) {
                statement.setDouble(next++, leaseUntil);
            }
            statement.setString(next++, json.toString());
            statement.setString(next, queue);
            Set<LeaseKey> result = new HashSet<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    result.add(new LeaseKey(rows.getLong(1), rows.getLong(2)));
                }
            }
            return result;
        });
        int settled = 0;
        List<Receipt> refused = new ArrayList<>();
        for (int i = 0; i < receipts.size(); i++) {
            LeaseKey key = keys.get(i);
            // remove(): a receipt listed twice settles once.
            if (key != null && matched.remove(key)) {
                settled++;
            } else {
                refused.add(receipts.get(i));
            }
        }
        return new SettleResult(settled, refused);
    }

    @Override
    public SettleResult release(String queue, List<Receipt> receipts) {
        return settle("release", queue, receipts, (connection, receipt) -> {
            PreparedStatement release = connection.prepare(RELEASE);
            bindReceipt(release, 1, receipt, queue);
            return release.executeUpdate() == 1;
        });
    }

    @Override
    public boolean deadLetter(String queue, Delivery delivery, String reason) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(delivery, "delivery is null");
        Objects.requireNonNull(reason, "reason is null");
        double now = now();
        if (!delivery.leased()) {
            return inTransaction("dead-letter", connection -> {
                insertDeadLetter(connection, queue, delivery.payload(), reason, 1, now);
                trimDeadLetters(connection, queue, 1);
                return true;
            });
        }
        Receipt receipt = delivery.receipt();
        if (!wellFormed(receipt)) {
            return false;
        }
        return inTransaction("dead-letter", connection -> {
            PreparedStatement move = connection.prepare(DEAD_FROM_LEASE);
            move.setString(1, reason);
            move.setDouble(2, now);
            bindReceipt(move, 3, receipt, queue);
            if (move.executeUpdate() != 1) {
                return false;
            }
            PreparedStatement delete = connection.prepare(ACK);
            bindReceipt(delete, 1, receipt, queue);
            delete.executeUpdate();
            trimDeadLetters(connection, queue, 1);
            return true;
        });
    }

    @Override
    public ReapResult reap(String queue, int maxDeliveries) {
        Objects.requireNonNull(queue, "queue is null");
        if (maxDeliveries <= 0) {
            throw new IllegalArgumentException("maxDeliveries must be positive: " + maxDeliveries);
        }
        double now = now();
        // A cheap read first, so that idle reapers in many workers do not queue up for the write lock.
        boolean anyExpired = inConnection("reap", connection -> {
            PreparedStatement probe = connection.prepare(ANY_EXPIRED);
            probe.setString(1, queue);
            probe.setDouble(2, now);
            try (ResultSet result = probe.executeQuery()) {
                return result.next();
            }
        });
        if (!anyExpired) {
            return ReapResult.NONE;
        }
        return inTransaction("reap", connection -> {
            PreparedStatement dead = connection.prepare(REAP_DEAD);
            dead.setInt(1, maxDeliveries);
            dead.setDouble(2, now);
            dead.setString(3, queue);
            dead.setDouble(4, now);
            dead.setInt(5, maxDeliveries);
            int deadLettered = dead.executeUpdate();
            if (deadLettered > 0) {
                PreparedStatement delete = connection.prepare(REAP_DELETE_DEAD);
                delete.setString(1, queue);
                delete.setDouble(2, now);
                delete.setInt(3, maxDeliveries);
                delete.executeUpdate();
                trimDeadLetters(connection, queue, deadLettered);
            }
            PreparedStatement redeliver = connection.prepare(REAP_REDELIVER);
            redeliver.setString(1, queue);
            redeliver.setDouble(2, now);
            int redelivered = redeliver.executeUpdate();
            return redelivered == 0 && deadLettered == 0 ? ReapResult.NONE : new ReapResult(redelivered, deadLettered);
        });
    }

    @Override
    public List<DeadLetter> deadLetters(String queue, int limit) {
        Objects.requireNonNull(queue, "queue is null");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        return inConnection("list dead letters", connection -> {
            PreparedStatement list = connection.prepare(DEAD_LIST);
            list.setString(1, queue);
            list.setInt(2, limit);
            List<DeadLetter> result = new ArrayList<>();
            try (ResultSet rows = list.executeQuery()) {
                while (rows.next()) {
                    result.add(new DeadLetter(Long.toString(rows.getLong(1)), rows.getBytes(2), rows.getString(3),
                            rows.getInt(4), rows.getDouble(5)));
                }
            }
            return result;
        });
    }

    /** The listing without payloads: {@code length(value)} in SQL, so no payload is read. */
    @Override
    public List<DeadLetterInfo> deadLetterInfos(String queue, int limit) {
        Objects.requireNonNull(queue, "queue is null");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        return inConnection("list dead letters", connection -> {
            PreparedStatement list = connection.prepare(DEAD_LIST_SIZES);
            list.setString(1, queue);
            list.setInt(2, limit);
            List<DeadLetterInfo> result = new ArrayList<>();
            try (ResultSet rows = list.executeQuery()) {
                while (rows.next()) {
                    result.add(new DeadLetterInfo(Long.toString(rows.getLong(1)), rows.getLong(2), rows.getString(3),
                            rows.getInt(4), rows.getDouble(5)));
                }
            }
            return result;
        });
    }

    @Override
    public long requeueDeadLetters(String queue) {
        Objects.requireNonNull(queue, "queue is null");
        return inTransaction("requeue dead letters", connection -> {
            PreparedStatement requeue = connection.prepare(DEAD_REQUEUE);
            requeue.setString(1, queue);
            int moved = requeue.executeUpdate();
            PreparedStatement purge = connection.prepare(DEAD_PURGE);
            purge.setString(1, queue);
            purge.executeUpdate();
            return (long) moved;
        });
    }

    @Override
    public long purgeDeadLetters(String queue) {
        Objects.requireNonNull(queue, "queue is null");
        return inConnection("purge dead letters", connection -> {
            PreparedStatement purge = connection.prepare(DEAD_PURGE);
            purge.setString(1, queue);
            return (long) purge.executeUpdate();
        });
    }

    @Override
    public long length(String queue, boolean includeDelayed) {
        Objects.requireNonNull(queue, "queue is null");
        return inConnection("length", connection -> {
            PreparedStatement count = connection.prepare(includeDelayed ? LENGTH_ALL : LENGTH_DUE);
            count.setString(1, queue);
            if (includeDelayed) {
                count.setString(2, queue);
                count.setDouble(3, now());
            } else {
                count.setDouble(2, now());
            }
            try (ResultSet result = count.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        });
    }

    @Override
    public QueueStats stats(String queue) {
        Objects.requireNonNull(queue, "queue is null");
        return inConnection("stats", connection -> {
            double now = now();
            PreparedStatement stats = connection.prepare(STATS);
            stats.setString(1, queue);
            stats.setDouble(2, now);
            stats.setString(3, queue);
            stats.setDouble(4, now);
            stats.setString(5, queue);
            stats.setDouble(6, now);
            stats.setString(7, queue);
            try (ResultSet result = stats.executeQuery()) {
                result.next();
                return new QueueStats(result.getLong(1), result.getLong(2), result.getLong(3), result.getLong(4));
            }
        });
    }

    @Override
    public boolean purge(String queue) {
        Objects.requireNonNull(queue, "queue is null");
        return inConnection("purge", connection -> {
            PreparedStatement purge = connection.prepare(PURGE);
            purge.setString(1, queue);
            purge.setDouble(2, now());
            return purge.executeUpdate() > 0;
        });
    }

    // ------------------------------------------------------------------ keys

    @Override
    public boolean keySet(String key, byte[] value) {
        Objects.requireNonNull(key, "key is null");
        Objects.requireNonNull(value, "value is null");
        return inTransaction("key set", connection -> {
            PreparedStatement update = connection.prepare(KEY_UPDATE);
            update.setBytes(1, value);
            update.setString(2, key);
            if (update.executeUpdate() > 0) {
                return false;
            }
            PreparedStatement insert = connection.prepare(KEY_INSERT);
            insert.setString(1, key);
            insert.setBytes(2, value);
            insert.executeUpdate();
            return true;
        });
    }

    @Override
    public Optional<byte[]> keyGet(String key) {
        Objects.requireNonNull(key, "key is null");
        return inConnection("key get", connection -> {
            PreparedStatement get = connection.prepare(KEY_GET);
            get.setString(1, key);
            try (ResultSet result = get.executeQuery()) {
                if (!result.next()) {
                    return Optional.empty();
                }
                byte[] value = result.getBytes(1);
                return Optional.of(value == null ? new byte[0] : value);
            }
        });
    }

    @Override
    public boolean keyDelete(String key) {
        Objects.requireNonNull(key, "key is null");
        return inConnection("key delete", connection -> {
            PreparedStatement delete = connection.prepare(KEY_DELETE);
            delete.setString(1, key);
            return delete.executeUpdate() > 0;
        });
    }

    // ------------------------------------------------------------------ locks

    @Override
    public boolean lockAcquire(String name, String owner, Duration ttl) {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(owner, "owner is null");
        checkTtl(ttl);
        return inConnection("lock acquire", connection -> {
            double now = now();
            PreparedStatement acquire = connection.prepare(LOCK_ACQUIRE);
            acquire.setString(1, name);
            acquire.setDouble(2, now + seconds(ttl));
            acquire.setString(3, owner);
            acquire.setDouble(4, now);
            return acquire.executeUpdate() == 1;
        });
    }

    @Override
    public boolean lockRelease(String name, String owner) {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(owner, "owner is null");
        return inConnection("lock release", connection -> {
            PreparedStatement release = connection.prepare(LOCK_RELEASE);
            release.setString(1, name);
            release.setString(2, owner);
            release.setDouble(3, now());
            return release.executeUpdate() == 1;
        });
    }

    @Override
    public boolean lockIsLocked(String name) {
        Objects.requireNonNull(name, "name is null");
        return inConnection("lock is-locked", connection -> {
            PreparedStatement query = connection.prepare(LOCK_IS_LOCKED);
            query.setString(1, name);
            query.setDouble(2, now());
            try (ResultSet result = query.executeQuery()) {
                return result.next();
            }
        });
    }

    @Override
    public boolean lockSetTtl(String name, String owner, Duration ttl) {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(owner, "owner is null");
        checkTtl(ttl);
        return inConnection("lock set-ttl", connection -> {
            double now = now();
            PreparedStatement update = connection.prepare(LOCK_SET_TTL);
            update.setDouble(1, now + seconds(ttl));
            update.setString(2, name);
            update.setString(3, owner);
            update.setDouble(4, now);
            return update.executeUpdate() == 1;
        });
    }

    @Override
    public Optional<Duration> lockTtl(String name) {
        Objects.requireNonNull(name, "name is null");
        return inConnection("lock ttl", connection -> {
            double now = now();
            PreparedStatement query = connection.prepare(LOCK_TTL);
            query.setString(1, name);
            query.setDouble(2, now);
            try (ResultSet result = query.executeQuery()) {
                if (!result.next()) {
                    return Optional.empty();
                }
                // Whole seconds rounded up, as Python Sergeant's get_ttl; millisecond rounding first
                // keeps floating-point noise from adding a second.
                long millis = Math.round((result.getDouble(1) - now) * 1000.0);
                return Optional.of(Duration.ofSeconds(Math.max(1, (millis + 999) / 1000)));
            }
        });
    }

    /** Closes every connection (lent ones when they come back); idempotent. */
    @Override
    public void close() {
        pool.close();
    }

    @Override
    public String toString() {
        return "LocalBackend[" + settings.file() + "]";
    }

    // ------------------------------------------------------------------ plumbing

    @FunctionalInterface
    private interface Work<T> {
        T run(PooledConnection connection) throws SQLException;
    }

    @FunctionalInterface
    private interface ReceiptAction {
        boolean apply(PooledConnection connection, Receipt receipt) throws SQLException;
    }

    private SettleResult settle(String what, String queue, List<Receipt> receipts, ReceiptAction action) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(receipts, "receipts is null");
        if (receipts.isEmpty()) {
            return SettleResult.all(0);
        }
        return inTransaction(what, connection -> {
            int settled = 0;
            List<Receipt> refused = new ArrayList<>();
            for (Receipt receipt : receipts) {
                Objects.requireNonNull(receipt, "a receipt is null");
                if (wellFormed(receipt) && action.apply(connection, receipt)) {
                    settled++;
                } else {
                    refused.add(receipt);
                }
            }
            return new SettleResult(settled, refused);
        });
    }

    /** Binds id, token and queue of a receipt at {@code first}, {@code first + 1}, {@code first + 2}. */
    private static void bindReceipt(PreparedStatement statement, int first, Receipt receipt, String queue)
            throws SQLException {
        statement.setLong(first, Long.parseLong(receipt.id()));
        statement.setLong(first + 1, Long.parseUnsignedLong(receipt.token(), 16));
        statement.setString(first + 2, queue);
    }

    /** Whether a receipt could have come from this backend; a foreign one is simply refused. */
    private static boolean wellFormed(Receipt receipt) {
        try {
            Long.parseLong(receipt.id());
            Long.parseUnsignedLong(receipt.token(), 16);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void insertDeadLetter(PooledConnection connection, String queue, byte[] value, String reason,
                                         int deliveryCount, double now) throws SQLException {
        PreparedStatement insert = connection.prepare(DEAD);
        insert.setString(1, queue);
        insert.setBytes(2, value);
        insert.setString(3, reason);
        insert.setInt(4, deliveryCount);
        insert.setDouble(5, now);
        insert.executeUpdate();
    }

    private <T> T inTransaction(String what, Work<T> work) {
        return inConnection(what, connection -> {
            connection.begin();
            boolean committed = false;
            try {
                T result = work.run(connection);
                connection.commit();
                committed = true;
                return result;
            } finally {
                if (!committed) {
                    connection.rollbackQuietly();
                }
            }
        });
    }

    private <T> T inConnection(String what, Work<T> work) {
        PooledConnection connection;
        try {
            connection = pool.borrow();
        } catch (SQLException e) {
            throw SqliteErrors.translate(e, "open a connection", settings.file(), settings.busyTimeout().toMillis());
        }
        boolean healthy = false;
        try {
            T result = work.run(connection);
            healthy = true;
            return result;
        } catch (SQLException e) {
            SergeantException translated =
                    SqliteErrors.translate(e, what, settings.file(), settings.busyTimeout().toMillis());
            // A connection that only waited too long is fine; after anything else, start afresh.
            healthy = SqliteErrors.isBusy(e);
            throw translated;
        } finally {
            pool.giveBack(connection, healthy);
        }
    }

    private PooledConnection openConnection() throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout((int) settings.busyTimeout().toMillis());
        PooledConnection connection = new PooledConnection(config.createConnection("jdbc:sqlite:" + settings.file()));
        try {
            connection.execute("PRAGMA journal_mode = " + settings.journalMode());
            connection.execute("PRAGMA synchronous = " + settings.synchronous());
            return connection;
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    private static void createParentDirectories(Path file) {
        Path parent = file.getParent();
        if (parent == null || Files.isDirectory(parent)) {
            return;
        }
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.BACKEND_UNAVAILABLE, "cannot create the directory '" + parent
                    + "' for sqlite file '" + file.getFileName() + "': " + e + "; create it or choose another path", e);
        }
    }

    private double now() {
        return clock.millis() / 1000.0;
    }

    private static double epochSeconds(Instant instant) {
        return instant.getEpochSecond() + instant.getNano() / 1e9;
    }

    private static double seconds(Duration duration) {
        return duration.getSeconds() + duration.getNano() / 1e9;
    }

    private static void checkTtl(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl is null");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("a lock TTL must be positive: " + ttl);
        }
    }

    /** A receipt's rowid and token; {@link #of} gives null for a receipt this backend cannot have issued. */
    private record LeaseKey(long rowid, long token) {
        static LeaseKey of(Receipt receipt) {
            try {
                return new LeaseKey(Long.parseLong(receipt.id()), Long.parseUnsignedLong(receipt.token(), 16));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** One row taken from task_queue. */
    private record Row(long rowid, double priority, byte[] value) {
    }

    /** One row just leased, with the priority it had before the lease. */
    private record Leased(long rowid, double priority, byte[] value, long token, int deliveryCount, long length) {
    }
}
