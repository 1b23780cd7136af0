package io.sergeant.core.internal.runtime;

import io.sergeant.api.Task;
import io.sergeant.api.WorkerStatus;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.execution.Outcome;

import java.time.Instant;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * What one worker run shares between its lifecycle ({@code initialize}, {@code finalizeWorker}), its task
 * loop and the threads that report outcomes: the stop and respawn flags, the thread to wake when they
 * change, and the outcome counts of the run summary. Thread safe.
 */
public final class RunState {

    private final AtomicLong[] outcomeCounts = new AtomicLong[Outcome.values().length];
    private final AtomicLong deadLettered = new AtomicLong();
    private volatile boolean stopRequested;
    private volatile boolean stopSignal;
    private volatile boolean respawnSignal;
    private volatile Thread loopThread;
    /** Run by {@link #requestStop()} while the loop thread waits on the backend (IdleWait); else null. */
    private volatile Runnable stopHook;
    /** Tasks handed to the executor and not yet reported, by delivery (identity), for the worker registry. */
    private final Map<Delivery, WorkerStatus.RunningTask> running = Collections.synchronizedMap(new IdentityHashMap<>());

    /** A run with nothing counted and no flag set. */
    public RunState() {
        for (int i = 0; i < outcomeCounts.length; i++) {
            outcomeCounts[i] = new AtomicLong();
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
        outcomeCounts[outcome.ordinal()].incrementAndGet();
        if (outcome == Outcome.STOP) {
            stopSignal = true;
        } else if (outcome == Outcome.RESPAWN) {
            respawnSignal = true;
        }
    }

    /** Records tasks handed to the executor now (running, or waiting for a free thread or child). */
    void handedToExecutor(List<Delivery> deliveries, List<Task> tasks) {
        Instant now = Instant.now();
        for (int i = 0; i < deliveries.size(); i++) {
            Delivery delivery = deliveries.get(i);
            running.put(delivery, new WorkerStatus.RunningTask(delivery.leased() ? delivery.receipt().id() : "",
                    tasks.get(i).traceId(), now));
        }
    }

    /** Forgets a task the executor reported or skipped. */
    void leftExecutor(Delivery delivery) {
        running.remove(delivery);
    }

    /** The tasks in the executor now, oldest first. */
    public List<WorkerStatus.RunningTask> running() {
        List<WorkerStatus.RunningTask> tasks;
        synchronized (running) {
            tasks = new java.util.ArrayList<>(running.values());
        }
        tasks.sort(java.util.Comparator.comparing(WorkerStatus.RunningTask::startedAt));
        return tasks;
    }

    /** How many tasks ended with {@code outcome} so far. */
    public long count(Outcome outcome) {
        return outcomeCounts[outcome.ordinal()].get();
    }

    /** Counts one payload moved to the dead letters. */
    void countDeadLettered() {
        deadLettered.incrementAndGet();
    }

    /** The non-zero counts by outcome name (lower case) plus {@code dead_lettered}, sorted by name. */
    public Map<String, Long> counts() {
        Map<String, Long> counts = new TreeMap<>();
        for (Outcome outcome : Outcome.values()) {
            long count = outcomeCounts[outcome.ordinal()].get();
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
