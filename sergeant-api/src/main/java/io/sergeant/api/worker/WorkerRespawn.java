package io.sergeant.api.worker;

/**
 * Thrown by {@code respawn}: the worker finishes the tasks in hand, runs {@code finalizeWorker} and exits with code 4; the supervisor starts a replacement.
 */
public class WorkerRespawn extends WorkerInterrupt {

    /** A signal with this message. */
    public WorkerRespawn(String message) {
        super(message);
    }
}
