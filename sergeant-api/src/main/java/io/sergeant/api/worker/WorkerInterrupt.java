package io.sergeant.api.worker;

/**
 * Base of the signals that end the worker loop: {@link WorkerStop} and {@link WorkerRespawn}.
 */
public abstract class WorkerInterrupt extends WorkerSignal {

    /** A signal with this message. */
    protected WorkerInterrupt(String message) {
        super(message);
    }
}
