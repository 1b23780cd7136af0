package io.sergeant.api.config;

/**
 * When to call {@code onStarvation}: after this many consecutive empty polls (one per poll interval,
 * one second by default, so the number reads as seconds), and on every further empty poll.
 *
 * @param timeWithNoTasks consecutive empty polls before the handler fires; positive
 */
public record Starvation(int timeWithNoTasks) {

    /** Checks that the threshold is positive. */
    public Starvation {
        if (timeWithNoTasks <= 0) {
            throw new IllegalArgumentException("starvation timeWithNoTasks must be positive: " + timeWithNoTasks);
        }
    }
}
