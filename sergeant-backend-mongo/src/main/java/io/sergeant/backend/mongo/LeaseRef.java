package io.sergeant.backend.mongo;

import io.sergeant.spi.backend.Receipt;
import org.bson.types.ObjectId;

import java.util.Optional;

/**
 * What a {@link Receipt} of this backend points at: the node, the task's {@code _id}, and the lease
 * token of the batch that leased it (stored in the task as {@code sergeant_lease}).
 *
 * <p>Receipt formats: id {@code <node>:<objectId hex>}; token {@code <batch token>/<objectId hex>},
 * so that every delivery's token is unique while one batch shares one stored token (one update
 * claims a whole batch). Immutable.
 *
 * @param node    index of the node in the configured list
 * @param id      the task document's {@code _id}
 * @param batch   the batch lease token stored in the document
 * @param receipt the receipt this was parsed from (reported back when refused)
 */
record LeaseRef(int node, ObjectId id, String batch, Receipt receipt) {

    /** The receipt of a delivery of task {@code id} on {@code node}, leased by {@code batch}. */
    static Receipt receipt(int node, ObjectId id, String batch, int deliveryCount) {
        String hex = id.toHexString();
        return new Receipt(node + ":" + hex, batch + "/" + hex, deliveryCount);
    }

    /** The dead letter or task identifier {@code <node>:<hex>}. */
    static String id(int node, ObjectId id) {
        return node + ":" + id.toHexString();
    }

    /**
     * Parses a receipt; empty when it cannot be one of this backend's (a different backend's receipt,
     * or a node index outside {@code 0..nodes-1}); such receipts are refused, never acted on.
     */
    static Optional<LeaseRef> parse(Receipt receipt, int nodes) {
        String id = receipt.id();
        int colon = id.indexOf(':');
        int slash = receipt.token().lastIndexOf('/');
        if (colon <= 0 || slash <= 0) {
            return Optional.empty();
        }
        String hex = id.substring(colon + 1);
        if (!ObjectId.isValid(hex) || !receipt.token().substring(slash + 1).equals(hex)) {
            return Optional.empty();
        }
        int node;
        try {
            node = Integer.parseInt(id.substring(0, colon));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (node < 0 || node >= nodes) {
            return Optional.empty();
        }
        return Optional.of(new LeaseRef(node, new ObjectId(hex), receipt.token().substring(0, slash), receipt));
    }
}
