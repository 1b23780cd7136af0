package io.sergeant.core.internal.runtime;

import java.time.Duration;
import java.util.Objects;

/**
 * Exponential backoff of a worker's calls to a backend that does not answer: the first failure waits
 * {@code initial}, each further failure in a row twice as long, up to {@code max}; a success resets it.
 * Callers log one line per {@link #failed()} step, so a worker polling a dead backend logs once per
 * backoff step (at most once per {@code max} in a long outage), never once per poll. Not thread safe:
 * one per caller.
 */
final class Backoff {

    /** The default first wait. */
    static final Duration INITIAL = Duration.ofMillis(250);
    /** The default longest wait: short enough that a worker is back within 5 s of a healed outage. */
    static final Duration MAX = Duration.ofSeconds(3);

    private final long initialNanos;
    private final long maxNanos;
    private long nextNanos;
    private int failures;

    /** A backoff from {@link #INITIAL} doubling to {@link #MAX}. */
    Backoff() {
        this(INITIAL, MAX);
    }

    /** A backoff from {@code initial} doubling to {@code max}; both positive, {@code max >= initial}. */
    Backoff(Duration initial, Duration max) {
        Objects.requireNonNull(initial, "initial is null");
        Objects.requireNonNull(max, "max is null");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("a backoff needs 0 < initial <= max: " + initial + ", " + max);
        }
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.nextNanos = initialNanos;
    }

    /**
     * One wait after a failure.
     *
     * @param delay    how long to wait before the next try
     * @param failures failures in a row, this one included
     */
    record Step(Duration delay, int failures) {
    }

    /** Records a failure; returns how long to wait before the next try. */
    Step failed() {
        failures++;
        long wait = nextNanos;
        nextNanos = Math.min(maxNanos, nextNanos * 2);
        return new Step(Duration.ofNanos(wait), failures);
    }

    /** Records a success; returns how many failures in a row it ends (0 if none). */
    int succeeded() {
        int ended = failures;
        failures = 0;
        nextNanos = initialNanos;
        return ended;
    }

    /** Failures in a row so far. */
    int failures() {
        return failures;
    }
}
