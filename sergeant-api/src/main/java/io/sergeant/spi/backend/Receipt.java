package io.sergeant.spi.backend;

import java.util.Objects;

/**
 * Proof of a lease on one delivered task, handed back to settle it. A receipt whose lease expired
 * and was given to another worker is stale: acks and extensions with it are refused.
 *
 * @param id            the backend's identifier of the task
 * @param token         the lease token of this delivery, unique per delivery
 * @param deliveryCount how many times the task has been delivered, this delivery included (1 first)
 */
public record Receipt(String id, String token, int deliveryCount) {

    /** Checks that id and token are present. */
    public Receipt {
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(token, "token is null");
    }
}
