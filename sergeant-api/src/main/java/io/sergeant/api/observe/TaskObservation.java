package io.sergeant.api.observe;

import java.time.Duration;

/**
 * A listener's handle on one running task, returned by {@link SergeantListener#taskStarted}.
 *
 * <p>{@link #ended} is called exactly once, on the thread that called {@code taskStarted} and ran the
 * task (its hooks, {@code work} and its handler ran in between on that thread), so an implementation
 * may keep thread-bound state such as a tracing scope or an SLF4J MDC entry open in between. It must
 * not throw; core logs and ignores what it throws.
 */
@FunctionalInterface
public interface TaskObservation {

    /** Observes nothing. */
    TaskObservation NONE = (outcome, duration, error) -> { };

    /**
     * The task's run ended.
     *
     * @param outcome  which handler ran
     * @param duration from just before {@code preWork} to after the outcome handler
     * @param error    the failure or timeout of {@code work} ({@code Type: message}), or null
     */
    void ended(TaskOutcome outcome, Duration duration, String error);
}
