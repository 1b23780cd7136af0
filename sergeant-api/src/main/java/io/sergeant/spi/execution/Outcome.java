package io.sergeant.spi.execution;

/** How a task's run ended, as routed to its handler. */
public enum Outcome {
    /** {@code work} returned; {@code onSuccess} ran. */
    SUCCESS,
    /** {@code work} threw; {@code onFailure} ran. */
    FAILURE,
    /** The task passed its timeout; {@code onTimeout} ran. */
    TIMEOUT,
    /** {@code retry} pushed the task again; {@code onRetry} ran. */
    RETRY,
    /** {@code retry} was refused at the maximum; {@code onMaxRetries} ran. */
    MAX_RETRIES,
    /** {@code requeue} pushed the task again; {@code onRequeue} ran. */
    REQUEUE,
    /** The task called {@code stop}: the worker ends, code 5. */
    STOP,
    /** The task called {@code respawn}: the worker ends, code 4. */
    RESPAWN;

    /** Whether this outcome ends the worker loop. */
    public boolean interruptsWorker() {
        return this == STOP || this == RESPAWN;
    }
}
