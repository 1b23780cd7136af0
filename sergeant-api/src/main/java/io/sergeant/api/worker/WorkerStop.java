package io.sergeant.api.worker;

/**
 * Thrown by {@code stop}: the worker finishes the tasks in hand, runs {@code finalizeWorker} and exits with code 5; the supervisor then stops every worker and respawns none.
 */
public class WorkerStop extends WorkerInterrupt {

    /** A signal with this message. */
    public WorkerStop(String message) {
        super(message);
    }
}
