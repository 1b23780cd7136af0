package io.sergeant.api.observe;

import io.sergeant.api.Task;

/**
 * A listener's handle on one push (of one or more tasks to one queue), returned by
 * {@link SergeantListener#pushStarted}. The broker calls {@link #decorate} for each task before it
 * encodes it, then exactly one of {@link #pushed} and {@link #failed}, all on the pushing thread.
 * Implementations must not throw from {@code pushed} or {@code failed}.
 */
public interface PushObservation {

    /** Observes nothing and changes nothing. */
    PushObservation NONE = new PushObservation() {
    };

    /**
     * The task as it is to be stored. A tracer returns a copy whose {@code traceId} carries its
     * context (the field Python Sergeant already has, so Python producers and consumers keep working);
     * the default returns the task unchanged.
     */
    default Task decorate(Task task) {
        return task;
    }

    /** The backend acknowledged the push. */
    default void pushed() {
    }

    /** The push failed with {@code error}, which the caller receives next. */
    default void failed(RuntimeException error) {
    }
}
