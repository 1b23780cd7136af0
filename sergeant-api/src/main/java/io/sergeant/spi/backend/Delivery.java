package io.sergeant.spi.backend;

import java.util.Objects;

/**
 * One task handed to a worker by {@link Backend#pop}.
 *
 * @param payload the encoded task, byte for byte as pushed
 * @param receipt the lease receipt in at-least-once mode; {@code null} in at-most-once mode, where the
 *                pop already deleted the task
 */
public record Delivery(byte[] payload, Receipt receipt) {

    /** Checks that the payload is present. */
    public Delivery {
        Objects.requireNonNull(payload, "payload is null");
    }

    /** Whether this delivery is leased (and so must be acked). */
    public boolean leased() {
        return receipt != null;
    }
}
