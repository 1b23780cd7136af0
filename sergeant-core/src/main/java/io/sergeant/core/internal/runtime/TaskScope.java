package io.sergeant.core.internal.runtime;

import io.sergeant.api.Task;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-thread state of the task being run: the task (for trace-id propagation and
 * {@code getTraceId}) and the lifecycle phase (for where retry and requeue are allowed). One per
 * runtime; thread safe by confinement.
 */
final class TaskScope {

    private final ThreadLocal<Task> task = new ThreadLocal<>();
    private final ThreadLocal<Phase> phase = ThreadLocal.withInitial(() -> Phase.NONE);
    /** Threads inside {@code work} now: what a stop that interrupts running tasks interrupts. */
    private final Set<Thread> working = ConcurrentHashMap.newKeySet();
    private volatile boolean stopInterrupts;

    void begin(Task current) {
        task.set(current);
        phase.set(Phase.PRE_WORK);
    }

    void enter(Phase next) {
        phase.set(next);
        if (next == Phase.WORK) {
            working.add(Thread.currentThread());
            if (stopInterrupts) {
                Thread.currentThread().interrupt(); // the stop came just before this task's work began
            }
        } else {
            working.remove(Thread.currentThread());
        }
    }

    void end() {
        working.remove(Thread.currentThread());
        task.remove();
        phase.remove();
    }

    /** A stop that interrupts running tasks: every thread inside {@code work} is interrupted now. */
    void interruptWork() {
        stopInterrupts = true;
        working.forEach(Thread::interrupt);
    }

    /** Whether a stop interrupted the running tasks ({@link #interruptWork}). */
    boolean stopInterrupts() {
        return stopInterrupts;
    }

    Optional<Task> task() {
        return Optional.ofNullable(task.get());
    }

    Phase phase() {
        return phase.get();
    }
}
