package io.sergeant.api;

import java.util.Map;
import java.util.Objects;

/**
 * One unit of work: named arguments plus the three bookkeeping fields that Python Sergeant's
 * {@code sergeant.objects.Task} carries. Exactly these four fields travel on the wire, so a Java
 * worker can consume what a Python producer pushed and the other way round.
 *
 * <p>Instances are immutable and thread safe. {@code kwargs} keeps insertion order (serializers
 * write keys in that order) and may hold {@code null} values; the map itself is never null.
 * Equality is over all four fields, as Python's dataclass equality.
 *
 * @param kwargs   the task arguments; copied (unless they are another task's kwargs, which are
 *                 immutable and shared), unmodifiable, insertion ordered
 * @param traceId  an APM trace id propagated to tasks pushed while this one runs, or {@code null}
 * @param date     creation time in epoch seconds (a float, as in Python)
 * @param runCount how many times {@code retry} re-pushed this task; never negative
 */
public record Task(Map<String, Object> kwargs, String traceId, double date, int runCount) {

    /** Builds a task, copying {@code kwargs}; throws {@link IllegalArgumentException} on a negative run count. */
    public Task {
        Objects.requireNonNull(kwargs, "kwargs is null");
        if (runCount < 0) {
            throw new IllegalArgumentException("runCount must not be negative: " + runCount);
        }
        kwargs = TaskKwargs.copyOf(kwargs);
    }

    /** A new task created now, without trace id, never run. */
    public static Task of(Map<String, Object> kwargs) {
        return new Task(kwargs, null, now(), 0);
    }

    /** A new task created now with the given trace id (may be null), never run. */
    public static Task of(Map<String, Object> kwargs, String traceId) {
        return new Task(kwargs, traceId, now(), 0);
    }

    /** This task with {@code runCount + 1}, other fields unchanged (what {@code retry} pushes). */
    public Task withIncrementedRunCount() {
        return new Task(kwargs, traceId, date, runCount + 1);
    }

    /** The current time in epoch seconds with microsecond resolution, as Python's {@code time.time()}. */
    public static double now() {
        java.time.Instant instant = java.time.Instant.now();
        return instant.getEpochSecond() + instant.getNano() / 1_000_000_000.0;
    }
}
