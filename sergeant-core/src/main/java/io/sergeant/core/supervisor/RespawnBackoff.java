package io.sergeant.core.supervisor;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Supervisor} paces the respawns of workers that die young, so that a crash loop (a worker
 * that fails at start, a poison task, the OOM killer) does not spin JVMs as fast as they start: a worker
 * that lived less than {@code resetAfter} is replaced after {@code initial}, the next one in a row after
 * twice that, up to {@code max}; a worker that lived {@code resetAfter} or more is replaced at once and
 * ends the streak. Each delayed respawn is logged with why. Immutable.
 *
 * @param initial    the first delay; positive
 * @param max        the longest delay; at least {@code initial}
 * @param resetAfter how long a worker must live for its replacement to start at once; positive
 */
public record RespawnBackoff(Duration initial, Duration max, Duration resetAfter) {

    /** The default: 1 s doubling to 60 s, reset after a worker lived 60 s. */
    public static final RespawnBackoff DEFAULT = new RespawnBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60),
            Duration.ofSeconds(60));

    /**
     * Checks the parts.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} for a non-positive delay or a maximum below the first delay
     */
    public RespawnBackoff {
        Objects.requireNonNull(initial, "initial is null");
        Objects.requireNonNull(max, "max is null");
        Objects.requireNonNull(resetAfter, "resetAfter is null");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0 || resetAfter.isNegative()
                || resetAfter.isZero()) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "invalid respawn backoff " + initial + " doubling to "
                    + max + ", reset after " + resetAfter + "; give 0 < initial <= max and a positive reset time");
        }
    }

    /** The delay before the {@code streak}-th young death in a row is replaced (1-based). */
    public Duration delay(int streak) {
        Duration delay = initial;
        for (int i = 1; i < streak && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(max) > 0 ? max : delay;
    }
}
