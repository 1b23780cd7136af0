package io.sergeant.backend.local;

import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.Receipt;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Leases as one record per leased batch (package documentation): a leasing pop deletes its rows from
 * {@code task_queue} exactly as an at-most-once pop does and writes one row to {@code sergeant_lease_batches}
 * (the batch's state: pop number, earliest deadline, one byte per task) and one to {@code sergeant_lease_tasks}
 * (the tasks: rowid, priority and delivery count of each, then the payloads). Settling single receipts
 * changes the state row; the tasks row is read only when a task goes back to {@code task_queue} or to the
 * dead letters. A receipt is {@code <batch id>:<slot>} with the token {@code pop number XOR slot} in hex.
 * Unlike leases in place, in-flight tasks are out of Python Sergeant's sight, and an expired one comes back
 * only through a Java pop, reap or purge (docs/python-compat.md §3.4).
 * Every method runs inside the caller's {@code BEGIN IMMEDIATE} transaction (or, for reads, connection).
 */
final class BatchLeases {

    /**
     * The leasing pop: Python's pop with an order, after the payloads over the limit in its window went to the
     * dead letters ({@link SqliteQueue#deadLetterOversized}, as the at-most-once pop does). No SQL function may
     * appear in it: a call such as {@code length(value)} in a multi-row DELETE inside a transaction makes SQLite
     * keep a statement journal, which for a batch of 1000 spilled to a temporary file created, written page by
     * page and deleted on every pop (docs/decisions.md "SQLite at-least-once: no statement journal").
     */
    private static final String POP =
            "DELETE FROM task_queue WHERE rowid IN (SELECT rowid FROM task_queue"
                    + " WHERE queue_name = ? AND priority <= ? ORDER BY priority, rowid LIMIT ?)"
                    + " RETURNING rowid, priority, value, delivery_count";
    private static final String INSERT_BATCH =
            "INSERT INTO sergeant_lease_batches (queue_name, deadline, token, pending, slots, deadlines)"
                    + " VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
    /**
     * OR REPLACE: a tasks row whose batch row was deleted by hand (no state, so nothing can settle or restore
     * it) would otherwise fail every pop that SQLite gives that batch id again.
     */
    private static final String INSERT_TASKS = "INSERT OR REPLACE INTO sergeant_lease_tasks (batch_id, tasks) VALUES (?, ?)";
    private static final String SELECT_ONE =
            "SELECT " + LeaseBatch.SELECT_COLUMNS + " FROM sergeant_lease_batches WHERE id = ? AND queue_name = ?";
    private static final String SELECT_EXPIRED =
            "SELECT " + LeaseBatch.SELECT_COLUMNS + " FROM sergeant_lease_batches WHERE queue_name = ? AND deadline <= ?";
    private static final String ANY_EXPIRED =
            "SELECT 1 FROM sergeant_lease_batches WHERE queue_name = ? AND deadline <= ? LIMIT 1";
    private static final String TASKS = "SELECT tasks FROM sergeant_lease_tasks WHERE batch_id = ?";
    /** Leased tasks of batches none of whose slots expired (binds queue, now). */
    private static final String IN_FLIGHT_UNEXPIRED =
            "SELECT coalesce(SUM(pending), 0) FROM sergeant_lease_batches WHERE queue_name = ? AND deadline > ?";
    /**
     * A task back into {@code task_queue}: under its old rowid when that is still free (so it keeps its
     * place among tasks of its priority), else under a new one.
     */
    private static final String PUT_BACK =
            "INSERT INTO task_queue (rowid, queue_name, priority, value, delivery_count) VALUES"
                    + " ((SELECT CASE WHEN EXISTS (SELECT 1 FROM task_queue WHERE rowid = ?1) THEN NULL ELSE ?1 END),"
                    + " ?2, ?3, ?4, ?5)";

    private static final String DELETE_BATCH = "DELETE FROM sergeant_lease_batches WHERE id = ?";
    private static final String DELETE_TASKS = "DELETE FROM sergeant_lease_tasks WHERE batch_id = ?";
    private static final System.Logger LOG = System.getLogger(BatchLeases.class.getName());

    private static final Comparator<LeasedTask> DELIVERY_ORDER =
            Comparator.comparingDouble(LeasedTask::priority).thenComparingLong(LeasedTask::rowid);
    private static final SecureRandom POP_NUMBERS = new SecureRandom();

    /** What a settling call does to each receipt's task. */
    enum Action { ACK, EXTEND, RELEASE, HAND_BACK, DEAD_LETTER }

    private BatchLeases() {
    }

    /**
     * Leases up to {@code max} deliverable tasks as one batch: tasks past {@code maxDeliveries} and payloads
     * over {@code maxPayloadSize} go to the dead letters instead (and more are taken in their place).
     */
    static List<Delivery> pop(PooledConnection connection, LocalSettings settings, String queue, int max,
                              DeliveryOptions options, double now) throws SQLException {
        List<LeasedTask> tasks = new ArrayList<>(Math.min(max, 1024));
        while (tasks.size() < max) {
            int wanted = max - tasks.size();
            // Oversized payloads (and rows without a value) in the window go first, never read into Java.
            int oversized = SqliteQueue.deadLetterOversized(connection, settings, queue, now, wanted);
            PreparedStatement pop = connection.prepare(POP, queue, now, wanted);
            List<LeasedTask> rows = new ArrayList<>(Math.min(wanted, 1024));
            try (ResultSet result = pop.executeQuery()) {
                while (result.next()) {
                    rows.add(new LeasedTask(result.getLong(1), result.getDouble(2), result.getInt(4) + 1,
                            result.getBytes(3)));
                }
            }
            // RETURNING hands rows back in storage order; delivery order is priority, then insertion.
            rows.sort(DELIVERY_ORDER);
            int dead = 0;
            for (LeasedTask row : rows) {
                if (row.deliveries() > options.maxDeliveries()) {
                    SqliteDeadLetters.insert(connection, queue, row.payload(), "delivered " + (row.deliveries() - 1)
                            + " times, the most allowed (maxDeliveries " + options.maxDeliveries() + ")",
                            row.deliveries() - 1, now);
                    dead++;
                } else {
                    tasks.add(row);
                }
            }
            SqliteDeadLetters.trim(connection, settings, queue, dead + oversized);
            if (dead == 0 || rows.size() < wanted) { // else take more in place of the dead-lettered ones
                break;
            }
        }
        if (tasks.isEmpty()) {
            return List.of();
        }
        // SQLite stores no value longer than its length limit (1,000,000,000 bytes by default): a batch whose
        // payloads add up to more is kept in several records, each its own batch with its own pop number.
        long longest = connection.longestValue();
        double leaseUntil = now + SqliteFile.seconds(options.lease());
        List<Delivery> deliveries = new ArrayList<>(tasks.size());
        int from = 0;
        while (from < tasks.size()) {
            long size = Integer.BYTES + LeasedTask.HEADER + tasks.get(from).payload().length;
            int to = from + 1;
            while (to < tasks.size() && size + LeasedTask.HEADER + tasks.get(to).payload().length <= longest) {
                size += LeasedTask.HEADER + tasks.get(to).payload().length;
                to++;
            }
            if (size > longest) { // one payload within a few bytes of SQLite's limit (maxPayloadSize above it)
                LeasedTask task = tasks.get(from);
                SqliteDeadLetters.insert(connection, queue, task.payload(), "the payload has " + task.payload().length
                        + " bytes, too long to keep under a lease (SQLite stores at most " + longest + " bytes in a"
                        + " value); lower maxPayloadSize", task.deliveries() - 1, now);
                SqliteDeadLetters.trim(connection, settings, queue, 1);
            } else {
                writeBatch(connection, queue, tasks.subList(from, to), leaseUntil, deliveries);
            }
            from = to;
        }
        return deliveries;
    }

    /** Writes one lease record (state and tasks) for {@code tasks} and adds their deliveries. */
    private static void writeBatch(PooledConnection connection, String queue, List<LeasedTask> tasks, double leaseUntil,
                                   List<Delivery> deliveries) throws SQLException {
        long popNumber = POP_NUMBERS.nextLong() & Long.MAX_VALUE;
        long id;
        try (ResultSet inserted = connection.prepare(INSERT_BATCH, queue, leaseUntil, popNumber, tasks.size(),
                LeaseBatch.newSlots(tasks.size()), LeaseBatch.encodeDeadlines(leaseUntil)).executeQuery()) {
            inserted.next();
            id = inserted.getLong(1);
        }
        connection.prepare(INSERT_TASKS, id, LeasedTask.encode(tasks)).executeUpdate();
        String prefix = id + ":";
        for (int slot = 0; slot < tasks.size(); slot++) {
            LeasedTask task = tasks.get(slot);
            deliveries.add(new Delivery(task.payload(),
                    new Receipt(prefix + slot, Long.toHexString(popNumber ^ slot), task.deliveries())));
        }
    }

    /**
     * Applies {@code action} to each receipt's task if the receipt still holds it; returns, per receipt in
     * order, whether it did (a receipt listed twice settles once). {@code leaseUntil} is the new deadline of
     * an extension; {@code reason} the dead-letter reason.
     */
    static boolean[] settle(PooledConnection connection, LocalSettings settings, String queue, List<Receipt> receipts,
                            Action action, double leaseUntil, String reason, double now) throws SQLException {
        boolean[] settled = new boolean[receipts.size()];
        Map<Long, LeaseBatch> batches = new HashMap<>();
        Map<Long, List<LeasedTask>> tasks = new HashMap<>();
        int[] deadLettered = new int[1];
        boolean loaded = false;
        long lastId = 0;
        LeaseBatch last = null;
        for (int i = 0; i < receipts.size(); i++) {
            SlotKey key = SlotKey.of(receipts.get(i));
            if (key == null) {
                continue;
            }
            LeaseBatch batch;
            if (loaded && key.batch() == lastId) { // the receipts of one batch usually come together
                batch = last;
            } else {
                batch = batches.containsKey(key.batch()) ? batches.get(key.batch())
                        : load(connection, queue, key.batch(), batches, now, deadLettered);
                loaded = true;
                lastId = key.batch();
                last = batch;
            }
            if (batch == null || !batch.holds(key.slot(), key.popNumber())) {
                continue;
            }
            settled[i] = true;
            if (action == Action.ACK) {
                batch.settle(key.slot());
                continue;
            }
            if (action == Action.EXTEND) {
                batch.extend(key.slot(), leaseUntil);
                continue;
            }
            List<LeasedTask> batchTasks = tasks.get(batch.id());
            if (batchTasks == null) {
                try {
                    batchTasks = readTasks(connection, batch);
                } catch (LeaseBatch.Damaged e) {
                    // Its still-leased slots (this one among them) go to the dead letters: this receipt and the
                    // batch's next ones are refused, as for a lease lost. Every receipt of the batch comes after
                    // this one in this call's work (one action per call, and this is its first task read).
                    deadLettered[0] += quarantine(connection, queue, batch.id(), batch.slots(), e.problem(), now);
                    batches.put(batch.id(), null);
                    last = null;
                    settled[i] = false;
                    continue;
                }
                tasks.put(batch.id(), batchTasks);
            }
            LeasedTask task = batchTasks.get(key.slot());
            switch (action) {
                case RELEASE -> putBack(connection, queue, task, SqliteQueue.HIGH, task.deliveries());
                case HAND_BACK -> putBack(connection, queue, task, SqliteQueue.HIGH, Math.max(task.deliveries() - 1, 0));
                default -> {
                    SqliteDeadLetters.insert(connection, queue, task.payload(), reason, task.deliveries(), now);
                    deadLettered[0]++;
                }
            }
            batch.settle(key.slot());
        }
        for (LeaseBatch batch : batches.values()) {
            if (batch != null) {
                batch.save(connection);
            }
        }
        SqliteDeadLetters.trim(connection, settings, queue, deadLettered[0]);
        return settled;
    }

    /**
     * The batch of a receipt, or null when it is gone (or of another queue); a damaged one is quarantined
     * (its dead letters counted in {@code deadLettered[0]}) and is gone from then on.
     */
    private static LeaseBatch load(PooledConnection connection, String queue, long id, Map<Long, LeaseBatch> batches,
                                   double now, int[] deadLettered) throws SQLException {
        LeaseBatch batch = null;
        LeaseBatch.Damaged damaged = null;
        byte[] slots = null;
        try (ResultSet row = connection.prepare(SELECT_ONE, id, queue).executeQuery()) {
            if (row.next()) {
                try {
                    batch = LeaseBatch.read(row);
                } catch (LeaseBatch.Damaged e) {
                    damaged = e;
                    slots = row.getBytes(3);
                }
            }
        }
        if (damaged != null) {
            deadLettered[0] += quarantine(connection, queue, id, slots, damaged.problem(), now);
        }
        batches.put(id, batch);
        return batch;
    }

    /** The batch's tasks, one per slot; {@link LeaseBatch.Damaged} if its tasks row is missing or unreadable. */
    private static List<LeasedTask> readTasks(PooledConnection connection, LeaseBatch batch) throws SQLException {
        try (ResultSet row = connection.prepare(TASKS, batch.id()).executeQuery()) {
            if (!row.next()) {
                throw LeaseBatch.damaged(batch.id(), "it has no row in sergeant_lease_tasks");
            }
            byte[] blob = row.getBytes(1);
            List<LeasedTask> tasks;
            try {
                tasks = LeasedTask.decode(blob == null ? new byte[0] : blob);
            } catch (RuntimeException e) { // cut short, negative or overlong lengths
                throw LeaseBatch.damaged(batch.id(), "its tasks record (" + (blob == null ? 0 : blob.length)
                        + " bytes) cannot be read (" + e + ")");
            }
            if (tasks.size() != batch.size()) {
                throw LeaseBatch.damaged(batch.id(), "its tasks record holds " + tasks.size() + " tasks, its state "
                        + batch.size() + " slots");
            }
            return tasks;
        }
    }

    /** Whether a batch of the queue has a slot whose deadline passed by {@code now} (a read). */
    static boolean anyExpired(PooledConnection connection, String queue, double now) throws SQLException {
        try (ResultSet result = connection.prepare(ANY_EXPIRED, queue, now).executeQuery()) {
            return result.next();
        }
    }

    /**
     * Puts the queue's expired leased tasks back into {@code task_queue} at the priority (and, when free,
     * the rowid) they had, delivery count kept; with {@code maxDeliveries > 0}, a task whose count reached
     * it goes to the dead letters instead. Returns {redelivered, dead-lettered}.
     */
    static int[] restoreExpired(PooledConnection connection, LocalSettings settings, String queue, double now,
                                int maxDeliveries) throws SQLException {
        if (!anyExpired(connection, queue, now)) {
            return new int[2];
        }
        List<LeaseBatch> expired = new ArrayList<>();
        List<DamagedState> damaged = new ArrayList<>(0);
        try (ResultSet rows = connection.prepare(SELECT_EXPIRED, queue, now).executeQuery()) {
            while (rows.next()) {
                try {
                    expired.add(LeaseBatch.read(rows));
                } catch (LeaseBatch.Damaged e) {
                    damaged.add(new DamagedState(e, rows.getBytes(3)));
                }
            }
        }
        int redelivered = 0;
        int deadLettered = 0;
        for (DamagedState batch : damaged) {
            deadLettered += quarantine(connection, queue, batch.error().batch(), batch.slots(), batch.error().problem(), now);
        }
        for (LeaseBatch batch : expired) {
            List<LeasedTask> tasks;
            try {
                tasks = readTasks(connection, batch);
            } catch (LeaseBatch.Damaged e) {
                deadLettered += quarantine(connection, queue, batch.id(), batch.slots(), e.problem(), now);
                continue;
            }
            for (int slot = 0; slot < batch.size(); slot++) {
                if (!batch.leased(slot) || batch.deadline(slot) > now) {
                    continue;
                }
                LeasedTask task = tasks.get(slot);
                if (maxDeliveries > 0 && task.deliveries() >= maxDeliveries) {
                    SqliteDeadLetters.insert(connection, queue, task.payload(), "lease expired after " + task.deliveries()
                            + " deliveries (maxDeliveries " + maxDeliveries + ")", task.deliveries(), now);
                    deadLettered++;
                } else {
                    putBack(connection, queue, task, task.priority(), task.deliveries());
                    redelivered++;
                }
                batch.settle(slot);
            }
            batch.save(connection);
        }
        SqliteDeadLetters.trim(connection, settings, queue, deadLettered);
        return new int[] {redelivered, deadLettered};
    }

    /**
     * Takes a damaged batch (its state or tasks row cannot be read: changed outside Sergeant) out of the queue
     * so that it blocks nothing, and loses nothing silently: each task of its tasks record that its state
     * still leases (every task, when the state is unreadable or of another size) goes to the dead letters with
     * a reason naming the batch and the damage; a tasks record that cannot be decoded goes there whole, as
     * one dead letter of its raw bytes; a missing one leaves an empty dead letter that says so. Then both
     * rows are deleted and an error is logged. Returns the dead letters added (the caller trims).
     *
     * @param slots the state byte per slot as stored (0 = settled), or null when unknown
     */
    static int quarantine(PooledConnection connection, String queue, long id, byte[] slots, String problem, double now)
            throws SQLException {
        byte[] blob = null;
        try (ResultSet row = connection.prepare(TASKS, id).executeQuery()) {
            if (row.next()) {
                blob = row.getBytes(1);
            }
        }
        String damage = "lease batch " + id + " was damaged outside Sergeant (" + problem + ")";
        List<LeasedTask> tasks = null;
        if (blob != null) {
            try {
                tasks = LeasedTask.decode(blob);
            } catch (RuntimeException e) { // already named in problem when readTasks failed on it
                tasks = null;
            }
        }
        int dead = 0;
        String kept;
        if (blob == null) {
            SqliteDeadLetters.insert(connection, queue, new byte[0], damage + "; it has no tasks record, so the tasks"
                    + " it leased are lost: this empty dead letter only records that", 0, now);
            dead = 1;
            kept = "it had no tasks record, so its leased tasks are lost (one empty dead letter records it)";
        } else if (tasks == null) {
            SqliteDeadLetters.insert(connection, queue, blob, damage + "; this is its whole tasks record ("
                    + blob.length + " bytes), not a task: a count, then per task its rowid, priority, deliveries and"
                    + " length, then the payloads; do not requeue it as it is", 0, now);
            dead = 1;
            kept = "its tasks record cannot be decoded, so its " + blob.length + " raw bytes became one dead letter";
        } else {
            boolean known = slots != null && slots.length == tasks.size();
            for (int slot = 0; slot < tasks.size(); slot++) {
                if (known && slots[slot] == 0) {
                    continue; // settled before the damage
                }
                LeasedTask task = tasks.get(slot);
                SqliteDeadLetters.insert(connection, queue, task.payload(), damage + "; task " + slot + " of the batch, "
                        + (known ? "still leased" : "lease state unknown (it may have run and been acknowledged)")
                        + ", after " + task.deliveries() + " deliveries", task.deliveries(), now);
                dead++;
            }
            kept = dead + " of its " + tasks.size() + " tasks became dead letters"
                    + (known ? " (those still leased)" : " (its state cannot say which were settled, so all)");
        }
        connection.prepare(DELETE_BATCH, id).executeUpdate();
        connection.prepare(DELETE_TASKS, id).executeUpdate();
        LOG.log(System.Logger.Level.ERROR, "queue '" + queue + "': " + damage + ": " + kept + ", and the batch was"
                + " deleted so that the queue's pops go on. Find what writes to the file besides Sergeant, then see"
                + " `sergeant dead-letters " + queue + "` (reasons starting 'lease batch " + id + "') and requeue what"
                + " should run");
        return dead;
    }

    /** Leased slots of a state row that cannot be read: its non-zero state bytes, else its stored count. */
    private static int leasedSlots(byte[] slots, int pendingColumn) {
        if (slots == null) {
            return Math.max(pendingColumn, 0);
        }
        int leased = 0;
        for (byte state : slots) {
            if (state != 0) {
                leased++;
            }
        }
        return leased;
    }

    /**
     * {expired (ready again, not yet put back), in flight} leased tasks of the queue: the batches whose
     * earliest deadline is ahead are counted in SQL; only batches with an expired slot are read.
     */
    static long[] counts(PooledConnection connection, String queue, double now) throws SQLException {
        long inFlight;
        try (ResultSet result = connection.prepare(IN_FLIGHT_UNEXPIRED, queue, now).executeQuery()) {
            result.next();
            inFlight = result.getLong(1);
        }
        long expired = 0;
        try (ResultSet rows = connection.prepare(SELECT_EXPIRED, queue, now).executeQuery()) {
            while (rows.next()) {
                LeaseBatch batch;
                try {
                    batch = LeaseBatch.read(rows);
                } catch (LeaseBatch.Damaged e) {
                    // Read only, so it stays until the queue's next pop or reap quarantines it: its tasks are
                    // counted in flight (held by a lease record, not deliverable), as before it expired.
                    inFlight += leasedSlots(rows.getBytes(3), rows.getInt(5));
                    continue;
                }
                for (int slot = 0; slot < batch.size(); slot++) {
                    if (batch.leased(slot)) {
                        if (batch.deadline(slot) <= now) {
                            expired++;
                        } else {
                            inFlight++;
                        }
                    }
                }
            }
        }
        return new long[] {expired, inFlight};
    }

    private static void putBack(PooledConnection connection, String queue, LeasedTask task, double priority,
                                int deliveries) throws SQLException {
        connection.prepare(PUT_BACK, task.rowid(), queue, priority, task.payload(), deliveries).executeUpdate();
    }

    /** An expired batch whose state row cannot be read, with its state bytes as stored (null if none). */
    private record DamagedState(LeaseBatch.Damaged error, byte[] slots) {
    }

    /** A receipt of a batch: batch id, slot, and the pop number its token gives (token XOR slot). */
    private record SlotKey(long batch, int slot, long popNumber) {
        static SlotKey of(Receipt receipt) {
            String id = receipt.id();
            int colon = id.indexOf(':');
            if (colon <= 0) {
                return null;
            }
            try {
                int slot = Integer.parseInt(id, colon + 1, id.length(), 10);
                return new SlotKey(Long.parseLong(id, 0, colon, 10), slot,
                        Long.parseUnsignedLong(receipt.token(), 16) ^ slot);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** One leased task as the tasks row keeps it: its rowid and priority in {@code task_queue}, deliveries so far. */
    record LeasedTask(long rowid, double priority, int deliveries, byte[] payload) {

        static final int HEADER = Long.BYTES + Double.BYTES + Integer.BYTES + Integer.BYTES;

        /** {@code [n] n × [rowid, priority, deliveries, length]}, then the payloads. */
        static byte[] encode(List<LeasedTask> tasks) {
            int size = Integer.BYTES + tasks.size() * HEADER;
            for (LeasedTask task : tasks) {
                size += task.payload().length;
            }
            ByteBuffer buffer = ByteBuffer.allocate(size);
            buffer.putInt(tasks.size());
            for (LeasedTask task : tasks) {
                buffer.putLong(task.rowid()).putDouble(task.priority()).putInt(task.deliveries())
                        .putInt(task.payload().length);
            }
            for (LeasedTask task : tasks) {
                buffer.put(task.payload());
            }
            return buffer.array();
        }

        static List<LeasedTask> decode(byte[] blob) {
            ByteBuffer buffer = ByteBuffer.wrap(blob);
            int count = buffer.getInt();
            if (count < 0 || (long) count * HEADER > buffer.remaining()) {
                throw new IllegalArgumentException("it says " + count + " tasks");
            }
            long[] rowids = new long[count];
            double[] priorities = new double[count];
            int[] deliveries = new int[count];
            int[] lengths = new int[count];
            for (int i = 0; i < count; i++) {
                rowids[i] = buffer.getLong();
                priorities[i] = buffer.getDouble();
                deliveries[i] = buffer.getInt();
                lengths[i] = buffer.getInt();
            }
            long payloads = 0;
            for (int length : lengths) {
                payloads += length;
                if (length < 0 || payloads > buffer.remaining()) { // checked before allocating
                    throw new IllegalArgumentException("its payload lengths exceed the record");
                }
            }
            List<LeasedTask> tasks = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] payload = new byte[lengths[i]];
                buffer.get(payload);
                tasks.add(new LeasedTask(rowids[i], priorities[i], deliveries[i], payload));
            }
            return tasks;
        }
    }
}
