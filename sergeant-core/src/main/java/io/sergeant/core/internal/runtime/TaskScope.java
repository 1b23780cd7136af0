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
 * were a measurable share of a no-op task's cost (BENCHMARKS.md, round 3).
 */
final class TaskScope {

    /** What one thread is doing; written by that thread only. */
    private static final class ThreadState {
        final Thread thread = Thread.currentThread();
        Task task;
        Phase phase = Phase.NONE;
        /** Inside {@code work} now: read by the thread of a stop that interrupts running tasks. */
        volatile boolean working;
    }

    private final ThreadLocal<ThreadState> state = new ThreadLocal<>();
    /** Every thread that ran a task of this runtime: where a stop that interrupts running tasks looks. */
    private final Set<ThreadState> threads = ConcurrentHashMap.newKeySet();
    private volatile boolean stopInterrupts;

    /** The calling thread's state, registered on its first task. */
    private ThreadState mine() {
        ThreadState mine = state.get();
        if (mine == null) {
            mine = new ThreadState();
            threads.add(mine);
            state.set(mine);
        }
        return mine;
    }

    void begin(Task current) {
        ThreadState mine = mine();
        mine.task = current;
        mine.phase = Phase.PRE_WORK;
    }

    void enter(Phase next) {
        ThreadState mine = mine();
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

    void end() {
        ThreadState mine = mine();
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
