package io.sergeant.api.observe;

/**
 * How one run of a task ended, as a listener sees it. Each value names the handler that ran; the
 * lower-case {@link #tag()} is the value metric systems use.
 */
public enum TaskOutcome {
    /** {@code work} returned; {@code onSuccess} ran. */
    SUCCEEDED("succeeded"),
    /** {@code work} threw; {@code onFailure} ran. */
    FAILED("failed"),
    /** The task passed its timeout; {@code onTimeout} ran. */
    TIMED_OUT("timed_out"),
    /** {@code retry} pushed the task again; {@code onRetry} ran. */
    RETRIED("retried"),
    /** {@code retry} was refused at {@code maxRetries}; {@code onMaxRetries} ran. */
    MAX_RETRIES("max_retries"),
    /** {@code requeue} pushed the task again; {@code onRequeue} ran. */
    REQUEUED("requeued"),
    /** The task called {@code stop}; the worker ends. */
    STOPPED("stopped"),
    /** The task called {@code respawn}; the worker ends to be replaced. */
    RESPAWNED("respawned"),
    /**
     * The process running the task died on its own (a signal, the OOM killer, a crash) before it reported;
     * no handler ran. At-least-once hands the delivery back, counted, to run again.
     */
    LOST("lost");

    private final String tag;

    TaskOutcome(String tag) {
        this.tag = tag;
    }

    /** The outcome in lower snake case, for metric tags and log fields: {@code succeeded}, {@code timed_out}... */
    public String tag() {
        return tag;
    }
}
