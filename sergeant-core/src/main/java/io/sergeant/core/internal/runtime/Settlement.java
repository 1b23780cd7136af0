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
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The backend side of the tasks a worker holds: acks of settled tasks (collected from executor threads,
 * sent in one call by the loop thread), hand-backs of tasks that never started and dead-lettering of
 * payloads that cannot be decoded. In at-most-once mode ({@code keeper} null) nothing is acked and a
 * hand-back re-pushes the payloads HIGH, unchanged. A backend failure is logged, never thrown: an unacked
 * lease expires and the task comes back. {@link #settled} is thread safe; the rest runs on the loop thread.
 */
final class Settlement implements BatchDecoder.Watch {

    private static final Logger log = LoggerFactory.getLogger(Settlement.class);

    private final Backend backend;
    private final String queue;
    private final LeaseKeeper keeper;
    private final RunState state;
    private final ConcurrentLinkedQueue<Receipt> settledReceipts = new ConcurrentLinkedQueue<>();
    /** Leased deliveries whose process died running them ({@code Outcome.LOST}): handed back, counted. */
    private final ConcurrentLinkedQueue<Receipt> lostReceipts = new ConcurrentLinkedQueue<>();
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

    /** Decoding of a held delivery starts: its lease is extended only until {@code deadlineNanos}. */
    @Override
    public void started(Delivery delivery, long deadlineNanos) {
        if (keeper != null && delivery.leased()) {
            keeper.decoding(delivery.receipt(), deadlineNanos);
        }
    }

    /** Decoding of a held delivery ended: its lease is extended as any other held task's. */
    @Override
    public void finished(Delivery delivery) {
        if (keeper != null && delivery.leased()) {
            keeper.decoded(delivery.receipt());
        }
    }

    /** Starts keeping the leases of a popped batch extended (at-least-once). */
    void hold(List<Delivery> deliveries) {
        if (keeper != null) {
            keeper.hold(receipts(deliveries));
        }
    }

    /** A task's outcome handler ran: its receipt is acked with the next {@link #flushAcks()}. */
    void settled(Delivery delivery) {
        if (delivery.leased()) {
            settledReceipts.add(delivery.receipt());
        }
    }

    /**
     * A leased task's process died running it: it is handed back with the next {@link #flushAcks()},
     * keeping its delivery count (thread safe).
     */
    void lost(Delivery delivery) {
        if (delivery.leased()) {
            lostReceipts.add(delivery.receipt());
        }
    }

    /**
     * Hands back the lost deliveries (release keeps the delivery count, so a lost delivery counts toward
     * {@code maxDeliveries}), then acks every settled task in one call; on failure they stay held and the
     * next flush retries.
     */
    void flushAcks() {
        flushLost();
        if (keeper == null || settledReceipts.isEmpty()) {
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
        if (keeper != null && !settledReceipts.isEmpty() && System.nanoTime() - lastAckNanos > maxAgeNanos) {
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
        List<Receipt> receipts = settledReceipts.isEmpty() ? List.of() : takeSettled();
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

    /** Takes the settled receipts and stops extending them (so an extension racing the ack is not mistaken for a lost lease). */
    private List<Receipt> takeSettled() {
        List<Receipt> receipts = new ArrayList<>();
        for (Receipt receipt; (receipt = settledReceipts.poll()) != null; ) {
            receipts.add(receipt);
        }
        keeper.settled(receipts);
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
        keeper.hold(again);
        settledReceipts.addAll(again);
        // Tried again before every pull: log once per doubling of the failures, not once per try.
        if (Integer.bitCount(++ackFailures) == 1) {
            log.atError().addKeyValue("queue", queue).log("could not ack {} tasks ({} tries in a row): {}",
                    again.size(), ackFailures, e.getMessage());
        }
    }

    /** Hands back the deliveries whose process died running them (release keeps their delivery count). */
    void flushLost() {
        if (keeper != null && !lostReceipts.isEmpty()) {
            List<Receipt> lost = new ArrayList<>();
            for (Receipt receipt; (receipt = lostReceipts.poll()) != null; ) {
                lost.add(receipt);
            }
            keeper.settled(lost);
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

    /** Moves an undecodable payload to the dead letters with {@code reason}, logged once. */
    void deadLetter(Delivery delivery, String reason) {
        log.atError().addKeyValue("queue", queue).log("moving a task to the dead letters: {}", LoggedTask.escape(reason));
        state.countDeadLettered();
        listeners.deadLettered(queue, reason);
        if (keeper != null && delivery.leased()) {
            keeper.settled(List.of(delivery.receipt()));
        }
        try {
            if (backend.deadLetterRole().isEmpty()) {
                log.atError().addKeyValue("queue", queue).log("dropping the task: backend {} has no dead-letter role", backend);
                return;
            }
            backend.deadLetterRole().get().deadLetter(queue, delivery, reason);
        } catch (RuntimeException e) {
            // Not settled: the lease expires and the reaper brings the task back.
            log.atError().addKeyValue("queue", queue).log("could not dead-letter a task: {}", e.getMessage());
        }
    }

    /** Gives back tasks that never started: released (at-least-once) or re-pushed HIGH unchanged. */
    void handBack(List<Delivery> rest) {
        if (rest.isEmpty()) {
            return;
        }
        try {
            if (keeper != null) {
                List<Receipt> receipts = receipts(rest);
                keeper.settled(receipts);
                // Not run: this delivery does not count toward maxDeliveries.
                keeper.leases().handBack(queue, receipts);
            } else {
                List<byte[]> payloads = new ArrayList<>(rest.size());
                rest.forEach(delivery -> payloads.add(delivery.payload()));
                backend.push(queue, payloads, Priority.HIGH, null);
            }
            log.atInfo().addKeyValue("queue", queue).addKeyValue("tasks", rest.size()).log("handed back unstarted tasks");
        } catch (RuntimeException e) {
            log.atError().addKeyValue("queue", queue).log("could not hand back {} unstarted tasks: {}", rest.size(), e.getMessage());
        }
    }

    private static List<Receipt> receipts(List<Delivery> deliveries) {
        List<Receipt> receipts = new ArrayList<>(deliveries.size());
        for (Delivery delivery : deliveries) {
            if (delivery.leased()) {
                receipts.add(delivery.receipt());
            }
        }
        return receipts;
    }
}
