package io.sergeant.api.observe;

import io.sergeant.api.Broker;

import java.util.Objects;

/**
 * The worker a listener observes, handed to {@link SergeantListener#workerStarted} and
 * {@link SergeantListener#workerStopped}.
 *
 * @param queue       the queue the worker consumes (its configuration's name)
 * @param workerId    this worker process's id: its pid, as {@code sergeant workers} lists it
 * @param delivery    the delivery mode, {@code at-least-once} or {@code at-most-once}
 * @param concurrency how many tasks the worker runs at once
 * @param broker      the worker's broker, open until {@code workerStopped} returns; a listener may
 *                    read {@link Broker#stats} with it (from its own thread: the calls block)
 */
public record WorkerInfo(String queue, String workerId, String delivery, int concurrency, Broker broker) {

    /** Checks that no part is null. */
    public WorkerInfo {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(workerId, "workerId is null");
        Objects.requireNonNull(delivery, "delivery is null");
        Objects.requireNonNull(broker, "broker is null");
    }
}
