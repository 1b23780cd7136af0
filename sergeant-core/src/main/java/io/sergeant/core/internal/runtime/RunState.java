package io.sergeant.core.internal.runtime;

import io.sergeant.api.Task;
import io.sergeant.api.WorkerStatus;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.execution.Outcome;

import java.time.Instant;
import java.util.List;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * What one worker run shares between its lifecycle ({@code initialize}, {@code finalizeWorker}), its task
 * loop and the threads that report outcomes: the stop and respawn flags, the thread to wake when they
 * change, and the outcome counts of the run summary. Thread safe.
 */
public final class RunState {

    /** Counted by every executor thread at each task's end: adders, so threads do not contend on one counter. */
    private final LongAdder[] outcomeCounts = new LongAdder[Outcome.values().length];
    private final AtomicLong deadLettered = new AtomicLong();
    private volatile boolean stopRequested;
    private volatile boolean stopSignal;
    private volatile boolean respawnSignal;
    private volatile Thread loopThread;
    /** Run by {@link #requestStop()} while the loop thread waits on the backend (IdleWait); else null. */
    private volatile Runnable stopHook;
    /** Batches handed to the executor and not yet done, for the worker registry. */
    private final Set<ExecutorBatch> running = ConcurrentHashMap.newKeySet();

    /** A run with nothing counted and no flag set. */
    public RunState() {
        for (int i = 0; i < outcomeCounts.length; i++) {
            outcomeCounts[i] = new LongAdder();
        }
    }

    /** Marks the calling thread as the one {@link #wakeLoop()} unparks. */
    public void enterLoopThread() {
        loopThread = Thread.currentThread();
    }

    /** A stop from outside (SIGTERM): stop fetching, finish or hand back, finalize. */
    public void requestStop() {
        stopRequested = true;
        wakeLoop();
        Runnable hook = stopHook;
        if (hook != null) {
            hook.run();
        }
    }

    /** Sets (or, with null, clears) what {@link #requestStop()} runs to end a wait on the backend. */
    void stopHook(Runnable hook) {
        stopHook = hook;
    }

    /** The worker asked to stop ({@code stop()} in a task, a hook or a handler). */
    public void stop() {
        stopSignal = true;
    }

    /** The worker (or its executor) asked for a fresh process. */
    public void respawn() {
        respawnSignal = true;
    }

    /** True once a stop was requested from outside or asked for by the worker. */
    public boolean stopping() {
        return stopRequested || stopSignal;
    }

    /** True once the worker or its executor asked to respawn. */
    public boolean respawning() {
        return respawnSignal;
    }

    /** True once the worker itself asked to stop or respawn (a stop requested from outside is not counted). */
    public boolean workerAskedToEnd() {
        return stopSignal || respawnSignal;
    }

    /** True once the loop must end: a stop or a respawn. */
    public boolean ending() {
        return stopRequested || stopSignal || respawnSignal;
    }

    /** Unparks the loop thread, if it waits. */
    public void wakeLoop() {
        Thread thread = loopThread;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    /** Counts one task's outcome and applies the stop or respawn it asks for. */
    void countOutcome(Outcome outcome) {
        outcomeCounts[outcome.ordinal()].increment();
        if (outcome == Outcome.STOP) {
            stopSignal = true;
        } else if (outcome == Outcome.RESPAWN) {
            respawnSignal = true;
        }
    }

    /**
     * Tasks handed to the executor together (running, or waiting for a free thread or child): the
     * registry lists those not yet {@linkplain #left left}. One object per batch, so a task costs one
     * array write when it leaves, not a shared map's lock (BENCHMARKS.md, round 3).
     */
    static final class ExecutorBatch {
        private final List<Delivery> deliveries;
        private final List<Task> tasks;
        private final Instant handedAt;
        /** 1 where the task at that index left the executor. */
        private final AtomicIntegerArray left;

        private ExecutorBatch(List<Delivery> deliveries, List<Task> tasks, Instant handedAt) {
            this.deliveries = deliveries;
            this.tasks = tasks;
            this.handedAt = handedAt;
            this.left = new AtomicIntegerArray(deliveries.size());
        }

        /** The task at {@code index} was reported or skipped. */
        void left(int index) {
            left.lazySet(index, 1);
        }
    }

    /** Records tasks handed to the executor now; the batch's tasks are listed until {@link #leftExecutor}. */
    ExecutorBatch handedToExecutor(List<Delivery> deliveries, List<Task> tasks) {
        ExecutorBatch batch = new ExecutorBatch(deliveries, tasks, Instant.now());
        running.add(batch);
        return batch;
    }

    /** Forgets a batch whose every task the executor reported or skipped. */
    void leftExecutor(ExecutorBatch batch) {
        running.remove(batch);
    }

    /** The tasks in the executor now, oldest first. */
    public List<WorkerStatus.RunningTask> running() {
        List<WorkerStatus.RunningTask> tasks = new java.util.ArrayList<>();
        for (ExecutorBatch batch : running) {
            for (int i = 0; i < batch.deliveries.size(); i++) {
                if (batch.left.get(i) == 0) {
                    Delivery delivery = batch.deliveries.get(i);
                    tasks.add(new WorkerStatus.RunningTask(delivery.leased() ? delivery.receipt().id() : "",
                            batch.tasks.get(i).traceId(), batch.handedAt));
                }
            }
        }
        tasks.sort(java.util.Comparator.comparing(WorkerStatus.RunningTask::startedAt));
        return tasks;
    }

    /** How many tasks ended with {@code outcome} so far. */
    public long count(Outcome outcome) {
        return outcomeCounts[outcome.ordinal()].sum();
    }

    /** Counts one payload moved to the dead letters. */
    void countDeadLettered() {
        deadLettered.incrementAndGet();
    }

    /** The non-zero counts by outcome name (lower case) plus {@code dead_lettered}, sorted by name. */
    public Map<String, Long> counts() {
        Map<String, Long> counts = new TreeMap<>();
        for (Outcome outcome : Outcome.values()) {
            long count = outcomeCounts[outcome.ordinal()].sum();
            if (count > 0) {
                counts.put(outcome.name().toLowerCase(Locale.ROOT), count);
            }
        }
        if (deadLettered.get() > 0) {
            counts.put("dead_lettered", deadLettered.get());
        }
        return counts;
    }
}
