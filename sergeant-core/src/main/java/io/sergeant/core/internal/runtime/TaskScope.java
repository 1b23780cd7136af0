package io.sergeant.core.internal.runtime;

import io.sergeant.api.Task;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-thread state of the task being run: the task (for trace-id propagation and
 * {@code getTraceId}) and the lifecycle phase (for where retry and requeue are allowed). One per
 * runtime; thread safe by confinement.
 *
 * <p>Each thread that runs tasks gets one {@link ThreadState} on its first task, kept for the life of the
 * runtime (executor threads are few and live as long as it): a task then costs plain field writes on
 * it, instead of thread-local sets and removals and a shared set of working threads per task, which
 * were a measurable share of a no-op task's cost (BENCHMARKS.md, round 3). The runner looks the state up
 * once per task ({@link #mine()}) and passes it to {@link #begin}, {@link #enter} and {@link #end}: each
 * thread-local lookup was ~7% of an executor thread's samples on no-op tasks (docs/decisions.md,
 * "Per-task costs of the at-most-once drain").
 */
final class TaskScope {

    /** What one thread is doing; written by that thread only. */
    static final class ThreadState {
        final Thread thread = Thread.currentThread();
        Task task;
        Phase phase = Phase.NONE;
        /** Inside {@code work} now: read by the thread of a stop that interrupts running tasks. */
        volatile boolean working;
        /**
         * Inside {@link LifecycleTaskRunner#runSeveral}: the logging MDC's {@code queue} entry stays set between
         * the tasks it runs ({@link #queueInMdc} says whether a task set it), instead of being put and removed
         * around each task.
         */
        boolean runningSeveral;
        boolean queueInMdc;
    }

    private final ThreadLocal<ThreadState> state = new ThreadLocal<>();
    /** Every thread that ran a task of this runtime: where a stop that interrupts running tasks looks. */
    private final Set<ThreadState> threads = ConcurrentHashMap.newKeySet();
    private volatile boolean stopInterrupts;
    /** Set once {@link #interruptWork} sent every interrupt it was going to send. */
    private volatile boolean interruptsSent;

    /** The calling thread's state, registered on its first task; only the calling thread may write it. */
    ThreadState mine() {
        ThreadState mine = state.get();
        if (mine == null) {
            mine = new ThreadState();
            threads.add(mine);
            state.set(mine);
        }
        return mine;
    }

    /** The calling thread ({@code mine}, its {@link #mine()}) starts running {@code current}. */
    void begin(ThreadState mine, Task current) {
        mine.task = current;
        mine.phase = Phase.PRE_WORK;
    }

    /** The calling thread ({@code mine}) enters phase {@code next} of its task. */
    void enter(ThreadState mine, Phase next) {
        mine.phase = next;
        if (next == Phase.WORK) {
            mine.working = true;
            if (stopInterrupts) {
                Thread.currentThread().interrupt(); // the stop came just before this task's work began
            }
        } else if (mine.working) {
            mine.working = false;
        }
    }

    /** The calling thread's ({@code mine}) task ended. */
    void end(ThreadState mine) {
        mine.working = false;
        mine.task = null;
        mine.phase = Phase.NONE;
    }

    /** A stop that interrupts running tasks: every thread inside {@code work} is interrupted now. */
    void interruptWork() {
        stopInterrupts = true;
        for (ThreadState thread : threads) {
            if (thread.working) {
                thread.thread.interrupt();
            }
        }
        interruptsSent = true;
    }

    /**
     * Clears the calling thread's interrupt flag of any interrupt {@link #interruptWork} sent to a task it ran
     * and that has ended: for a thread that goes on to other work than tasks (the loop thread running tasks
     * between its pops, docs/decisions.md "One-thread at-most-once runs its tasks on the loop thread"), so a
     * stop's interrupt never reaches a pop or a hand-back. Call it after the thread's tasks ended. A stop
     * writes {@code stopInterrupts} before it reads a thread's {@code working}, and a task's end writes
     * {@code working} before this reads {@code stopInterrupts} (all volatile): either this sees the stop and
     * waits until its interrupts were sent, then clears the flag, or the stop sees the thread out of
     * {@code work} and sends it none. The wait is as long as the stop's loop over the task threads.
     */
    void clearStopInterrupt() {
        if (!stopInterrupts) {
            return;
        }
        while (!interruptsSent) {
            Thread.yield();
        }
        Thread.interrupted();
    }

    /** Whether a stop interrupted the running tasks ({@link #interruptWork}). */
    boolean stopInterrupts() {
        return stopInterrupts;
    }

    Optional<Task> task() {
        ThreadState mine = state.get();
        return mine == null ? Optional.empty() : Optional.ofNullable(mine.task);
    }

    Phase phase() {
        ThreadState mine = state.get();
        return mine == null ? Phase.NONE : mine.phase;
    }
}
