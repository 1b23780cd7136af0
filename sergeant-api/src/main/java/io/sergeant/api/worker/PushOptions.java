package io.sergeant.api.worker;

import io.sergeant.api.Priority;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Options of a push from a worker: target queue, priority, when the task becomes deliverable, trace id.
 * Immutable; start from {@link #DEFAULT} and use the withers.
 *
 * @param queue          the target queue, or {@code null} for the worker's own queue
 * @param priority       HIGH or NORMAL
 * @param consumableFrom when the task becomes deliverable, or {@code null} for now
 * @param traceId        the trace id of the new task, or {@code null} to inherit the trace id of the
 *                       task running on this thread (if any)
 */
public record PushOptions(String queue, Priority priority, Instant consumableFrom, String traceId) {

    /** Own queue, NORMAL, now, inherited trace id. */
    public static final PushOptions DEFAULT = new PushOptions(null, Priority.NORMAL, null, null);

    /** Checks that the priority is present. */
    public PushOptions {
        Objects.requireNonNull(priority, "priority is null");
    }

    /** These options with another queue. */
    public PushOptions queue(String value) {
        return new PushOptions(value, priority, consumableFrom, traceId);
    }

    /** These options with another priority. */
    public PushOptions priority(Priority value) {
        return new PushOptions(queue, value, consumableFrom, traceId);
    }

    /** These options with an absolute time from which the task is deliverable. */
    public PushOptions consumableFrom(Instant value) {
        return new PushOptions(queue, priority, value, traceId);
    }

    /** These options with the task deliverable after a delay from now. */
    public PushOptions delay(Duration value) {
        return new PushOptions(queue, priority, Instant.now().plus(value), traceId);
    }

    /** These options with an explicit trace id. */
    public PushOptions traceId(String value) {
        return new PushOptions(queue, priority, consumableFrom, value);
    }
}
