package io.sergeant.api;

import java.util.Arrays;
import java.util.LinkedHashMap;
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
 * @param kwargs   the task arguments; copied (unless they are another task's kwargs or a map built by
 *                 {@link #kwargsBuilder}, which are immutable and shared), unmodifiable, insertion ordered
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

    /**
     * A builder of a kwargs map that a task holds as it is, without the copy its constructor makes of any
     * other map: for code that builds kwargs only to make a task of them (a decoder). {@code expectedSize}
     * is a hint (how many keys are expected), not a bound; it pre-allocates at most a few slots, so a
     * hint read from untrusted input cannot make it allocate much. Throws {@link IllegalArgumentException}
     * on a negative hint.
     */
    public static KwargsBuilder kwargsBuilder(int expectedSize) {
        return new KwargsBuilder(expectedSize);
    }

    /**
     * Builds, once, an unmodifiable insertion-ordered kwargs map, as a {@link LinkedHashMap} filled with
     * {@link #put} and then wrapped would be: a repeated key keeps its first position and takes the last
     * value; {@code null} values and a {@code null} key are kept. {@link #build} hands the entries over to the
     * map it returns, which a {@link Task} then shares instead of copying; after that the builder is spent,
     * so nothing can change the map: {@code put} and {@code build} throw {@link IllegalStateException}. Not
     * thread safe (the built map is immutable and may be shared freely).
     */
    public static final class KwargsBuilder {

        /** Slots pre-allocated for a large hint, beyond which the map grows as keys arrive. */
        private static final int MAX_PRESIZE = 1024;
        private static final Object[] NONE = new Object[0];

        /** Keys at even indexes and their values after them, while there are at most {@code TaskKwargs.SMALL} keys. */
        private Object[] keysAndValues;
        private int next;
        /** The entries once there are more keys than an array holds; null until then. */
        private LinkedHashMap<String, Object> large;
        private boolean built;

        private KwargsBuilder(int expectedSize) {
            if (expectedSize < 0) {
                throw new IllegalArgumentException("expectedSize must not be negative: " + expectedSize);
            }
            if (expectedSize <= TaskKwargs.SMALL) {
                keysAndValues = expectedSize == 0 ? NONE : new Object[2 * expectedSize];
            } else {
                large = new LinkedHashMap<>(capacity(Math.min(expectedSize, MAX_PRESIZE)));
            }
        }

        /** Adds {@code key} with {@code value}, or replaces the value of a key added before (keeping its position). */
        public KwargsBuilder put(String key, Object value) {
            if (built) {
                throw new IllegalStateException("this kwargs builder has built its map already");
            }
            if (large != null) {
                large.put(key, value);
                return this;
            }
            Object[] kv = keysAndValues;
            int used = next;
            for (int i = 0; i < used; i += 2) {
                if (Objects.equals(kv[i], key)) {
                    kv[i + 1] = value;
                    return this;
                }
            }
            if (used == kv.length) {
                if (used == 2 * TaskKwargs.SMALL) {
                    large = new LinkedHashMap<>(capacity(TaskKwargs.SMALL + 1));
                    for (int i = 0; i < used; i += 2) {
                        large.put((String) kv[i], kv[i + 1]);
                    }
                    large.put(key, value);
                    keysAndValues = null;
                    return this;
                }
                kv = Arrays.copyOf(kv, Math.max(2, Math.min(2 * TaskKwargs.SMALL, 2 * used)));
                keysAndValues = kv;
            }
            kv[used] = key;
            kv[used + 1] = value;
            next = used + 2;
            return this;
        }

        /** The unmodifiable map of what was put, which a {@link Task} holds without copying; spends this builder. */
        public Map<String, Object> build() {
            if (built) {
                throw new IllegalStateException("this kwargs builder has built its map already");
            }
            built = true;
            Map<String, Object> map;
            if (large == null) {
                map = TaskKwargs.adopt(keysAndValues, next);
            } else if (large.size() > TaskKwargs.SMALL) {
                map = TaskKwargs.adoptLarge(large);
            } else {
                map = TaskKwargs.copyOf(large); // an overstated hint: the compact form of a small map
            }
            keysAndValues = null;
            large = null;
            return map;
        }

        private static int capacity(int size) {
            return (int) Math.min(1 << 30, size * 4L / 3 + 1);
        }
    }

    /** The current time in epoch seconds with microsecond resolution, as Python's {@code time.time()}. */
    public static double now() {
        java.time.Instant instant = java.time.Instant.now();
        return instant.getEpochSecond() + instant.getNano() / 1_000_000_000.0;
    }
}
