package io.sergeant.spi.backend;

import java.util.List;
import java.util.Objects;

/**
 * What {@link BackendLeases#ackAndPop} did: the ack of the previous receipts and the next leased
 * deliveries.
 *
 * @param acked      the ack's result, as {@link BackendLeases#ack} reports it
 * @param deliveries the deliveries leased by the same call, in delivery order (empty when nothing was due)
 * @since 0.1
 */
public record SettledPop(SettleResult acked, List<Delivery> deliveries) {

    /** Checks for nulls and copies the deliveries. */
    public SettledPop {
        Objects.requireNonNull(acked, "acked is null");
        deliveries = List.copyOf(deliveries);
    }
}
