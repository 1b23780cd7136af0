package io.sergeant.core.internal.runtime;

import io.sergeant.api.Task;
import io.sergeant.core.internal.observe.ListenerChain;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.execution.Outcome;
import io.sergeant.spi.execution.TaskExecutor;
import io.sergeant.spi.execution.TaskResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.ObjIntConsumer;

/**
 * The executor side of one run of the {@link TaskLoop}, which decides when to pop: hands each popped batch to
 * the executor one decoded chunk at a time ({@link #startInChunks}), or whole when the pop-ahead thread decoded
 * it already ({@link #startDecoded}), settles each task's outcome as the executor
 * reports it, hands back the unstarted tasks of batches the executor finished with ({@link #settleFinished})
 * and, when the loop ends, waits for the batches still running ({@link #finish}). Used from the loop thread;
 * outcomes arrive on executor threads.
 */
final class BatchStarter {

    /** The task loop's logger: what this class logs was logged by the loop before it was split out. */
    private static final Logger log = LoggerFactory.getLogger(TaskLoop.class);

    private final WorkerAssembly assembly;
    private final String queue;
    private final Duration gracePeriod;
    private final RunState state;
    private final BatchDecoder decoder;
    private final Settlement settlement;
    private final ListenerChain listeners;
    /** Tasks handed to the executor and not yet reported or skipped. */
    private final ExecutorCount inExecutor;
    private final TaskExecutor executor;
    /** Submits tasks one by one to executors that do not queue batches. */
    private final OneByOneSubmitter submitter;
    /** Halves popped while the executor runs the last (at-most-once where pops split cheaply); null otherwise. */
    private final SplitPopAhead split;
    /**
     * Whether batches run on the calling (loop) thread ({@link TaskExecutor#runBatchHere}): one-thread at-most-once
     * with an executor that allows it (docs/decisions.md, "One-thread at-most-once runs its tasks on the loop thread").
     */
    private final boolean runHere;
    /** Batches handed to the executor whose unstarted tasks were not handed back yet. */
    private final List<RunningBatch> running = new ArrayList<>();

    BatchStarter(WorkerAssembly assembly, RunState state, BatchDecoder decoder, Settlement settlement, ExecutorCount inExecutor,
                 TaskExecutor executor, SplitPopAhead split, boolean runHere) {
        this.assembly = Objects.requireNonNull(assembly, "assembly is null");
        this.queue = assembly.config().name();
        this.gracePeriod = assembly.config().timeouts().gracePeriod();
        this.state = Objects.requireNonNull(state, "state is null");
        this.decoder = Objects.requireNonNull(decoder, "decoder is null");
        this.settlement = Objects.requireNonNull(settlement, "settlement is null");
        this.listeners = assembly.broker().listeners();
        this.inExecutor = Objects.requireNonNull(inExecutor, "inExecutor is null");
        this.executor = Objects.requireNonNull(executor, "executor is null");
        this.submitter = new OneByOneSubmitter(executor, () -> !shouldEnd(state, executor), queue);
        this.split = split;
        this.runHere = runHere;
        if (runHere && !executor.runsBatchesHere()) {
            throw new IllegalArgumentException("the executor does not run batches on the calling thread");
        }
    }

    /**
     * Whether the loop must end: a stop or respawn in {@code state}, or the executor asking for a fresh
     * process (which is then recorded as a respawn).
     */
    static boolean shouldEnd(RunState state, TaskExecutor executor) {
        if (state.ending()) {
            return true;
        }
        if (executor.respawnRequested()) {
            state.respawn();
            return true;
        }
        return false;
    }

    /**
     * Decodes a popped batch {@value TaskLoop#DECODE_CHUNK} payloads at a time and hands each decoded chunk to the
     * executor at once, so the executor runs the first tasks while the loop thread decodes the rest: decode
     * and execution overlap on two cores without any thread joining another (at-most-once without prefetch
     * holds one batch, so before this the executor waited for the whole batch's decode, then the loop
     * waited for its run). Returns false, with every chunk not yet started handed back, when the loop must end.
     */
    boolean startInChunks(PoppedBatch popped, int budget) {
        int size = popped.size();
        for (int from = 0; from < size; ) {
            if (split != null) {
                // The next half starts as soon as it fits beside the executor's tasks and the rest in hand.
                split.topUp(inExecutor.get(), size - from, budget);
            }
            int to = Math.min(size, from + TaskLoop.DECODE_CHUNK);
            RunnableBatch batch = runnable(popped, from, to);
            if (shouldEnd(state, executor)) {
                int[] rest = new int[batch.positions().length + size - to];
                System.arraycopy(batch.positions(), 0, rest, 0, batch.positions().length);
                for (int position = to, at = batch.positions().length; position < size; position++, at++) {
                    rest[at] = position;
                }
                settlement.handBack(popped, rest);
                return false;
            }
            start(batch);
            from = to;
        }
        return true;
    }

    /**
     * Hands a batch the pop-ahead thread decoded already ({@link SplitPopAhead}: {@code decoded} holds one result
     * per delivery, in order) to the executor whole, in one hand-off: chunks let the executor start while the loop
     * thread decodes the rest, and with nothing left to decode they would only add hand-offs. Undecodable payloads
     * are dead-lettered here, on the loop thread, as in {@link #startInChunks}. Returns false, with every task
     * handed back, when the loop must end; tasks the executor does not start once the loop must end are handed
     * back when their batch finishes ({@link #settleFinished}, {@link #finish}), as those of a chunk are.
     */
    boolean startDecoded(PoppedBatch popped, List<DecodeResult> decoded, int budget) {
        if (split != null) {
            // The next half starts as soon as it fits beside the executor's tasks and this one.
            split.topUp(inExecutor.get(), popped.size(), budget);
        }
        RunnableBatch batch = runnable(popped, 0, popped.deliveries(), decoded);
        if (shouldEnd(state, executor)) {
            settlement.handBack(popped, batch.positions());
            return false;
        }
        start(batch);
        return true;
    }

    /**
     * The decoded tasks of positions {@code from} to {@code to} of a popped batch, with their deliveries and
     * positions; undecodable payloads are dead-lettered.
     */
    private RunnableBatch runnable(PoppedBatch popped, int from, int to) {
        List<Delivery> chunk = from == 0 && to == popped.size() ? popped.deliveries() : popped.deliveries().subList(from, to);
        return runnable(popped, from, chunk, decoder.decode(chunk, settlement.decodeWatch(popped, from)));
    }

    /**
     * The tasks of {@code chunk}, the positions from {@code from} of a popped batch, given their decode
     * {@code results} (one per delivery, in order), with their deliveries and positions; undecodable payloads
     * are dead-lettered.
     */
    private RunnableBatch runnable(PoppedBatch popped, int from, List<Delivery> chunk, List<DecodeResult> results) {
        List<Delivery> runnable = new ArrayList<>(chunk.size());
        List<Task> tasks = new ArrayList<>(chunk.size());
        int[] positions = new int[chunk.size()];
        int count = 0;
        for (int index = 0; index < results.size(); index++) {
            DecodeResult result = results.get(index);
            if (result instanceof DecodeResult.Decoded decoded) {
                tasks.add(decoded.task());
                runnable.add(chunk.get(index));
                positions[count++] = from + index;
            } else if (result instanceof DecodeResult.Rejected rejected) {
                listeners.decodeFailed(queue, rejected.reason());
                settlement.deadLetter(popped, from + index, rejected.reason());
            }
        }
        return new RunnableBatch(popped, runnable, tasks, count == positions.length ? positions : Arrays.copyOf(positions, count));
    }

    private void start(RunnableBatch batch) {
        List<Task> tasks = batch.tasks();
        List<Delivery> deliveries = batch.deliveries();
        PoppedBatch popped = batch.popped();
        int[] positions = batch.positions();
        if (tasks.isEmpty()) {
            return;
        }
        boolean[] reported = new boolean[tasks.size()];
        inExecutor.handed(tasks.size());
        RunState.ExecutorBatch handed = state.handedToExecutor(deliveries, tasks);
        try {
            ObjIntConsumer<TaskResult> onResult = (result, index) -> {
                reported[index] = true;
                handed.left(index);
                settle(popped, positions[index], result);
                taskLeftExecutor();
            };
            CompletableFuture<Void> future = runHere ? runHere(tasks, onResult)
                    : executor.queuesBatches() ? executor.runBatch(tasks, () -> !shouldEnd(state, executor), onResult)
                    : submitter.submit(tasks, deliveries, onResult);
            RunningBatch started = new RunningBatch(future, popped, positions, reported);
            // Skipped tasks are never reported: account for them when the batch completes.
            future.whenComplete((ignored, error) -> {
                state.leftExecutor(handed);
                for (int i = started.unstarted().length; i > 0; i--) {
                    taskLeftExecutor();
                }
            });
            running.add(started);
        } catch (RuntimeException e) {
            inExecutor.refused(tasks.size());
            state.leftExecutor(handed);
            log.atError().addKeyValue("queue", queue).log("the executor refused a batch: {}", e.toString());
            settlement.handBack(popped, positions);
        }
    }

    /**
     * Runs the tasks on this (the loop) thread and returns their batch's completion, done: exceptional if the
     * executor threw (a task it never started was never reported, so it is handed back as unstarted, as a skipped
     * task of a batch the executor runs). The thread's interrupt flag is cleared of a stop's interrupt meant
     * for a task that ended ({@link WorkerAssembly#clearStopInterrupt()}; the executor cleared the killer's),
     * so no interrupt reaches the pops and hand-backs that follow on this thread.
     */
    private CompletableFuture<Void> runHere(List<Task> tasks, ObjIntConsumer<TaskResult> onResult) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            executor.runBatchHere(tasks, () -> !shouldEnd(state, executor), onResult);
            done.complete(null);
        } catch (RuntimeException e) {
            log.atError().addKeyValue("queue", queue).log("running a batch on the loop thread failed: {}", e.toString());
            done.completeExceptionally(e);
        } finally {
            assembly.clearStopInterrupt();
        }
        return done;
    }

    private void taskLeftExecutor() {
        inExecutor.left();
    }

    /** Hands back the unstarted tasks of every finished batch and forgets it. */
    void settleFinished() {
        for (Iterator<RunningBatch> it = running.iterator(); it.hasNext(); ) {
            RunningBatch batch = it.next();
            if (batch.isDone()) {
                it.remove();
                settlement.handBack(batch.popped(), batch.unstarted());
            }
        }
    }

    /**
     * Waits for every running batch (each within the grace period once stuck) and hands back its unstarted
     * tasks; stops at a batch whose tasks ignore their interrupt (their leases expire and they come back).
     */
    void finish() {
        for (RunningBatch batch : running) {
            if (!batch.await(executor, gracePeriod, queue)) {
                // Tasks that ignore their interrupt: their leases expire and they are delivered again.
                return;
            }
            settlement.handBack(batch.popped(), batch.unstarted());
        }
        running.clear();
    }

    private void settle(PoppedBatch popped, int position, TaskResult result) {
        Delivery delivery = popped.delivery(position);
        Outcome outcome = result.outcome();
        if (outcome == Outcome.LOST && assembly.stopInterruptedTasks()) {
            // A task a stop interrupted (sergeant.worker.stop=interrupt): handed back unchanged, not counted.
            state.countOutcome(outcome);
            settlement.handBack(popped, new int[] {position});
            return;
        }
        if (outcome == Outcome.LOST) {
            if (!delivery.leased()) {
                // At-most-once: the task is gone with its process and cannot run again; report it as failed.
                TaskResult reported = assembly.runner().reportKilled(result.task(), false, result.error());
                settle(popped, position, reported == null || reported.outcome() == Outcome.LOST
                        ? new TaskResult(result.task(), Outcome.FAILURE, result.error()) : reported);
                return;
            }
            // At-least-once: not acked; handed back with its delivery counted, so it runs again and a task
            // that kills its process every time reaches the dead letters after maxDeliveries. Its run ended
            // in a child process that died before reporting: the listeners see it as lost.
            assembly.runner().reportRan(result, Duration.ZERO);
            state.countOutcome(outcome);
            settlement.lost(popped, position);
            return;
        }
        state.countOutcome(outcome);
        settlement.settled(popped, position);
        if (outcome.interruptsWorker()) {
            state.wakeLoop();
        }
    }

    /** The decoded part of a popped batch: the tasks and, at the same indexes, their deliveries and positions in the batch. */
    private record RunnableBatch(PoppedBatch popped, List<Delivery> deliveries, List<Task> tasks, int[] positions) {
    }
}
