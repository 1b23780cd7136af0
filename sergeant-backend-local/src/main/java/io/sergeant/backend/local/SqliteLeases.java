package io.sergeant.backend.local;

import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import io.sergeant.spi.backend.SettledPop;

import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;


/**
 * The lease role: leases live in {@code task_queue} itself (see the package documentation): a leased
 * pop is one {@code UPDATE} that moves the rows' priority to the lease deadline and gives each a token
 * made of one fresh random number per pop and the rowid (their XOR: unique per delivery, and the
 * receipts of one pop settle in one statement); ack, extend, release and reap match rowid and token. A
 * receipt is the rowid plus the token in hex. Thread safe.
 */
final class SqliteLeases implements BackendLeases {

    /**
     * Leases the next deliverable rows in place: the lease deadline becomes their priority (so no pop,
     * Java or Python, takes them before it), each gets a token (the pop's random number XOR the rowid,
     * written {@code (b | rowid) - (b & rowid)}: SQLite has no XOR) and one more delivery;
     * {@code lease_priority} keeps the priority they had, which gives the delivery order and the place
     * a reap puts them back at.
     */
    private static final String LEASE =
            "UPDATE task_queue SET lease_priority = priority, priority = ?,"
                    + " lease_token = (? | rowid) - (? & rowid), delivery_count = coalesce(delivery_count, 0) + 1"
                    + " WHERE rowid IN (SELECT rowid FROM task_queue"
                    + " WHERE queue_name = ? AND priority <= ? ORDER BY priority, rowid LIMIT ?)"
                    + " RETURNING rowid, lease_priority, CASE WHEN length(value) > ? THEN NULL ELSE value END,"
                    + " delivery_count, length(value)";
    private static final String LEASED_TO_DEAD =
            "INSERT INTO sergeant_dead_letters (queue_name, value, reason, delivery_count, dead_at)"
                    + " SELECT queue_name, value, ?, delivery_count - 1, ? FROM task_queue WHERE rowid = ?";
    private static final String DELETE_ROWID = "DELETE FROM task_queue WHERE rowid = ?";
    /**
     * The rows among a JSON array of rowids leased by the pop whose random number is bound twice: their
     * token is that number XOR the rowid. CROSS JOIN makes SQLite look each rowid up in the table (left
     * to itself it may walk the queue's index instead).
     */
    private static final String MATCHING_LEASES =
            "SELECT t.rowid FROM json_each(?) AS j CROSS JOIN task_queue AS t"
                    + " ON t.rowid = j.value WHERE t.lease_token = (? | t.rowid) - (? & t.rowid) AND t.queue_name = ?";
    private static final String ACK_ALL =
            "DELETE FROM task_queue WHERE rowid IN (" + MATCHING_LEASES + ") RETURNING rowid";
    private static final String EXTEND_ALL =
            "UPDATE task_queue SET priority = ? WHERE rowid IN (" + MATCHING_LEASES + ") RETURNING rowid";
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
     * Where a pop's (or an extension's) leases sit: their deadline, and the pop's number (a row's token is
     * it XOR the rowid). One row per pop, so a leased task costs no index entry of its own; acks never
     * touch it, and it is dropped once its deadline passed and its expired leases, if any are left, were
     * put back.
     */
    private static final String RECORD_DEADLINE =
            "INSERT INTO sergeant_lease_deadlines (queue_name, deadline, pop_number) VALUES (?, ?, ?)";
    private static final String EXPIRED_DEADLINES = " FROM sergeant_lease_deadlines WHERE queue_name = ? AND deadline <= ?";
    private static final String ANY_EXPIRED = "SELECT 1" + EXPIRED_DEADLINES + " LIMIT 1";
    private static final String DROP_EXPIRED_DEADLINES = "DELETE" + EXPIRED_DEADLINES;
    /**
     * The rows whose lease expired: at a deadline that passed ({@code queue_by_priority}'s entries at
     * exactly that priority) with the token of that deadline's pop. Binds queue, now.
     */
    private static final String EXPIRED =
            " FROM task_queue WHERE rowid IN (SELECT t.rowid FROM sergeant_lease_deadlines AS d"
                    + " CROSS JOIN task_queue AS t ON t.queue_name = d.queue_name AND t.priority = d.deadline"
                    + " WHERE d.queue_name = ? AND d.deadline <= ?"
                    + " AND t.lease_token = (d.pop_number | t.rowid) - (d.pop_number & t.rowid))";
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

    private static final SecureRandom TOKENS = new SecureRandom();

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
        // One random number for the whole pop; each row's token is it XOR the rowid.
        long base = newBase();
        boolean recorded = false;
        List<Delivery> deliveries = new ArrayList<>(Math.min(max, 1024));
        while (deliveries.size() < max) {
            int wanted = max - deliveries.size();
            // One statement: the window's rows are leased where they are (see LEASE).
            PreparedStatement lease =
                    connection.prepare(LEASE, leaseUntil, base, base, queue, now, wanted, file.settings().maxPayloadBytes());
            List<Leased> leased = new ArrayList<>(Math.min(wanted, 1024));
            try (ResultSet rows = lease.executeQuery()) {
                while (rows.next()) {
                    leased.add(new Leased(rows.getLong(1), rows.getDouble(2), rows.getBytes(3), rows.getInt(4),
                            rows.getLong(5)));
                }
            }
            if (leased.isEmpty()) {
                break;
            }
            if (!recorded) {
                connection.prepare(RECORD_DEADLINE, queue, leaseUntil, base).executeUpdate();
                recorded = true;
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
                        Long.toHexString(base ^ row.rowid()), row.deliveryCount())));
            }
            SqliteDeadLetters.trim(connection, file.settings(), queue, deadLettered);
            if (deadLettered == 0 || leased.size() < wanted) {
                break;
            }
        }
        return deliveries;
    }

    /**
     * A pop's random number: 63 bits from {@link SecureRandom} (one draw per pop, so its cost does not
     * count; two processes started at the same instant never share a sequence). A row leased again
     * (after an expiry, a reap or a release) gets another pop's number, so a receipt of an earlier lease
     * is refused.
     */
    private static long newBase() {
        return TOKENS.nextLong() & Long.MAX_VALUE;
    }

    /**
     * Puts the queue's expired leases back at the priority they had before the lease (what a reap
     * does, delivery count kept), so that the pop that takes one again orders it by that priority: an
     * expired HIGH task keeps its HIGH place instead of queueing behind every NORMAL task under its
     * old deadline; then drops the passed deadlines. Cheap: {@code sergeant_lease_deadlines} has one
     * row per pop. Every pop, leased or not, calls it first.
     */
    static void restoreExpiredLeases(PooledConnection connection, String queue, double now) throws SQLException {
        if (anyExpired(connection, queue, now)) { // a read: no write lock when there is none
            connection.prepare(REAP_REDELIVER, queue, now).executeUpdate();
            connection.prepare(DROP_EXPIRED_DEADLINES, queue, now).executeUpdate();
        }
    }

    /** Whether a lease deadline of the queue passed by {@code now} (its leases may all be settled already). */
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
     * Acks or extends a batch: one statement per pop among the receipts (usually one or two), with the
     * pop's random number (token XOR rowid) and its rowids as a JSON array; each statement returns the
     * rows it matched, and every other receipt is refused. A receipt of an earlier version (a random
     * token per row) is a pop of its own.
     */
    private SettleResult settleAll(String what, String queue, List<Receipt> receipts, String sql, Double leaseUntil) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(receipts, "receipts is null");
        if (receipts.isEmpty()) {
            return SettleResult.all(0);
        }
        Settling settling = new Settling(receipts);
        // An ack of one pop: one statement, atomic by itself; several pops, or an extension (which records
        // its new deadline): one transaction, so all or none apply.
        Set<LeaseKey> matched = settling.statements() <= 1 && leaseUntil == null
                ? file.inConnection(what, connection -> settling.run(connection, sql, queue, leaseUntil))
                : file.inTransaction(what, connection -> settling.run(connection, sql, queue, leaseUntil));
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

    /** The receipts of one ack or extension, grouped by pop (token XOR rowid) as the JSON arrays of rowids the statements take. */
    private static final class Settling {

        private final List<Receipt> receipts;
        private final List<LeaseKey> keys;
        /** Per pop's random number, the JSON array of its rowids. */
        private final Map<Long, String> byPop;

        Settling(List<Receipt> receipts) {
            this.receipts = receipts;
            this.keys = new ArrayList<>(receipts.size());
            Map<Long, StringBuilder> arrays = new LinkedHashMap<>();
            StringBuilder last = null;
            long lastBase = 0;
            for (Receipt receipt : receipts) {
                Objects.requireNonNull(receipt, "a receipt is null");
                LeaseKey key = LeaseKey.of(receipt);
                keys.add(key);
                if (key == null) {
                    continue;
                }
                long base = key.token() ^ key.rowid();
                if (last == null || base != lastBase) { // receipts of one pop usually come together
                    lastBase = base;
                    last = arrays.computeIfAbsent(base, b -> new StringBuilder(receipts.size() * 12).append('['));
                }
                if (last.length() > 1) {
                    last.append(',');
                }
                last.append(key.rowid());
            }
            this.byPop = new LinkedHashMap<>();
            arrays.forEach((base, json) -> byPop.put(base, json.append(']').toString()));
        }

        /** How many statements {@link #run} runs: one per pop. */
        int statements() {
            return byPop.size();
        }

        /**
         * Runs the ack or extension statement once per pop; returns the leases it matched. An extension
         * also records each pop's new deadline (the rows left the old one).
         */
        Set<LeaseKey> run(PooledConnection connection, String sql, String queue, Double leaseUntil) throws SQLException {
            PreparedStatement statement = connection.prepare(sql);
            Set<LeaseKey> result = new HashSet<>();
            for (Map.Entry<Long, String> group : byPop.entrySet()) {
                long base = group.getKey();
                int next = 1;
                if (leaseUntil != null) {
                    statement.setDouble(next++, leaseUntil);
                }
                statement.setString(next++, group.getValue());
                statement.setLong(next++, base);
                statement.setLong(next++, base);
                statement.setString(next, queue);
                int matched = 0;
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        long rowid = rows.getLong(1);
                        result.add(new LeaseKey(rowid, base ^ rowid));
                        matched++;
                    }
                }
                if (leaseUntil != null && matched > 0) {
                    connection.prepare(RECORD_DEADLINE, queue, leaseUntil, base).executeUpdate();
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
            connection.prepare(DROP_EXPIRED_DEADLINES, queue, now).executeUpdate();
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
    private record Leased(long rowid, double priority, byte[] value, int deliveryCount, long length) {
    }
}
