package io.sergeant.core.internal.runtime;

import io.sergeant.api.Task;

import java.util.Optional;

/**
 * Per-thread state of the task being run: the task (for trace-id propagation and
 * {@code getTraceId}) and the lifecycle phase (for where retry and requeue are allowed). One per
 * runtime; thread safe by confinement.
 */
final class TaskScope {

    private final ThreadLocal<Task> task = new ThreadLocal<>();
    private final ThreadLocal<Phase> phase = ThreadLocal.withInitial(() -> Phase.NONE);

    void begin(Task current) {
        task.set(current);
        phase.set(Phase.PRE_WORK);
    }

    void enter(Phase next) {
        phase.set(next);
    }

    void end() {
        task.remove();
        phase.remove();
    }

    Optional<Task> task() {
        return Optional.ofNullable(task.get());
    }

    Phase phase() {
        return phase.get();
    }
}
