package io.sergeant.core.internal.runtime;

import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * At-most-once split pop ahead (docs/decisions.md, "At-most-once split pop ahead"): where a half pop
 * costs about half a whole one ({@link Backend#popsSplitCheaply()}: remote pops, SQLite in WAL mode), an
 * at-most-once worker without prefetch
 * pops its batches as halves on a thread of its own, the next half while the executor runs the last,
 * instead of idling through every pop.
 *
 * <p><b>The bound.</b> An at-most-once pop deletes what it takes, so a half counts as held from the
 * moment it is started, not when it returns: a half is started only when the executor's tasks, the
 * tasks the loop has in hand and the halves still pending, plus this one, fit in {@code capacity}
 * ({@code max(concurrency, tasksPerTransaction)}). A kill -9 so loses at most {@code capacity} tasks,
 * as when the worker holds one whole batch. Halves are started only after a full pop ({@link #popping});
 * a pop that came back short (or failed) ends that until the loop's own pop is full again.
 *
 * <p><b>Calls.</b> Halves may be queued behind one on its way; the thread runs one call at a time, and
 * the end of each wakes the loop thread ({@link RunState#wakeLoop()}), which takes them in order
 * ({@link #take()}). Used by the loop thread only (the calls run on the pop-ahead thread).
 *
 * <p><b>Decoded where popped.</b> Each call decodes its half on the pop-ahead thread right after the reply was
 * read ({@link PopAhead.Popped#decoded()}), while the payloads are still in that core's cache, so the loop thread
 * takes ready tasks and hands them to the executor in one hand-off ({@link BatchStarter#startDecoded}) instead
 * of decoding them in chunks behind the executor (docs/decisions.md, "At-most-once halves decoded where they
 * were popped"). What a half delivers, and what a stop hands back, is unchanged: the loop thread still
 * dead-letters the undecodable payloads of a half it takes, and a half never taken is handed back whole.
 */
final class SplitPopAhead implements AutoCloseable {

    /** The smallest {@code tasksPerTransaction} that is split: each half still carries a whole decode chunk. */
    static final int MIN_BATCH = 2 * TaskLoop.DECODE_CHUNK;

    private final Backend backend;
    private final String queue;
    private final Settlement settlement;
    /** Decodes each half on the pop-ahead thread, right after its reply was read. */
    private final BatchDecoder decoder;
    private final RunState state;
    private final int capacity;
    private final int half;
    private final ExecutorService thread;
    /** Started halves not taken yet, oldest first. */
    private final ArrayDeque<Call> calls = new ArrayDeque<>();
    /** The tasks the pending halves may bring: what they asked for, counted as held. */
    private int pendingTasks;
    /** Whether the last pop was full, so halves are popped ahead. */
    private boolean popping;

    /**
     * @param capacity the most tasks the worker may hold: {@code max(concurrency, tasksPerTransaction)}
     * @param batch {@code tasksPerTransaction}, at least {@link #MIN_BATCH}; halves ask for half of it
     */
    SplitPopAhead(Backend backend, String queue, Settlement settlement, BatchDecoder decoder, RunState state, int capacity,
                  int batch) {
        if (batch < MIN_BATCH || capacity < batch) {
            throw new IllegalArgumentException("batch " + batch + " below " + MIN_BATCH + " or above capacity " + capacity);
        }
        this.backend = Objects.requireNonNull(backend, "backend is null");
        this.queue = Objects.requireNonNull(queue, "queue is null");
        this.settlement = Objects.requireNonNull(settlement, "settlement is null");
        this.decoder = Objects.requireNonNull(decoder, "decoder is null");
        this.state = Objects.requireNonNull(state, "state is null");
        this.capacity = capacity;
        this.half = batch / 2;
        this.thread = Executors.newSingleThreadExecutor(runnable -> {
            Thread popThread = new Thread(runnable, "sergeant-pop-ahead-" + queue);
            popThread.setDaemon(true);
            return popThread;
        });
    }

    /** Whether a half was started and not taken yet. */
    boolean pending() {
        return !calls.isEmpty();
    }

    /** Whether halves are popped ahead: the last pop was full. */
    boolean popping() {
        return popping;
    }

    /** Sets whether halves are popped ahead: after a full pop only. */
    void popping(boolean full) {
        popping = full;
    }

    /** Whether the oldest pending half has ended (its result can be taken without waiting); none may be missing. */
    boolean headEnded() {
        return calls.getFirst().future().isDone();
    }

    /**
     * Starts halves while they fit: while popping, every one that fits in {@code capacity} beside
     * {@code inExecutor} tasks in the executor, {@code inHand} popped and not yet handed to it and the
     * pending halves, and in {@code budget} (the tasks the run may still pop, pending halves included).
     */
    void topUp(int inExecutor, int inHand, int budget) {
        while (popping) {
            int max = nextHalf(budget);
            if (max <= 0 || inExecutor + inHand + pendingTasks + max > capacity) {
                return;
            }
            start(max);
        }
    }

    /**
     * The executor count below which {@link #topUp} with nothing in hand could start one more half, or 0
     * when no count would let it (not popping, no budget, or the pending halves leave no room).
     */
    int roomBelow(int budget) {
        int max = popping ? nextHalf(budget) : 0;
        return max <= 0 ? 0 : Math.max(0, capacity - pendingTasks - max + 1);
    }

    private int nextHalf(int budget) {
        return Math.min(half, budget - pendingTasks);
    }

    private void start(int max) {
        CompletableFuture<PopAhead.Popped> future = CompletableFuture.supplyAsync(() -> {
            long start = System.nanoTime();
            List<Delivery> deliveries = backend.pop(queue, max, DeliveryOptions.AT_MOST_ONCE);
            long nanos = System.nanoTime() - start;
            PoppedBatch popped = settlement.hold(deliveries);
            return new PopAhead.Popped(popped, max, nanos, decodeHere(popped));
        }, thread);
        // After completion, so the woken loop finds it ended.
        future.whenComplete((popped, error) -> state.wakeLoop());
        calls.addLast(new Call(future, max));
        pendingTasks += max;
    }

    /**
     * The half's decode results, decoded here on the pop-ahead thread while its payloads are still in this
     * core's cache, so the loop thread only hands the tasks on; null (the loop thread decodes it, as a batch
     * of its own pop) if decoding threw, which {@link BatchDecoder} allows only for an {@link Error}. An
     * at-most-once batch has no leases, so no lease keeper needs to watch its decode deadlines.
     */
    private List<DecodeResult> decodeHere(PoppedBatch popped) {
        try {
            return decoder.decode(popped.deliveries());
        } catch (RuntimeException | Error e) {
            // The tasks are held already: never lose them here; the loop's own decode meets the same error as before.
            return null;
        }
    }

    /**
     * Waits for the oldest pending half and returns what it gave; throws what its call threw (the loop's
     * failed pop). Either way the half no longer counts as pending.
     */
    PopAhead.Popped take() {
        Call call = calls.removeFirst();
        pendingTasks -= call.max();
        return PopAhead.joined(call.future());
    }

    /** Stops the thread; every pending half must have been taken. */
    @Override
    public void close() {
        popping = false;
        thread.shutdownNow();
    }

    /** A started half: its call and what it asked for. */
    private record Call(CompletableFuture<PopAhead.Popped> future, int max) {
    }
}
