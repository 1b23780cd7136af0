package io.sergeant.api;

import java.util.Objects;

/**
 * A task that was given up on: it was delivered {@code maxDeliveries} times without being
 * acknowledged, or it could not be decoded. Its payload is kept byte for byte so it can be
 * inspected, requeued or purged.
 *
 * @param id            the backend's identifier of this dead letter
 * @param payload       the encoded task, exactly as it was in the queue
 * @param reason        why it was dead-lettered, for a human
 * @param deliveryCount how many times it was delivered before
 * @param deadAt        when it was dead-lettered, in epoch seconds
 */
public record DeadLetter(String id, byte[] payload, String reason, int deliveryCount, double deadAt) {

    /** Checks that id, payload and reason are present. */
    public DeadLetter {
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(payload, "payload is null");
        Objects.requireNonNull(reason, "reason is null");
    }
}
