package io.sergeant.api.worker;

/**
 * Thrown by {@code retry} when the task already ran {@code maxRetries} retries; nothing was pushed; the runtime calls {@code onMaxRetries}.
 */
public class WorkerMaxRetries extends WorkerSignal {

    /** A signal with this message. */
    public WorkerMaxRetries(String message) {
        super(message);
    }
}
