package io.sergeant.api.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Task time limits.
 *
 * @param timeout     a task running longer is interrupted and reported as timed out; zero disables
 * @param gracePeriod how long after the timeout a task may take to stop before it is killed by force
 *                    (process executor) or the worker asks to be respawned (thread executor)
 */
public record Timeouts(Duration timeout, Duration gracePeriod) {

    /** No timeout, 10 s grace period, as Python Sergeant. */
    public static final Timeouts DEFAULT = new Timeouts(Duration.ZERO, Duration.ofSeconds(10));

    /** Checks that both durations are present and not negative. */
    public Timeouts {
        Objects.requireNonNull(timeout, "timeout is null");
        Objects.requireNonNull(gracePeriod, "gracePeriod is null");
        if (timeout.isNegative() || gracePeriod.isNegative()) {
            throw new IllegalArgumentException("timeouts must not be negative: timeout=" + timeout + ", gracePeriod=" + gracePeriod);
        }
    }

    /** Whether a timeout is configured. */
    public boolean enabled() {
        return !timeout.isZero();
    }

    /** A timeout with the default grace period. */
    public static Timeouts of(Duration timeout) {
        return new Timeouts(timeout, DEFAULT.gracePeriod());
    }
}
