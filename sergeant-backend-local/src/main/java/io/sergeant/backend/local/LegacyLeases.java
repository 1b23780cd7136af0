package io.sergeant.backend.local;

import io.sergeant.spi.backend.Receipt;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Leases written in place by the previous version (package documentation, "Files of earlier versions"):
 * a leased row stayed in {@code task_queue} with its lease deadline as priority, a token (its pop's
 * number XOR the rowid) in {@code lease_token}, its priority before the lease in {@code lease_priority},
 * and one row per pop in {@code sergeant_lease_deadlines}. This version never leases in place; it keeps
 * settling such leases by their receipts (a receipt whose id is a plain rowid) and puts them back once
 * expired, so a file upgraded while tasks were in flight, or shared with a process of the previous
 * version, loses nothing. Every method runs inside the caller's connection or transaction.
 */
final class LegacyLeases {

    /**
     * The rows among a JSON array of rowids leased by the pop whose random number is bound twice: their
     * token is that number XOR the rowid. CROSS JOIN makes SQLite look each rowid up in the table.
     */
    private static final String MATCHING_LEASES =
            "SELECT t.rowid FROM json_each(?) AS j CROSS JOIN task_queue AS t"
                    + " ON t.rowid = j.value WHERE t.lease_token = (? | t.rowid) - (? & t.rowid) AND t.queue_name = ?";
    private static final String ACK_ALL =
            "DELETE FROM task_queue WHERE rowid IN (" + MATCHING_LEASES + ") RETURNING rowid";
    private static final String EXTEND_ALL =
            "UPDATE task_queue SET priority = ? WHERE rowid IN (" + MATCHING_LEASES + ") RETURNING rowid";
    private static final String ACK =
            "DELETE FROM task_queue WHERE rowid = ? AND lease_token = ? AND queue_name = ?";
    private static final String RELEASE =
            "UPDATE task_queue SET priority = " + SqliteQueue.HIGH + ", lease_token = NULL, lease_priority = NULL"
                    + " WHERE rowid = ? AND lease_token = ? AND queue_name = ?";
    private static final String HAND_BACK =
            "UPDATE task_queue SET priority = " + SqliteQueue.HIGH + ", lease_token = NULL, lease_priority = NULL,"
                    + " delivery_count = max(coalesce(delivery_count, 1) - 1, 0)"
                    + " WHERE rowid = ? AND lease_token = ? AND queue_name = ?";
    private static final String DEAD_FROM_LEASE =
            "INSERT INTO sergeant_dead_letters (queue_name, value, reason, delivery_count, dead_at)"
                    + " SELECT queue_name, value, ?, delivery_count, ? FROM task_queue"
                    + " WHERE rowid = ? AND lease_token = ? AND queue_name = ?";
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
    /**
     * Rows under an in-place lease that has not expired: in flight. Found from the lease deadlines still
     * ahead, so only in-flight rows are read (binds queue, now, queue).
     */
    static final String IN_FLIGHT =
            "SELECT COUNT(*) FROM (SELECT DISTINCT deadline, pop_number FROM sergeant_lease_deadlines"
                    + " WHERE queue_name = ? AND deadline > ?) AS d CROSS JOIN task_queue AS t"
                    + " ON t.queue_name = ? AND t.priority = d.deadline"
                    + " WHERE t.lease_token = (d.pop_number | t.rowid) - (d.pop_number & t.rowid)";

    /** What a settling call does to each matched in-place lease. */
    enum Action { ACK, EXTEND, RELEASE, HAND_BACK }

    private LegacyLeases() {
    }

    /**
     * Settles in-place leases; returns, per receipt in order, whether it matched. Ack and extension run one
     * statement per pop over a JSON array of rowids (an extension also records the new deadline); release
     * and hand-back one statement per receipt.
     */
    static boolean[] settle(PooledConnection connection, String queue, List<Receipt> receipts, Action action,
                            double leaseUntil) throws SQLException {
        boolean[] settled = new boolean[receipts.size()];
        if (action == Action.RELEASE || action == Action.HAND_BACK) {
            PreparedStatement statement = connection.prepare(action == Action.RELEASE ? RELEASE : HAND_BACK);
            for (int i = 0; i < receipts.size(); i++) {
                LeaseKey key = LeaseKey.of(receipts.get(i));
                if (key != null) {
                    settled[i] = key.bind(statement, 1, queue).executeUpdate() == 1;
                }
            }
            return settled;
        }
        Map<Long, StringBuilder> byPop = new LinkedHashMap<>();
        List<LeaseKey> keys = new ArrayList<>(receipts.size());
        for (Receipt receipt : receipts) {
            LeaseKey key = LeaseKey.of(receipt);
            keys.add(key);
            if (key != null) {
                StringBuilder json = byPop.computeIfAbsent(key.token() ^ key.rowid(), b -> new StringBuilder("["));
                json.append(json.length() > 1 ? "," : "").append(key.rowid());
            }
        }
        Set<LeaseKey> matched = new HashSet<>();
        PreparedStatement statement = connection.prepare(action == Action.ACK ? ACK_ALL : EXTEND_ALL);
        for (Map.Entry<Long, StringBuilder> pop : byPop.entrySet()) {
            long base = pop.getKey();
            int next = 1;
            if (action == Action.EXTEND) {
                statement.setDouble(next++, leaseUntil);
            }
            statement.setString(next++, pop.getValue().append(']').toString());
            statement.setLong(next++, base);
            statement.setLong(next++, base);
            statement.setString(next, queue);
            int rows = 0;
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    long rowid = result.getLong(1);
                    matched.add(new LeaseKey(rowid, base ^ rowid));
                    rows++;
                }
            }
            if (action == Action.EXTEND && rows > 0) {
                connection.prepare(RECORD_DEADLINE, queue, leaseUntil, base).executeUpdate();
            }
        }
        for (int i = 0; i < keys.size(); i++) {
            // remove(): a receipt listed twice settles once.
            settled[i] = keys.get(i) != null && matched.remove(keys.get(i));
        }
        return settled;
    }

    /** Moves an in-place lease to the dead letters if its token still matches. */
    static boolean deadLetter(PooledConnection connection, String queue, Receipt receipt, String reason, double now)
            throws SQLException {
        LeaseKey key = LeaseKey.of(receipt);
        if (key == null) {
            return false;
        }
        PreparedStatement move = connection.prepare(DEAD_FROM_LEASE);
        move.setString(1, reason);
        move.setDouble(2, now);
        if (key.bind(move, 3, queue).executeUpdate() != 1) {
            return false;
        }
        key.bind(connection.prepare(ACK), 1, queue).executeUpdate();
        return true;
    }

    /** Whether an in-place lease deadline of the queue passed by {@code now} (a read). */
    static boolean anyExpired(PooledConnection connection, String queue, double now) throws SQLException {
        try (ResultSet result = connection.prepare(ANY_EXPIRED, queue, now).executeQuery()) {
            return result.next();
        }
    }

    /**
     * Puts expired in-place leases back at the priority they had before the lease, delivery count kept;
     * with {@code maxDeliveries > 0}, those whose count reached it go to the dead letters instead. Returns
     * {redelivered, dead-lettered}.
     */
    static int[] restoreExpired(PooledConnection connection, LocalSettings settings, String queue, double now,
                                int maxDeliveries) throws SQLException {
        if (!anyExpired(connection, queue, now)) {
            return new int[2];
        }
        int deadLettered = 0;
        if (maxDeliveries > 0) {
            deadLettered = connection.prepare(REAP_DEAD, maxDeliveries, now, queue, now, maxDeliveries).executeUpdate();
            if (deadLettered > 0) {
                connection.prepare(REAP_DELETE_DEAD, queue, now, maxDeliveries).executeUpdate();
                SqliteDeadLetters.trim(connection, settings, queue, deadLettered);
            }
        }
        int redelivered = connection.prepare(REAP_REDELIVER, queue, now).executeUpdate();
        connection.prepare(DROP_EXPIRED_DEADLINES, queue, now).executeUpdate();
        return new int[] {redelivered, deadLettered};
    }

    /** A receipt's rowid and token; {@link #of} gives null for a receipt that is not an in-place one. */
    private record LeaseKey(long rowid, long token) {
        static LeaseKey of(Receipt receipt) {
            Objects.requireNonNull(receipt, "a receipt is null");
            try {
                return new LeaseKey(Long.parseLong(receipt.id()), Long.parseUnsignedLong(receipt.token(), 16));
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /** Binds rowid, token and queue at {@code first} and the two after. */
        PreparedStatement bind(PreparedStatement statement, int first, String queue) throws SQLException {
            statement.setLong(first, rowid);
            statement.setLong(first + 1, token);
            statement.setString(first + 2, queue);
            return statement;
        }
    }
}
