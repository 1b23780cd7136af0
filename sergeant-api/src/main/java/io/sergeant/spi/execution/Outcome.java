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
    RESPAWN,
    /**
     * The process running the task died on its own before it reported (killed by a signal, the OOM
     * killer, {@code System.exit}, a crash): the delivery is lost, not settled, and no handler ran. Core
     * hands an at-least-once delivery back counting it as a delivery (it runs again, and a task that
     * kills its process every time reaches the dead letters after {@code maxDeliveries}); an at-most-once
     * task cannot run again, so core then reports it through {@code postWork} and {@code onFailure}. A
     * child killed by the timeout is {@link #TIMEOUT}, not this.
     */
    LOST;

    /** Whether this outcome ends the worker loop. */
    public boolean interruptsWorker() {
        return this == STOP || this == RESPAWN;
    }
}
