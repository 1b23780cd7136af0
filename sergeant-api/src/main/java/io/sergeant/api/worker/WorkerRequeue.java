package io.sergeant.api.worker;

/**
 * Thrown by {@code requeue}: the task was pushed again unchanged; the runtime calls {@code onRequeue}.
 */
public class WorkerRequeue extends WorkerSignal {

    /** A signal with this message. */
    public WorkerRequeue(String message) {
        super(message);
    }
}
