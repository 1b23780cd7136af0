package io.sergeant.backend.local;

import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import io.sergeant.spi.backend.SettledPop;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The lease role: leases live in {@code task_queue} itself (see the package documentation): a leased
 * pop is one {@code UPDATE} that moves the rows' priority to the lease deadline and gives each a fresh
 * token; ack, extend, release and reap match rowid and token. A receipt is the rowid plus the token in
 * hex. Thread safe.
 */
final class SqliteLeases implements BackendLeases {

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
    /** The leased rows matching a JSON array of [rowid, token] pairs; CROSS JOIN makes SQLite look each pair up by rowid. */
    private static final String MATCHING_LEASES =
            "SELECT t.rowid FROM json_each(?) AS j CROSS JOIN task_queue AS t"
                    + " ON t.rowid = j.value ->> 0 AND t.lease_token = j.value ->> 1 WHERE t.queue_name = ?";
    private static final String ACK_ALL =
            "DELETE FROM task_queue WHERE rowid IN (" + MATCHING_LEASES + ") RETURNING rowid, lease_token";
    private static final String EXTEND_ALL =
            "UPDATE task_queue SET priority = ? WHERE rowid IN (" + MATCHING_LEASES + ") RETURNING rowid, lease_token";
    /** Deletes one leased row if its token still matches. */
    static final String ACK =
            "DELETE FROM task_queue WHERE rowid = ? AND lease_token = ? AND queue_name = ?";
    private static final String RELEASE =
            "UPDATE task_queue SET priority = " + SqliteQueue.HIGH + ", lease_token = NULL, lease_priority = NULL"
                    + " WHERE rowid = ? AND lease_token = ? AND queue_name = ?";
    /** A graceful hand-back: released, and this delivery is taken off the count again. */
    private static final String HAND_BACK =
            "UPDATE task_queue SET priority = " + SqliteQueue.HIGH + ", lease_token = NULL, lease_priority = NULL,"
                    + " delivery_count = max(coalesce(delivery_count, 1) - 1, 0)"
                    + " WHERE rowid = ? AND lease_token = ? AND queue_name = ?";
    /**
     * Expired leases: a token and a deadline that passed. Deadlines are epoch seconds, above NORMAL's
     * 1.0, so the index range {@code (1.0, now]} holds them (with due delayed tasks only).
     */
    private static final String EXPIRED =
            " FROM task_queue WHERE queue_name = ? AND priority > " + SqliteQueue.NORMAL + " AND priority <= ?"
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
            "UPDATE task_queue SET priority = coalesce(lease_priority, " + SqliteQueue.NORMAL + "), lease_token = NULL,"
                    + " lease_priority = NULL WHERE rowid IN (SELECT rowid" + EXPIRED + ")";

    private static final Comparator<Leased> LEASE_ORDER =
            Comparator.comparingDouble(Leased::priority).thenComparingLong(Leased::rowid);

    private final SqliteFile file;

    SqliteLeases(SqliteFile file) {
        this.file = Objects.requireNonNull(file, "file is null");
    }

    /** At-least-once pop: leases up to {@code max} rows; rows past {@code maxDeliveries} go to the dead letters. */
    List<Delivery> pop(String queue, int max, DeliveryOptions options) {
        return file.inTransaction("pop", connection -> popLeased(connection, queue, max, options));
    }

    private List<Delivery> popLeased(PooledConnection connection, String queue, int max, DeliveryOptions options)
            throws SQLException {
        double now = file.now();
        double leaseUntil = now + SqliteFile.seconds(options.lease());
        restoreExpiredLeases(connection, queue, now);
        List<Delivery> deliveries = new ArrayList<>(Math.min(max, 1024));
        while (deliveries.size() < max) {
            int wanted = max - deliveries.size();
            // One statement: the window's rows are leased where they are (see LEASE).
            PreparedStatement lease = connection.prepare(LEASE, leaseUntil, queue, now, wanted, file.settings().maxPayloadBytes());
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
                    deadLetterLeased(connection, row.rowid(),
                            SqliteDeadLetters.oversizedReason(file.settings(), row.length()), now);
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
            SqliteDeadLetters.trim(connection, file.settings(), queue, deadLettered);
            if (deadLettered == 0 || leased.size() < wanted) {
                break;
            }
        }
        return deliveries;
    }

    /**
     * Puts the queue's expired leases back at the priority they had before the lease (what a reap
     * does, delivery count kept), so that the pop that takes one again orders it by that priority: an
     * expired HIGH task keeps its HIGH place instead of queueing behind every NORMAL task under its
     * old deadline. Cheap: the partial index {@code sergeant_task_leases_by_deadline} holds leased rows
     * only. Every pop, leased or not, calls it first.
     */
    static void restoreExpiredLeases(PooledConnection connection, String queue, double now) throws SQLException {
        if (anyExpired(connection, queue, now)) { // a read: no write lock when there is none
            connection.prepare(REAP_REDELIVER, queue, now).executeUpdate();
        }
    }

    /** Whether the queue has a lease that expired by {@code now}. */
    private static boolean anyExpired(PooledConnection connection, String queue, double now) throws SQLException {
        try (ResultSet result = connection.prepare(ANY_EXPIRED, queue, now).executeQuery()) {
            return result.next();
        }
    }

    /** Moves a row this transaction just leased to the dead letters, with the deliveries before this one. */
    private static void deadLetterLeased(PooledConnection connection, long rowid, String reason, double now)
            throws SQLException {
        connection.prepare(LEASED_TO_DEAD, reason, now, rowid).executeUpdate();
        connection.prepare(DELETE_ROWID, rowid).executeUpdate();
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
        return settleAll("extend", queue, receipts, EXTEND_ALL, file.now() + SqliteFile.seconds(lease));
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
        Settling settling = new Settling(receipts);
        Set<LeaseKey> matched = file.inConnection(what, connection -> settling.run(connection, sql, queue, leaseUntil));
        return settling.result(matched);
    }

    /**
     * Settle-and-pop in one transaction: the ack's {@code DELETE ... RETURNING} and the leasing pop, so
     * either both happen or neither does.
     */
    @Override
    public SettledPop ackAndPop(Backend backend, String queue, List<Receipt> receipts, int max, DeliveryOptions options) {
        BackendLeases.checkAckAndPop(queue, receipts, max, options);
        Settling settling = receipts.isEmpty() ? null : new Settling(receipts);
        List<Delivery> deliveries = new ArrayList<>();
        Set<LeaseKey> matched = file.inTransaction("ack and pop", connection -> {
            Set<LeaseKey> acked = settling == null ? Set.of() : settling.run(connection, ACK_ALL, queue, null);
            deliveries.clear(); // a retried transaction starts over
            if (max > 0) {
                deliveries.addAll(popLeased(connection, queue, max, options));
            }
            return acked;
        });
        return new SettledPop(settling == null ? SettleResult.all(0) : settling.result(matched), deliveries);
    }

    /** The receipts of one ack or extension as the JSON array of [rowid, token] pairs the statements take. */
    private static final class Settling {

        private final List<Receipt> receipts;
        private final List<LeaseKey> keys;
        private final String json;

        Settling(List<Receipt> receipts) {
            this.receipts = receipts;
            this.keys = new ArrayList<>(receipts.size());
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
            this.json = json.append(']').toString();
        }

        /** Runs the ack or extension statement; returns the leases it matched. */
        Set<LeaseKey> run(PooledConnection connection, String sql, String queue, Double leaseUntil) throws SQLException {
            PreparedStatement statement = connection.prepare(sql);
            int next = 1;
            if (leaseUntil != null) {
                statement.setDouble(next++, leaseUntil);
            }
            statement.setString(next++, json);
            statement.setString(next, queue);
            Set<LeaseKey> result = new HashSet<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    result.add(new LeaseKey(rows.getLong(1), rows.getLong(2)));
                }
            }
            return result;
        }

        /** Settled and refused receipts, given the leases the statement matched (consumed). */
        SettleResult result(Set<LeaseKey> matched) {
            Set<LeaseKey> left = new HashSet<>(matched);
            int settled = 0;
            List<Receipt> refused = new ArrayList<>();
            for (int i = 0; i < receipts.size(); i++) {
                LeaseKey key = keys.get(i);
                // remove(): a receipt listed twice settles once.
                if (key != null && left.remove(key)) {
                    settled++;
                } else {
                    refused.add(receipts.get(i));
                }
            }
            return new SettleResult(settled, refused);
        }
    }

    @Override
    public SettleResult release(String queue, List<Receipt> receipts) {
        return release(queue, receipts, RELEASE, "release");
    }

    @Override
    public SettleResult handBack(String queue, List<Receipt> receipts) {
        return release(queue, receipts, HAND_BACK, "hand back");
    }

    private SettleResult release(String queue, List<Receipt> receipts, String sql, String what) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(receipts, "receipts is null");
        if (receipts.isEmpty()) {
            return SettleResult.all(0);
        }
        return file.inTransaction(what, connection -> {
            int settled = 0;
            List<Receipt> refused = new ArrayList<>();
            for (Receipt receipt : receipts) {
                Objects.requireNonNull(receipt, "a receipt is null");
                if (wellFormed(receipt) && releaseOne(connection, sql, queue, receipt)) {
                    settled++;
                } else {
                    refused.add(receipt);
                }
            }
            return new SettleResult(settled, refused);
        });
    }

    private static boolean releaseOne(PooledConnection connection, String sql, String queue, Receipt receipt)
            throws SQLException {
        PreparedStatement release = connection.prepare(sql);
        bindReceipt(release, 1, receipt, queue);
        return release.executeUpdate() == 1;
    }

    @Override
    public ReapResult reap(String queue, int maxDeliveries) {
        Objects.requireNonNull(queue, "queue is null");
        if (maxDeliveries <= 0) {
            throw new IllegalArgumentException("maxDeliveries must be positive: " + maxDeliveries);
        }
        double now = file.now();
        // A cheap read first, so that idle reapers in many workers do not queue up for the write lock.
        if (!file.inConnection("reap", connection -> anyExpired(connection, queue, now))) {
            return ReapResult.NONE;
        }
        return file.inTransaction("reap", connection -> {
            int deadLettered = connection.prepare(REAP_DEAD, maxDeliveries, now, queue, now, maxDeliveries).executeUpdate();
            if (deadLettered > 0) {
                connection.prepare(REAP_DELETE_DEAD, queue, now, maxDeliveries).executeUpdate();
                SqliteDeadLetters.trim(connection, file.settings(), queue, deadLettered);
            }
            int redelivered = connection.prepare(REAP_REDELIVER, queue, now).executeUpdate();
            return redelivered == 0 && deadLettered == 0 ? ReapResult.NONE : new ReapResult(redelivered, deadLettered);
        });
    }

    /** Binds id, token and queue of a receipt at {@code first}, {@code first + 1}, {@code first + 2}. */
    static void bindReceipt(PreparedStatement statement, int first, Receipt receipt, String queue)
            throws SQLException {
        statement.setLong(first, Long.parseLong(receipt.id()));
        statement.setLong(first + 1, Long.parseUnsignedLong(receipt.token(), 16));
        statement.setString(first + 2, queue);
    }

    /** Whether a receipt could have come from this backend; a foreign one is simply refused. */
    static boolean wellFormed(Receipt receipt) {
        return LeaseKey.of(receipt) != null;
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

    /** One row just leased, with the priority it had before the lease. */
    private record Leased(long rowid, double priority, byte[] value, long token, int deliveryCount, long length) {
    }
}
