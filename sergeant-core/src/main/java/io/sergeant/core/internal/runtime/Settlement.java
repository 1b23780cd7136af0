package io.sergeant.core.internal.runtime;

import io.sergeant.api.Priority;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.PartialSettleException;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import io.sergeant.spi.backend.SettledPop;
import io.sergeant.core.internal.observe.ListenerChain;
import org.slf4j.Logger;

import java.time.Duration;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The backend side of the tasks a worker holds, addressed by position in their {@link PoppedBatch}: acks
 * of settled tasks (marked by executor threads, taken from the held batches in pop order and sent in one
 * call), hand-backs of tasks that never started and dead-lettering of payloads that cannot be decoded. In
 * at-most-once mode ({@code keeper} null) nothing is acked and a hand-back re-pushes the payloads HIGH,
 * unchanged. A backend failure is logged, never thrown: an unacked lease expires and the task comes back.
 * {@link #settled}, {@link #lost}, {@link #hold} and {@link #handBack} (of positions the caller owns) are thread safe;
 * acks ({@link #flushAcks}, {@link #ackAndPop}) are taken by one thread at a time (the loop thread, or the
 * pop-ahead thread while its call is in flight); the rest runs on the loop thread.
 */
final class Settlement {

    private static final Logger log = LoggerFactory.getLogger(Settlement.class);

    private final Backend backend;
    private final String queue;
    private final LeaseKeeper keeper;
    private final RunState state;
    /**
     * Set by an executor thread after it settled a position, cleared by the loop thread before it takes
     * the settled positions of the held batches: while it is false, there is nothing to ack.
     */
    private volatile boolean settledPending;
    /** Receipts whose ack failed, acked again with the next call; loop thread only. */
    private final List<Receipt> retryAcks = new ArrayList<>();
    /** Leased positions whose process died running them ({@code Outcome.LOST}): handed back, counted. */
    private final ConcurrentLinkedQueue<Position> lostPositions = new ConcurrentLinkedQueue<>();
    /** The size of the largest ack so far, to size the next one's list; loop thread only. */
    private int ackCapacity = 16;
    /** Failed ack flushes in a row; loop thread only. */
    private int ackFailures;
    /** When the last ack call succeeded ({@link System#nanoTime()}); loop thread only. */
    private long lastAckNanos = System.nanoTime();
    private final ListenerChain listeners;

    Settlement(Backend backend, String queue, LeaseKeeper keeper, RunState state, ListenerChain listeners) {
        this.listeners = Objects.requireNonNull(listeners, "listeners is null");
        this.backend = Objects.requireNonNull(backend, "backend is null");
        this.queue = Objects.requireNonNull(queue, "queue is null");
        this.keeper = keeper;
        this.state = Objects.requireNonNull(state, "state is null");
    }

    /**
     * Watches the decoding of {@code batch}'s positions from {@code offset} on (the decoder's index 0 is
     * position {@code offset}): a payload decoding past its deadline has its lease no longer extended.
     */
    BatchDecoder.Watch decodeWatch(PoppedBatch batch, int offset) {
        if (keeper == null || !batch.leased()) {
            return BatchDecoder.Watch.NONE;
        }
        return new BatchDecoder.Watch() {
            @Override
            public void started(int index, long deadlineNanos) {
                batch.decoding(offset + index, deadlineNanos);
            }

            @Override
            public void finished(int index) {
                batch.decoded();
            }
        };
    }

    /**
     * A popped batch, held by the worker: in at-least-once mode its leases are kept extended from now on
     * (thread safe: the pop-ahead thread holds what it popped as soon as its call returns).
     */
    PoppedBatch hold(List<Delivery> deliveries) {
        PoppedBatch batch = new PoppedBatch(deliveries);
        if (keeper != null && batch.leased()) {
            keeper.hold(batch);
        }
        return batch;
    }

    /** The outcome handler of the task at {@code position} ran: its receipt is acked with the next call (thread safe). */
    void settled(PoppedBatch batch, int position) {
        if (batch.leased()) {
            batch.settle(position);
            if (!settledPending) {
                settledPending = true;
            }
        }
    }

    /**
     * A leased task's process died running it: it is handed back with the next {@link #flushAcks()},
     * keeping its delivery count (thread safe).
     */
    void lost(PoppedBatch batch, int position) {
        if (batch.leased()) {
            lostPositions.add(new Position(batch, position));
        }
    }

    private boolean acksPending() {
        return settledPending || !retryAcks.isEmpty();
    }

    /**
     * Hands back the lost deliveries (release keeps the delivery count, so a lost delivery counts toward
     * {@code maxDeliveries}), then acks every settled task in one call; on failure they stay held and the
     * next flush retries.
     */
    void flushAcks() {
        flushLost();
        if (keeper == null || !acksPending()) {
            return;
        }
        List<Receipt> receipts = takeSettled();
        long ackStart = System.nanoTime();
        try {
            SettleResult result = keeper.leases().ack(queue, receipts);
            acked(receipts, result, ackStart);
        } catch (RuntimeException e) {
            ackFailed(receipts, ackStart, e);
        }
    }

    /**
     * As {@link #flushAcks()}, but only when the last ack went out more than {@code maxAgeNanos} ago: the
     * loop thread, about to wait for its executor, leaves fresh acks to ride with the next pop.
     */
    void flushAcksOlderThan(long maxAgeNanos) {
        flushLost();
        if (keeper != null && acksPending() && System.nanoTime() - lastAckNanos > maxAgeNanos) {
            flushAcks();
        }
    }

    /**
     * At-least-once settle-and-pop: hands back lost deliveries, then acks every settled task and leases
     * the next {@code max} deliveries in one call ({@link io.sergeant.spi.backend.BackendLeases#ackAndPop}).
     * On failure the receipts stay held (acked by a later call) and the exception is thrown, as a
     * failed pop's would be; when only some nodes failed, the others' deliveries are returned and only
     * the failed nodes' receipts stay held.
     */
    List<Delivery> ackAndPop(int max, DeliveryOptions options) {
        Objects.requireNonNull(keeper, "ackAndPop is for at-least-once delivery");
        flushLost();
        List<Receipt> receipts = acksPending() ? takeSettled() : List.of();
        long start = System.nanoTime();
        SettledPop result;
        try {
            result = keeper.leases().ackAndPop(backend, queue, receipts, max, options);
        } catch (RuntimeException e) {
            if (!receipts.isEmpty()) {
                ackFailed(receipts, start, e);
            }
            throw e;
        }
        if (result.ackFailure() != null) {
            // Some nodes settled and leased, one failed: deliver what they gave, keep its receipts for later.
            ackFailed(receipts, start, result.ackFailure());
        } else if (!receipts.isEmpty()) {
            acked(receipts, result.acked(), start);
        }
        return result.deliveries();
    }

    /**
     * Takes the receipts to ack: those of a failed ack, then the settled positions of the held batches in
     * pop order, which are no longer extended from now on (so an extension racing the ack is not mistaken
     * for a lost lease). A batch with no open position left is forgotten.
     */
    private List<Receipt> takeSettled() {
        List<Receipt> receipts = new ArrayList<>(ackCapacity);
        if (!retryAcks.isEmpty()) {
            receipts.addAll(retryAcks);
            keeper.ackTaken(retryAcks);
            retryAcks.clear();
        }
        settledPending = false;
        for (Iterator<PoppedBatch> batches = keeper.heldBatches().iterator(); batches.hasNext(); ) {
            if (batches.next().takeSettled(receipts)) {
                batches.remove();
            }
        }
        ackCapacity = Math.max(ackCapacity, receipts.size());
        return receipts;
    }

    private void acked(List<Receipt> receipts, SettleResult result, long ackStart) {
        lastAckNanos = System.nanoTime();
        listeners.acked(queue, receipts.size(), result.refused().size(), Duration.ofNanos(System.nanoTime() - ackStart), null);
        if (!result.refused().isEmpty()) {
            log.atWarn().addKeyValue("queue", queue).addKeyValue("refused", result.refused().size())
                    .log("acks refused: the leases had expired and the tasks were delivered again; raise delivery.lease");
        }
        ackFailures = 0;
    }

    private void ackFailed(List<Receipt> receipts, long ackStart, RuntimeException e) {
        // The leases stay held and extended; the next flush tries again (only what a failing node holds,
        // when the others settled).
        List<Receipt> again = e instanceof PartialSettleException partial ? partial.unsettled() : receipts;
        listeners.acked(queue, receipts.size(), 0, Duration.ofNanos(System.nanoTime() - ackStart), e);
        keeper.ackFailed(again);
        retryAcks.addAll(again);
        // Tried again before every pull: log once per doubling of the failures, not once per try.
        if (Integer.bitCount(++ackFailures) == 1) {
            log.atError().addKeyValue("queue", queue).log("could not ack {} tasks ({} tries in a row): {}",
                    again.size(), ackFailures, e.getMessage());
        }
    }

    /** Hands back the deliveries whose process died running them (release keeps their delivery count). */
    void flushLost() {
        if (keeper != null && !lostPositions.isEmpty()) {
            List<Receipt> lost = new ArrayList<>();
            for (Position position; (position = lostPositions.poll()) != null; ) {
                lost.add(position.batch().delivery(position.index()).receipt());
                giveUp(position.batch(), position.index());
            }
            try {
                keeper.leases().release(queue, lost);
                log.atWarn().addKeyValue("queue", queue).addKeyValue("tasks", lost.size())
                        .log("handed back tasks whose process died running them; each counts as one delivery");
            } catch (RuntimeException e) {
                // Their leases expire and the reaper brings them back, counted the same way.
                log.atError().addKeyValue("queue", queue)
                        .log("could not hand back {} lost tasks (their leases will expire): {}", lost.size(), e.getMessage());
            }
        }
    }

    /** Moves the undecodable payload at {@code position} to the dead letters with {@code reason}, logged once. */
    void deadLetter(PoppedBatch batch, int position, String reason) {
        log.atError().addKeyValue("queue", queue).log("moving a task to the dead letters: {}", LoggedTask.escape(reason));
        state.countDeadLettered();
        listeners.deadLettered(queue, reason);
        if (keeper != null && batch.leased()) {
            giveUp(batch, position);
        }
        try {
            if (backend.deadLetterRole().isEmpty()) {
                log.atError().addKeyValue("queue", queue).log("dropping the task: backend {} has no dead-letter role", backend);
                return;
            }
            backend.deadLetterRole().get().deadLetter(queue, batch.delivery(position), reason);
        } catch (RuntimeException e) {
            // Not settled: the lease expires and the reaper brings the task back.
            log.atError().addKeyValue("queue", queue).log("could not dead-letter a task: {}", e.getMessage());
        }
    }

    /**
     * Gives back the tasks at {@code positions} of {@code batch}, which never started: released
     * (at-least-once) or re-pushed HIGH unchanged (at-most-once). Thread safe for positions the caller owns.
     */
    void handBack(PoppedBatch batch, int[] positions) {
        if (positions.length == 0) {
            return;
        }
        try {
            if (keeper != null && batch.leased()) {
                List<Receipt> receipts = new ArrayList<>(positions.length);
                for (int position : positions) {
                    receipts.add(batch.delivery(position).receipt());
                    giveUp(batch, position);
                }
                // Not run: this delivery does not count toward maxDeliveries.
                keeper.leases().handBack(queue, receipts);
            } else {
                List<byte[]> payloads = new ArrayList<>(positions.length);
                for (int position : positions) {
                    payloads.add(batch.delivery(position).payload());
                }
                backend.push(queue, payloads, Priority.HIGH, null);
            }
            log.atInfo().addKeyValue("queue", queue).addKeyValue("tasks", positions.length).log("handed back unstarted tasks");
        } catch (RuntimeException e) {
            log.atError().addKeyValue("queue", queue).log("could not hand back {} unstarted tasks: {}", positions.length, e.getMessage());
        }
    }

    /** The held position is no longer extended; a batch with no open position left is forgotten. */
    private void giveUp(PoppedBatch batch, int position) {
        if (batch.giveUp(position)) {
            keeper.release(batch);
        }
    }

    /** A position in a popped batch. */
    private record Position(PoppedBatch batch, int index) {
    }
}
