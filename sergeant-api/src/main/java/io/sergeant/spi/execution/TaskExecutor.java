package io.sergeant.spi.execution;

import io.sergeant.api.Task;
import io.sergeant.spi.Experimental;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.ObjIntConsumer;

/**
 * Runs tasks concurrently, up to {@link #concurrency()} at once, each through the context's
 * {@link TaskRunner} under the killer's watch. Thread safe.
 */
public interface TaskExecutor extends AutoCloseable {

    /** How many tasks may run at once. */
    int concurrency();

    /**
     * Starts a task; the future always completes normally with its {@link TaskResult} (a task that
     * had to be killed completes with the result of {@link TaskRunner#reportKilled}). The caller keeps
     * at most {@link #concurrency()} tasks outstanding; more may block or be rejected.
     *
     * <p>Within that limit it returns without waiting for the task, a thread or a child process: the
     * worker's loop calls it, and a call that waited on a task (or on a child that stopped reading) would
     * stall every other task's acks and leases and the worker's stop. Whatever must wait is done on a
     * thread of the executor's own (the thread executor's pool; the process executor's writer threads).
     */
    CompletableFuture<TaskResult> submit(Task task);

    /**
     * {@link #submit(Task)} for a task whose encoded form is at hand: {@code encoded} is the payload as
     * popped, in the worker's codec ({@link ExecutionContext#codec()}), and decodes to {@code task}. An
     * executor that moves tasks to another process forwards these bytes instead of encoding the task
     * again; the default ignores them. The array is not modified and must not be modified by the caller
     * until the future completes.
     *
     * @since 0.1
     */
    default CompletableFuture<TaskResult> submit(Task task, byte[] encoded) {
        return submit(task);
    }

    /**
     * The fast path of executors that queue whole batches ({@link #queuesBatches()} true): runs a batch,
     * at most {@link #concurrency()} tasks at once, in list order as far as concurrency allows. Before
     * starting each task it asks {@code keepGoing}; once that is false no further task of the batch
     * starts. {@code onResult} receives each ended task's result and its index in {@code tasks}, on the
     * thread that ran it (or completed it), as soon as it ended; it must be quick and thread safe. The
     * returned future completes when every started task has been reported (a stuck task of the thread
     * executor may keep it from ever completing); tasks never reported were not started.
     *
     * <p>Core calls it only when {@link #queuesBatches()} is true, and otherwise submits tasks one by
     * one through {@link #submit(Task, byte[])}, which is the protocol every executor implements. The
     * default therefore throws {@link UnsupportedOperationException}.
     */
    default CompletableFuture<Void> runBatch(List<Task> tasks, BooleanSupplier keepGoing, ObjIntConsumer<TaskResult> onResult) {
        throw new UnsupportedOperationException(getClass().getName() + " does not queue batches (queuesBatches() is false);"
                + " submit its tasks one by one");
    }

    /**
     * Whether the executor implements {@link #runBatch}, queueing tasks so that several batches may be
     * handed over at once (the executor then keeps every thread busy across batches). When false (the
     * default), callers submit tasks one by one.
     */
    default boolean queuesBatches() {
        return false;
    }

    /**
     * Whether {@link #runBatchHere} may be called: the executor can run a batch on the calling thread, one
     * task after another, and no task it runs can ever be declared stuck (a thread whose task ignored its
     * interrupt past the grace period cannot be given back, and the caller's thread would be that thread).
     * The thread executor answers true with one thread and no timeout. Core then runs an at-most-once
     * worker's tasks on its loop thread, between its pops, with no hand-off to another thread
     * (docs/decisions.md, "One-thread at-most-once runs its tasks on the loop thread"). The default, false,
     * keeps every task on the executor's own threads. Constant for the executor's life.
     *
     * @since 0.2
     */
    @Experimental("a fast path of one-thread at-most-once workers, new in 0.2")
    default boolean runsBatchesHere() {
        return false;
    }

    /**
     * {@link #runBatch} on the calling thread: runs the tasks in list order, one at a time, each under the
     * killer's watch, and returns when every task was run or skipped. Before starting each task it asks
     * {@code keepGoing}; once that is false no further task starts, and a task never started is not
     * reported. {@code onResult} receives each ended task's result and its index in {@code tasks}, on the
     * calling thread. An interrupt meant for a task (the killer's, at its timeout) never outlives it: the
     * calling thread's interrupt flag is cleared after each task, once the killer can no longer reach it.
     * The tasks count against {@link #concurrency()} while they run, as {@link #runBatch}'s do, so
     * {@link #close()} (from another thread) waits for them.
     *
     * <p>Core calls it only when {@link #runsBatchesHere()} is true; the default throws
     * {@link UnsupportedOperationException}.
     *
     * @throws IllegalStateException when the executor is closed
     * @since 0.2
     */
    @Experimental("a fast path of one-thread at-most-once workers, new in 0.2")
    default void runBatchHere(List<Task> tasks, BooleanSupplier keepGoing, ObjIntConsumer<TaskResult> onResult) {
        throw new UnsupportedOperationException(getClass().getName() + " does not run batches on the calling thread"
                + " (runsBatchesHere() is false)");
    }

    /**
     * Whether the executor can no longer guarantee a healthy process (a thread ignored its interrupt
     * past the grace period): the worker must stop fetching, settle what it has and exit asking to be
     * respawned.
     */
    boolean respawnRequested();

    /** Waits for running tasks, then frees threads or child processes. Idempotent. */
    @Override
    void close();
}
