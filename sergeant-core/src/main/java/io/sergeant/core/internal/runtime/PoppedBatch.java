package io.sergeant.core.internal.runtime;

import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.Receipt;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * One popped batch as the worker holds it: its deliveries in pop order and, when they are leased, where
 * each lease stands. The worker settles, hands back and extends a batch's leases by position in the batch,
 * so a task costs a few array writes rather than entries in shared per-receipt maps (docs/decisions.md,
 * "Per-batch lease tracking").
 *
 * <p>A leased position is <em>held</em> (running or waiting; its lease is extended), then <em>settled</em>
 * (its outcome handler ran; still extended until its ack is taken), then <em>gone</em> (taken for an ack,
 * released, handed back or dead-lettered; no longer extended). Positions only move forward, and each
 * move has one owner: an executor thread settles the task it ran, the loop thread takes settled positions
 * for acks and hands back or dead-letters positions that never reached the executor. The payloads of one
 * batch are decoded one at a time ({@link #decoding}). Thread safe under that ownership.
 */
final class PoppedBatch {

    private static final int HELD = 0;
    private static final int SETTLED = 1;
    private static final int GONE = 2;

    private static final VarHandle DECODING;
    private static final VarHandle DECODE_DEADLINE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            DECODING = lookup.findVarHandle(PoppedBatch.class, "decodingPosition", int.class);
            DECODE_DEADLINE = lookup.findVarHandle(PoppedBatch.class, "decodeDeadline", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final List<Delivery> deliveries;
    /** One state per position when leased ({@code HELD}, {@code SETTLED}, {@code GONE}); null otherwise. */
    private final AtomicIntegerArray states;
    /** Leased positions not gone yet. */
    private final AtomicInteger open;
    /** Positions whose extension was refused (the lease was lost): never extended again. Keeper thread only. */
    private final boolean[] leaseLost;
    /** Loop thread only: every position before it is gone, so taking settled positions starts there. */
    private int firstOpen;
    /** The position being decoded, or -1 (release/acquire through {@link #DECODING}). */
    @SuppressWarnings("unused")
    private int decodingPosition = -1;
    /** Its decode deadline ({@link System#nanoTime()}), written before the position. */
    @SuppressWarnings("unused")
    private long decodeDeadline;

    /** A popped batch; its positions are leased when its deliveries are (at-least-once). */
    PoppedBatch(List<Delivery> deliveries) {
        Objects.requireNonNull(deliveries, "deliveries is null");
        this.deliveries = deliveries instanceof RandomAccess ? deliveries : new ArrayList<>(deliveries);
        boolean leased = !deliveries.isEmpty() && deliveries.get(0).leased();
        this.states = leased ? new AtomicIntegerArray(deliveries.size()) : null;
        this.open = new AtomicInteger(leased ? deliveries.size() : 0);
        this.leaseLost = leased ? new boolean[deliveries.size()] : null;
    }

    /** Whether the batch's deliveries are leased (at-least-once). */
    boolean leased() {
        return states != null;
    }

    int size() {
        return deliveries.size();
    }

    List<Delivery> deliveries() {
        return deliveries;
    }

    Delivery delivery(int position) {
        return deliveries.get(position);
    }

    /** Leased positions not gone yet; 0 once every lease was settled and taken, handed back or dead-lettered. */
    int open() {
        return open.get();
    }

    /**
     * The task at {@code position} ran and its outcome was handled: its receipt waits for the next ack. The
     * write is volatile, so a loop thread that clears a pending flag and then scans sees it.
     */
    void settle(int position) {
        if (states.get(position) != HELD) {
            throw new IllegalStateException("position " + position + " of a popped batch settled twice or after it was given up");
        }
        states.set(position, SETTLED);
    }

    /**
     * Adds the receipt of every settled position to {@code receipts}, in position order, and marks them gone
     * (their acks are on their way; they are no longer extended). Loop thread only. Returns whether the batch
     * has no open position left.
     */
    boolean takeSettled(List<Receipt> receipts) {
        int size = deliveries.size();
        int first = firstOpen;
        while (first < size && states.get(first) == GONE) {
            first++;
        }
        int taken = 0;
        for (int position = first; position < size; position++) {
            if (states.get(position) == SETTLED) {
                states.setRelease(position, GONE);
                receipts.add(deliveries.get(position).receipt());
                taken++;
            }
        }
        while (first < size && states.get(first) == GONE) {
            first++;
        }
        firstOpen = first;
        return taken > 0 && open.addAndGet(-taken) == 0;
    }

    /**
     * The held (never settled) position is given up: released, handed back or dead-lettered, so no longer
     * extended. Returns whether the batch has no open position left.
     */
    boolean giveUp(int position) {
        if (states.get(position) != HELD) {
            throw new IllegalStateException("position " + position + " of a popped batch given up after it was settled or given up");
        }
        states.set(position, GONE);
        return open.decrementAndGet() == 0;
    }

    /** Whether the position was taken for an ack, handed back or dead-lettered. */
    boolean gone(int position) {
        return states.get(position) == GONE;
    }

    /** The payload at {@code position} is being decoded until {@code deadlineNanos} ({@link System#nanoTime()}). */
    void decoding(int position, long deadlineNanos) {
        // Deadline first: a reader that sees the position reads this deadline or a later one.
        DECODE_DEADLINE.setRelease(this, deadlineNanos);
        DECODING.setRelease(this, position);
    }

    /** No payload of the batch is being decoded. */
    void decoded() {
        DECODING.setRelease(this, -1);
    }

    /** The extension of the position's lease was refused: it is not extended again. Keeper thread only. */
    void leaseLost(int position) {
        leaseLost[position] = true;
    }

    /**
     * Adds the receipt of every position whose lease should be extended at {@code nowNanos} to
     * {@code receipts} and its position to {@code positions}: held or settled, its lease not lost, and
     * not decoding past its deadline. Keeper thread only.
     */
    void extendable(long nowNanos, List<Receipt> receipts, List<Integer> positions) {
        int decodingNow = (int) DECODING.getAcquire(this);
        long deadline = (long) DECODE_DEADLINE.getAcquire(this);
        boolean overdue = decodingNow >= 0 && nowNanos - deadline > 0;
        for (int position = 0; position < deliveries.size(); position++) {
            if (states.get(position) == GONE || leaseLost[position] || (overdue && position == decodingNow)) {
                continue;
            }
            receipts.add(deliveries.get(position).receipt());
            positions.add(position);
        }
    }
}
