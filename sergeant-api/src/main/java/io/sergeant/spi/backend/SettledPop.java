package io.sergeant.spi.backend;

import java.util.List;
import java.util.Objects;

/**
 * What {@link BackendLeases#ackAndPop} did: the ack of the previous receipts and the next leased
 * deliveries.
 *
 * <p>Over several nodes or shards the ack can fail on some of them while the others settle and lease
 * (a node down): then {@code ackFailure} names the failed nodes and holds the receipts they could not
 * settle ({@link PartialSettleException#unsettled()}, still leased as before: settle them again later),
 * {@code acked} is what the reachable nodes did, and {@code deliveries} are the tasks the reachable nodes
 * leased, delivered as from any pop, so a node that is down never costs what the healthy ones gave.
 *
 * @param acked      the ack's result, as {@link BackendLeases#ack} reports it (the reachable nodes' part
 *                   when {@code ackFailure} is set)
 * @param deliveries the deliveries leased by the same call, in delivery order (empty when nothing was due)
 * @param ackFailure null when every receipt was settled or refused; otherwise the nodes that failed and
 *                   the receipts they hold (since 0.2)
 * @since 0.1
 */
public record SettledPop(SettleResult acked, List<Delivery> deliveries, PartialSettleException ackFailure) {

    /** Checks for nulls and copies the deliveries. */
    public SettledPop {
        Objects.requireNonNull(acked, "acked is null");
        deliveries = List.copyOf(deliveries);
    }

    /** A settle-and-pop whose ack reached every node it had to. */
    public SettledPop(SettleResult acked, List<Delivery> deliveries) {
        this(acked, deliveries, null);
    }
}
