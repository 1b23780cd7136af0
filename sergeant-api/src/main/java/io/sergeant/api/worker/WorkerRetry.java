package io.sergeant.api.worker;

/**
 * Thrown by {@code retry}: the task was pushed again with {@code runCount + 1}; the runtime calls {@code onRetry}.
 */
public class WorkerRetry extends WorkerSignal {

    /** A signal with this message. */
    public WorkerRetry(String message) {
        super(message);
    }
}
