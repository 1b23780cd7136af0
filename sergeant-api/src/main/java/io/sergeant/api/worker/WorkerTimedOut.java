package io.sergeant.api.worker;

/**
 * Reports that a task passed its timeout; the runtime calls {@code onTimeout}. In Java the killer interrupts the task's thread; this signal is what {@code postWork} receives as the exception.
 */
public class WorkerTimedOut extends WorkerSignal {

    /** A signal with this message. */
    public WorkerTimedOut(String message) {
        super(message);
    }
}
