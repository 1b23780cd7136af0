package io.sergeant.core.internal.runtime;

import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The next at-least-once settle-and-pop, run on a thread of its own while the loop thread decodes and
 * starts the batch before it, so the backend's share of a pop overlaps the worker's instead of adding to
 * it (docs/decisions.md, "Pop ahead"). At most one call is in flight. While one is, that call owns the
 * acks: the loop thread takes no acks of its own until the call ended ({@link #ownsAcks}). Used by the loop
 * thread only (the call itself runs on the pop-ahead thread).
 */
final class PopAhead implements AutoCloseable {

    /**
     * What a call gave: the popped batch (already held: its leases are extended from the moment the call
     * returned, not from when the loop takes it), how many were asked for, how long the call took and, when
     * the pop-ahead thread decoded the batch too ({@link SplitPopAhead}), one {@link DecodeResult} per
     * delivery in the batch's order; {@code decoded} is null when the loop thread still has to decode it.
     */
    record Popped(PoppedBatch batch, int max, long nanos, List<DecodeResult> decoded) {
        Popped {
            Objects.requireNonNull(batch, "batch is null");
            if (decoded != null && decoded.size() != batch.size()) {
                throw new IllegalArgumentException(decoded.size() + " decode results for a batch of " + batch.size());
            }
        }

        /** A popped batch the loop thread decodes. */
        Popped(PoppedBatch batch, int max, long nanos) {
            this(batch, max, nanos, null);
        }
    }

    private final Settlement settlement;
    private final ExecutorService thread;
    private CompletableFuture<Popped> inFlight;

    PopAhead(Settlement settlement, String queue) {
        this.settlement = Objects.requireNonNull(settlement, "settlement is null");
        this.thread = Executors.newSingleThreadExecutor(runnable -> {
            Thread popThread = new Thread(runnable, "sergeant-pop-ahead-" + queue);
            popThread.setDaemon(true);
            return popThread;
        });
    }

    /** Whether a call was started and its result not taken yet. */
    boolean pending() {
        return inFlight != null;
    }

    /**
     * Whether a call is in flight and has not ended: it owns the acks until then. A call that ended
     * took its acks already (its future's completion orders them before this read), so the loop may
     * ack what settled since, before it takes the call's result.
     */
    boolean ownsAcks() {
        return inFlight != null && !inFlight.isDone();
    }

    /**
     * Starts a settle-and-pop of up to {@code max} deliveries; none may be pending. The popped batch is
     * held on the pop-ahead thread as soon as the call returns: the loop may take it much later (it waits
     * while its executor is full, e.g. behind a task longer than the lease), and leases not extended
     * meanwhile would expire, so the tasks would be delivered again while this worker still ran them.
     */
    void start(int max, DeliveryOptions options) {
        if (inFlight != null) {
            throw new IllegalStateException("a pop ahead is already in flight");
        }
        inFlight = CompletableFuture.supplyAsync(() -> {
            long start = System.nanoTime();
            List<Delivery> deliveries = settlement.ackAndPop(max, options);
            long nanos = System.nanoTime() - start;
            return new Popped(settlement.hold(deliveries), max, nanos);
        }, thread);
    }

    /**
     * Waits for the pending call and returns what it gave; throws what the call threw (its receipts are
     * kept for the next ack, as with a call on the loop thread).
     */
    Popped take() {
        CompletableFuture<Popped> call = Objects.requireNonNull(inFlight, "no pop ahead in flight");
        inFlight = null;
        return joined(call);
    }

    /** Waits for a call on a pop-ahead thread; throws what it threw, unwrapped, as the loop's own call would. */
    static Popped joined(CompletableFuture<Popped> call) {
        try {
            return call.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /** Stops the thread; a pending call's result must have been taken. */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
