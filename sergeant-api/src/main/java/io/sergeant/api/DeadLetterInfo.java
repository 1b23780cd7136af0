package io.sergeant.api;

import java.util.Objects;

/**
 * What a listing shows of a dead letter without its payload: the payload's size instead of its
 * bytes, so that listing a queue full of large dead letters does not load them.
 *
 * @param id            the backend's identifier of this dead letter
 * @param payloadBytes  the size of the encoded task, in bytes
 * @param reason        why it was dead-lettered, for a human
 * @param deliveryCount how many times it was delivered before
 * @param deadAt        when it was dead-lettered, in epoch seconds
 * @since 0.2
 */
public record DeadLetterInfo(String id, long payloadBytes, String reason, int deliveryCount, double deadAt) {

    /** Checks that id and reason are present and the size is not negative. */
    public DeadLetterInfo {
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(reason, "reason is null");
        if (payloadBytes < 0) {
            throw new IllegalArgumentException("payloadBytes must not be negative: " + payloadBytes);
        }
    }

    /** The listing view of a dead letter. */
    public static DeadLetterInfo of(DeadLetter letter) {
        return new DeadLetterInfo(letter.id(), letter.payload().length, letter.reason(), letter.deliveryCount(),
                letter.deadAt());
    }
}
