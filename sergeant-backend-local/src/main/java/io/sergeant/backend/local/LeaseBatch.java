package io.sergeant.backend.local;

import java.nio.ByteBuffer;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The state of one leased batch, a row of {@code sergeant_lease_batches} (see the package documentation):
 * per slot (task) a byte, 0 once settled (acked, released, handed back, dead-lettered, put back), else
 * 1 + the index of its deadline in a short list of deadlines (a pop has one; an extension of some of the
 * slots adds one). Read, changed and written back inside one transaction; not thread safe.
 */
final class LeaseBatch {

    /** Distinct deadlines a batch keeps at most (a slot's state is one byte). */
    private static final int MAX_DEADLINES = 255;

    static final String SELECT_COLUMNS = "id, token, slots, deadlines, pending, deadline";
    private static final String UPDATE =
            "UPDATE sergeant_lease_batches SET slots = ?, deadlines = ?, pending = ? WHERE id = ?";
    private static final String UPDATE_WITH_DEADLINE =
            "UPDATE sergeant_lease_batches SET slots = ?, deadlines = ?, pending = ?, deadline = ? WHERE id = ?";
    private static final String DELETE = "DELETE FROM sergeant_lease_batches WHERE id = ?";
    private static final String DELETE_TASKS = "DELETE FROM sergeant_lease_tasks WHERE batch_id = ?";

    private final long id;
    private final long token;
    private final byte[] slots;
    private double[] deadlines;
    private int pending;
    private final double earliestBefore;
    private boolean changed;

    private LeaseBatch(long id, long token, byte[] slots, double[] deadlines, int pendingColumn, double deadlineColumn) {
        this.id = id;
        this.token = token;
        this.slots = slots;
        this.deadlines = deadlines;
        int leased = 0;
        for (byte state : slots) {
            if (state != 0) {
                leased++;
            }
        }
        this.pending = leased;
        // The stored count and earliest deadline follow from the slots; one edited by hand is written back right
        // by the next save (a count too low deleted the record, and its leased tasks, too early; a deadline
        // in the past woke idle workers over and over and had pops and reaps read the batch in vain).
        this.earliestBefore = deadlineColumn;
        this.changed = leased != pendingColumn || earliest() != deadlineColumn;
    }

    /**
     * Reads a batch from a result row of {@link #SELECT_COLUMNS}.
     *
     * @throws Damaged naming the batch if the row is damaged (a slot names a deadline the row does not have,
     *                  the deadline list is not a whole number of doubles, or a deadline is not finite)
     * @throws SQLException if a column cannot be read at all
     */
    static LeaseBatch read(ResultSet row) throws SQLException {
        long id = row.getLong(1);
        byte[] slots = row.getBytes(3);
        byte[] deadlineBytes = row.getBytes(4);
        if (slots == null || deadlineBytes == null || deadlineBytes.length % Double.BYTES != 0
                || deadlineBytes.length > MAX_DEADLINES * Double.BYTES) {
            throw damaged(id, "its deadlines are " + (deadlineBytes == null ? "missing" : deadlineBytes.length + " bytes")
                    + (slots == null ? " and its slots missing" : "") + ", not a list of at most " + MAX_DEADLINES
                    + " doubles");
        }
        double[] deadlines = decodeDeadlines(deadlineBytes);
        for (int i = 0; i < deadlines.length; i++) {
            if (!Double.isFinite(deadlines[i])) { // NaN cannot be stored as the deadline; infinity never expires
                throw damaged(id, "deadline " + (i + 1) + " is " + deadlines[i]);
            }
        }
        for (int slot = 0; slot < slots.length; slot++) {
            int index = slots[slot] & 0xff;
            if (index > deadlines.length) {
                throw damaged(id, "slot " + slot + " names deadline " + index + " of " + deadlines.length);
            }
        }
        return new LeaseBatch(id, row.getLong(2), slots, deadlines, row.getInt(5), row.getDouble(6));
    }

    /** The error for a lease row changed outside Sergeant: which one and what is wrong. */
    static Damaged damaged(long id, String problem) {
        return new Damaged(id, problem);
    }

    /**
     * A lease batch whose state or tasks row cannot be read (changed outside Sergeant). The backend does not
     * let it out of the transaction: {@link BatchLeases#quarantine} moves what can be read of it to the dead
     * letters and deletes it, so that one damaged row never blocks the queue's pops, settles or counts.
     */
    static final class Damaged extends SQLException {
        private static final long serialVersionUID = 1L;
        private final long batch;
        private final String problem;

        Damaged(long batch, String problem) {
            super("lease batch " + batch + " in sergeant_lease_batches / sergeant_lease_tasks is damaged: " + problem
                    + "; the file was changed outside Sergeant");
            this.batch = batch;
            this.problem = problem;
        }

        long batch() {
            return batch;
        }

        /** What is wrong with the rows, without the batch id. */
        String problem() {
            return problem;
        }
    }

    /** The state blob of a new batch of {@code size} slots, all pending under the first deadline. */
    static byte[] newSlots(int size) {
        byte[] slots = new byte[size];
        Arrays.fill(slots, (byte) 1);
        return slots;
    }

    static byte[] encodeDeadlines(double... deadlines) {
        ByteBuffer buffer = ByteBuffer.allocate(deadlines.length * Double.BYTES);
        for (double deadline : deadlines) {
            buffer.putDouble(deadline);
        }
        return buffer.array();
    }

    private static double[] decodeDeadlines(byte[] blob) {
        ByteBuffer buffer = ByteBuffer.wrap(blob);
        double[] deadlines = new double[blob.length / Double.BYTES];
        for (int i = 0; i < deadlines.length; i++) {
            deadlines[i] = buffer.getDouble();
        }
        return deadlines;
    }

    long id() {
        return id;
    }

    /** The state byte of each slot (0 = settled), as read and changed since; the caller does not change it. */
    byte[] slots() {
        return slots;
    }

    /** Whether a receipt's slot and pop number name a slot of this batch that is still leased. */
    boolean holds(int slot, long popNumber) {
        return popNumber == token && slot >= 0 && slot < slots.length && slots[slot] != 0;
    }

    /** The slot's deadline; the slot must be leased. */
    double deadline(int slot) {
        return deadlines[(slots[slot] & 0xff) - 1];
    }

    int size() {
        return slots.length;
    }

    boolean leased(int slot) {
        return slots[slot] != 0;
    }

    /** The slot is settled: it no longer belongs to the batch. */
    void settle(int slot) {
        if (slots[slot] != 0) {
            slots[slot] = 0;
            pending--;
            changed = true;
        }
    }

    /** The slot stays leased until {@code until}. */
    void extend(int slot, double until) {
        int index = indexOf(until);
        if (index < 0) {
            dropUnusedDeadlines();
            index = indexOf(until);
        }
        if (index < 0 && deadlines.length < MAX_DEADLINES) {
            deadlines = Arrays.copyOf(deadlines, deadlines.length + 1);
            deadlines[deadlines.length - 1] = until;
            index = deadlines.length - 1;
        }
        if (index < 0) {
            // 255 distinct deadlines still in use (255 extensions of different parts of one batch): the slot
            // joins the latest deadline at or after the one asked for, or the latest one moves to it. Either
            // keeps every slot leased at least as long as asked: at worst a lease lasts longer.
            index = latestAtOrAfter(until);
        }
        slots[slot] = (byte) (index + 1);
        changed = true;
    }

    /** How many slots are still leased. */
    int pending() {
        return pending;
    }

    /** The earliest deadline of a leased slot (+infinity when none is left). */
    double earliest() {
        boolean[] used = usedDeadlines();
        double earliest = Double.POSITIVE_INFINITY;
        for (int i = 0; i < deadlines.length; i++) {
            if (used[i]) {
                earliest = Math.min(earliest, deadlines[i]);
            }
        }
        return earliest;
    }

    /**
     * Writes the batch back if it changed: deleted with its tasks when no slot is left leased, else its
     * state (and its earliest deadline, the indexed column, only when that moved).
     */
    void save(PooledConnection connection) throws SQLException {
        if (!changed) {
            return;
        }
        changed = false;
        if (pending == 0) {
            connection.prepare(DELETE, id).executeUpdate();
            connection.prepare(DELETE_TASKS, id).executeUpdate();
            return;
        }
        dropUnusedDeadlines();
        double earliest = earliest();
        byte[] encoded = encodeDeadlines(deadlines);
        if (earliest == earliestBefore) {
            connection.prepare(UPDATE, slots, encoded, pending, id).executeUpdate();
        } else {
            connection.prepare(UPDATE_WITH_DEADLINE, slots, encoded, pending, earliest, id).executeUpdate();
        }
    }

    private int indexOf(double until) {
        for (int i = 0; i < deadlines.length; i++) {
            if (deadlines[i] == until) {
                return i;
            }
        }
        return -1;
    }

    private int latestAtOrAfter(double until) {
        int best = -1;
        int latest = 0;
        for (int i = 0; i < deadlines.length; i++) {
            if (deadlines[i] >= until && (best < 0 || deadlines[i] < deadlines[best])) {
                best = i;
            }
            if (deadlines[i] > deadlines[latest]) {
                latest = i;
            }
        }
        if (best >= 0) {
            return best;
        }
        deadlines[latest] = until;
        return latest;
    }

    private boolean[] usedDeadlines() {
        boolean[] used = new boolean[deadlines.length];
        for (byte state : slots) {
            if (state != 0) {
                used[(state & 0xff) - 1] = true;
            }
        }
        return used;
    }

    /** Renumbers the deadlines no leased slot uses away. */
    private void dropUnusedDeadlines() {
        boolean[] used = usedDeadlines();
        int[] renumbered = new int[deadlines.length];
        List<Double> kept = new ArrayList<>();
        for (int i = 0; i < deadlines.length; i++) {
            if (used[i]) {
                renumbered[i] = kept.size();
                kept.add(deadlines[i]);
            }
        }
        if (kept.size() == deadlines.length) {
            return;
        }
        for (int s = 0; s < slots.length; s++) {
            if (slots[s] != 0) {
                slots[s] = (byte) (renumbered[(slots[s] & 0xff) - 1] + 1);
            }
        }
        deadlines = kept.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
