package io.sergeant.executor.thread;

import io.sergeant.api.Task;
import io.sergeant.spi.execution.Killable;
import io.sergeant.spi.execution.Killer;
import io.sergeant.spi.execution.Outcome;
import io.sergeant.spi.execution.TaskExecutor;
import io.sergeant.spi.execution.TaskResult;
import io.sergeant.spi.execution.TaskRunner;
import io.sergeant.spi.execution.Watch;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.ObjIntConsumer;

/**
 * Runs tasks on a fixed pool of daemon threads, each under a watch of the killer.
 *
 * <p><b>Timeouts.</b> At the timeout the killer interrupts the task's thread; the runner sees the watch
 * timed out and routes a timeout. The interrupt flag is cleared after every task, and the watch is
 * closed first, so a late interrupt never reaches the next task on that thread.
 *
 * <p><b>Stuck tasks.</b> A thread cannot be killed in Java. When the killer calls {@code kill()} (the
 * task ignored its interrupt for the whole grace period) the executor marks itself
 * {@link #respawnRequested()} and considers that task <em>stuck</em>; its future is left alone and
 * completes, normally and with the runner's result (a timeout), only if the thread ever returns, so
 * handlers never run twice. The stuck task still counts against {@link #concurrency()} until then. The
 * worker is expected to stop fetching, settle its other tasks, {@link #close()} the executor (which does
 * not wait for stuck tasks) and exit asking to be respawned; the stuck thread, a daemon, dies with the
 * process, and the unsettled task is delivered again by the backend (or lost in at-most-once mode),
 * exactly as when a worker process crashes.
 *
 * <p>Thread safe. {@link #submit} never blocks.
 */
final class ThreadExecutor implements TaskExecutor {

    private static final System.Logger LOG = System.getLogger(ThreadExecutor.class.getName());

    private final int concurrency;
    private final TaskRunner runner;
    private final Killer killer;
    private final ThreadPoolExecutor pool;
    private final Object lock = new Object();
    /**
     * Tasks submitted and not completed, stuck ones included. Raised under {@link #lock} (so the capacity
     * check of {@link #submit} holds); lowered without it, as a task ends, taking the lock only to wake
     * a waiting {@link #close()} (a task's end costs one atomic decrement, not a monitor).
     */
    private final AtomicInteger outstanding = new AtomicInteger();
    /** Tasks whose thread ignored the kill; a subset of {@link #outstanding}. Guarded by {@link #lock}. */
    private int stuck;
    /** Written under {@link #lock}; volatile so that an ending task sees whether close() may be waiting. */
    private volatile boolean closed;
    /** Set by close() when stuck threads are left behind. Guarded by {@link #lock}. */
    private boolean abandoning;
    /** Set by close() once a thread is stuck: queued batch tasks are skipped, see {@link #skipQueuedBatchTasks}. */
    private volatile boolean skipQueued;
    private volatile boolean respawnRequested;
    /** Batches with tasks not yet ended: what close() skips when a thread is stuck. */
    private final java.util.Set<BatchRun> batches = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Whether {@link #runBatchHere} may be called: one thread and no timeout (no task can be declared stuck). */
    private final boolean runsHere;

    ThreadExecutor(int concurrency, String threadNamePrefix, TaskRunner runner, Killer killer) {
        this(concurrency, threadNamePrefix, runner, killer, false);
    }

    /**
     * @param timeoutsEnabled whether tasks have a timeout: then the killer may declare a task stuck, so none
     *        runs on a caller's thread ({@link #runsBatchesHere()} false)
     */
    ThreadExecutor(int concurrency, String threadNamePrefix, TaskRunner runner, Killer killer, boolean timeoutsEnabled) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1: " + concurrency);
        }
        Objects.requireNonNull(threadNamePrefix, "threadNamePrefix is null");
        this.concurrency = concurrency;
        this.runner = Objects.requireNonNull(runner, "runner is null");
        this.killer = Objects.requireNonNull(killer, "killer is null");
        this.runsHere = concurrency == 1 && !timeoutsEnabled;
        // The queue is shared by every thread: submit() keeps at most `concurrency` tasks in it, while
        // runBatch() queues whole batches so that busy threads take the next task without a hand-off.
        this.pool = new ThreadPoolExecutor(concurrency, concurrency, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), new DaemonThreadFactory(threadNamePrefix));
    }

    @Override
    public int concurrency() {
        return concurrency;
    }

    /**
     * Starts a task on a pool thread; the future always completes normally (an exception escaping the
     * runner becomes a {@link Outcome#FAILURE} result naming it), except that of a stuck task, see the
     * class comment.
     *
     * @throws IllegalStateException when {@link #concurrency()} tasks are already outstanding (stuck ones
     *         included) or the executor is closed
     * @throws NullPointerException  when the task is null
     */
    @Override
    public CompletableFuture<TaskResult> submit(Task task) {
        Objects.requireNonNull(task, "task is null");
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the thread executor is closed; no task can be submitted");
            }
            int running = outstanding.get();
            if (running >= concurrency) {
                throw new IllegalStateException("the thread executor already runs " + running
                        + " task(s), its concurrency; wait for a result before submitting more");
            }
            outstanding.incrementAndGet();
        }
        CompletableFuture<TaskResult> future = new CompletableFuture<>();
        try {
            pool.execute(() -> execute(task, future));
        } catch (RejectedExecutionException e) {
            // Only when close() gave up waiting (its thread was interrupted) and shut the pool down.
            ended(1);
            throw new IllegalStateException("the thread executor is closed; no task can be submitted", e);
        }
        return future;
    }

    /** True: {@link #runBatch} queues on the pool's shared queue. */
    @Override
    public boolean queuesBatches() {
        return true;
    }

    @Override
    public boolean respawnRequested() {
        return respawnRequested;
    }

    /**
     * Refuses new tasks, waits for every outstanding task that is not stuck, then shuts the pool down.
     * With timeouts enabled this is bounded by timeout plus grace period (each task either ends or is
     * declared stuck by then); with timeouts disabled it waits as long as the running tasks take, as
     * Python Sergeant does. Stuck threads are abandoned; they are daemons and do not keep the JVM alive.
     * If the calling thread is interrupted it stops waiting and keeps its interrupt flag. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            try {
                while (outstanding.get() > stuck) {
                    if (stuck > 0 && skipQueuedBatchTasks()) {
                        continue;
                    }
                    lock.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (stuck > 0) {
                LOG.log(Level.WARNING, "thread executor closed with {0} stuck task thread(s) abandoned;"
                        + " they end with the process", stuck);
            }
            abandoning = stuck > 0;
        }
        pool.shutdown();
        if (abandoning) {
            return;
        }
        // Every task has ended; wait for the threads to finish completing their futures too.
        try {
            pool.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * With a stuck thread, batch tasks not yet taken may never get a thread (with one thread, never):
     * the queued jobs are taken off the queue, and every batch's untaken tasks are settled as skipped
     * (never started, not reported) on the closing thread, so close() and the batch futures end and the
     * worker can exit to be respawned. Called with the lock held; true if anything was skipped.
     */
    private boolean skipQueuedBatchTasks() {
        skipQueued = true;
        List<Runnable> queued = new ArrayList<>();
        pool.getQueue().drainTo(queued);
        boolean skipped = false;
        for (Runnable job : queued) {
            if (!(job instanceof BatchJob) && !pool.getQueue().offer(job)) {
                LOG.log(Level.ERROR, "could not re-queue a submitted task while closing");
            }
        }
        for (BatchRun run : List.copyOf(batches)) {
            skipped |= run.skipRest();
        }
        return skipped;
    }

    private void execute(Task task, CompletableFuture<TaskResult> future) {
        TaskResult result = runOne(task);
        ended(1);
        future.complete(result);
    }

    /**
     * Queues one job per thread that the batch can use (at most {@link #concurrency()}) on the pool's
     * shared queue; each job takes the batch's next task until none is left. So a batch costs one
     * hand-off per thread, not one per task: idle threads are woken once, busy threads take the next
     * batch's job as they finish, and jobs of several batches may be queued at once, so the pool stays
     * busy across batches. Before starting a task a thread asks {@code keepGoing}; a task it skips is
     * not reported. The returned future completes when every task of the batch was run or skipped.
     *
     * @throws IllegalStateException when the executor is closed
     */
    @Override
    public CompletableFuture<Void> runBatch(List<Task> tasks, BooleanSupplier keepGoing, ObjIntConsumer<TaskResult> onResult) {
        BatchRun run = admit(tasks, keepGoing, onResult);
        if (run == null) {
            return CompletableFuture.completedFuture(null);
        }
        List<Task> batch = run.tasks;
        int jobs = Math.min(concurrency, batch.size());
        for (int j = 0; j < jobs; j++) {
            try {
                pool.execute(run);
            } catch (RejectedExecutionException e) {
                // close() gave up waiting and shut the pool down: what no queued job took is skipped, not reported.
                if (j == 0) {
                    run.skipRest();
                }
                break;
            }
        }
        return run.done;
    }

    /**
     * True with one thread and no timeout: without a timeout the killer never interrupts nor kills, so no
     * task can be declared stuck and the caller's thread always comes back; with one thread the caller
     * running the batch loses no parallelism. The hand-offs to and from the pool thread are what it saves
     * (docs/decisions.md, "One-thread at-most-once runs its tasks on the loop thread").
     */
    @Override
    public boolean runsBatchesHere() {
        return runsHere;
    }

    /**
     * Runs the batch on the calling thread, as one job of {@link #runBatch} would on a pool thread: each task
     * under a watch, its interrupt flag cleared after it ({@link #runOne}), counted in {@link #outstanding}
     * while it runs.
     *
     * @throws IllegalStateException when the executor is closed or {@link #runsBatchesHere()} is false
     */
    @Override
    public void runBatchHere(List<Task> tasks, BooleanSupplier keepGoing, ObjIntConsumer<TaskResult> onResult) {
        if (!runsHere) {
            throw new IllegalStateException("this thread executor runs tasks on its own threads only (it has "
                    + concurrency + " thread(s) or a timeout)");
        }
        BatchRun run = admit(tasks, keepGoing, onResult);
        if (run != null) {
            run.run();
        }
    }

    /**
     * Admits a batch for {@link #runBatch} or {@link #runBatchHere}: copies the tasks, counts them in
     * {@link #outstanding} (so {@link #close()} waits for them) and registers the run; null for an empty batch.
     *
     * @throws IllegalStateException when the executor is closed
     */
    private BatchRun admit(List<Task> tasks, BooleanSupplier keepGoing, ObjIntConsumer<TaskResult> onResult) {
        Objects.requireNonNull(keepGoing, "keepGoing is null");
        Objects.requireNonNull(onResult, "onResult is null");
        List<Task> batch = List.copyOf(tasks);
        if (batch.isEmpty()) {
            return null;
        }
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the thread executor is closed; no task can be submitted");
            }
            outstanding.addAndGet(batch.size());
        }
        BatchRun run = new BatchRun(batch, keepGoing, onResult);
        batches.add(run);
        return run;
    }

    /**
     * A batch being run: each queued job (this object, once per thread it may use) takes the next task
     * until none is left; {@link #skipRest()} takes the rest without running it.
     */
    private final class BatchRun implements BatchJob {
        final List<Task> tasks;
        final BooleanSupplier keepGoing;
        final ObjIntConsumer<TaskResult> onResult;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger remaining;

        BatchRun(List<Task> tasks, BooleanSupplier keepGoing, ObjIntConsumer<TaskResult> onResult) {
            this.tasks = tasks;
            this.keepGoing = keepGoing;
            this.onResult = onResult;
            this.remaining = new AtomicInteger(tasks.size());
        }

        /**
         * Takes and runs tasks until none is left, inside one {@link TaskRunner#runSeveral} (so the runner's
         * per-task thread state, the MDC, is set once per job rather than around every task). Each task's end
         * lowers {@link #outstanding} at once (what close() waits for), while the batch's own count is lowered
         * once per job, as it leaves: the batch completes when its last job leaves (a stuck task's job never
         * leaves, as before).
         */
        @Override
        public void run() {
            runner.runSeveral(this::takeAndRun);
        }

        private void takeAndRun() {
            int index;
            int ran = 0;
            try {
                while ((index = next.getAndIncrement()) < tasks.size()) {
                    try {
                        if (!skipQueued && keepGoing.getAsBoolean()) {
                            TaskResult result = runOne(tasks.get(index));
                            try {
                                onResult.accept(result, index);
                            } catch (RuntimeException e) {
                                LOG.log(Level.ERROR, "a batch result consumer failed: " + e, e);
                            }
                        }
                    } finally {
                        ran++;
                        ended(1);
                    }
                }
            } finally {
                left(ran);
            }
        }

        /** Takes every task not taken yet, unstarted and unreported; true if there was any. */
        boolean skipRest() {
            int from = next.getAndSet(tasks.size());
            if (from >= tasks.size()) {
                return false;
            }
            ended(tasks.size() - from);
            left(tasks.size() - from);
            return true;
        }

        /** {@code count} tasks of this batch ended or were skipped: the batch completes with its last. */
        private void left(int count) {
            if (count > 0 && remaining.addAndGet(-count) == 0) {
                batches.remove(this);
                done.complete(null);
            }
        }
    }

    /** Runs one task on the calling pool thread under a watch; never throws. */
    private TaskResult runOne(Task task) {
        TaskKillable killable = new TaskKillable(Thread.currentThread(), task);
        TaskResult result;
        try (Watch watch = killer.watch(killable)) {
            result = runner.run(task, watch);
            if (result == null) {
                result = new TaskResult(task, Outcome.FAILURE, "IllegalStateException: the task runner returned no result");
            }
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "the task runner failed unexpectedly: " + e, e);
            result = new TaskResult(task, Outcome.FAILURE, e.getClass().getName() + ": " + e.getMessage());
        }
        // The watch is closed: the killer cannot interrupt this thread any more, so clearing is final, and
        // it cannot call kill() any more either, so the volatile read below sees any markStuck of this task.
        Thread.interrupted();
        if (killable.stuck) {
            synchronized (lock) {
                stuck--;
                lock.notifyAll();
            }
        }
        return result;
    }

    /**
     * {@code count} tasks ended (or were skipped, or never queued). Lowering {@link #outstanding} before
     * reading {@link #closed}, while close() sets closed before reading outstanding (both volatile), means
     * either this thread sees closed and wakes close(), or close() sees the lowered count.
     */
    private void ended(int count) {
        outstanding.addAndGet(-count);
        if (closed) {
            synchronized (lock) {
                lock.notifyAll(); // only close() waits
            }
        }
    }

    private void markStuck(TaskKillable killable) {
        synchronized (lock) {
            if (killable.stuck) {
                return;
            }
            killable.stuck = true;
            stuck++;
            respawnRequested = true;
            lock.notifyAll();
        }
        LOG.log(Level.ERROR, "task thread {0} ignored its interrupt past the grace period; the worker must be"
                + " respawned to end it (task kwargs keys {1})", killable.thread.getName(), killable.task.kwargs().keySet());
    }

    /** What the killer may do to one task: interrupt its thread, or declare it stuck. */
    private final class TaskKillable implements Killable {

        final Thread thread;
        final Task task;
        /** Written under the executor's lock; volatile for the lock-free read of {@link #runOne}. */
        volatile boolean stuck;

        TaskKillable(Thread thread, Task task) {
            this.thread = thread;
            this.task = task;
        }

        @Override
        public void interrupt() {
            thread.interrupt();
        }

        @Override
        public void kill() {
            markStuck(this);
        }
    }

    /** Names threads prefix + number and makes them daemons, so a stuck one never keeps the JVM alive. */
    private static final class DaemonThreadFactory implements ThreadFactory {

        private final String prefix;
        private final AtomicInteger next = new AtomicInteger(1);

        DaemonThreadFactory(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public Thread newThread(Runnable runnable) {
            Thread thread = new Thread(runnable, prefix + next.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        }
    }

    /** A task of a batch, queued by {@link #runBatch}; close() may skip it when a thread is stuck. */
    @FunctionalInterface
    private interface BatchJob extends Runnable {
    }
}
