package io.sergeant.spi.backend;

import java.util.List;

/**
 * What an ack, extension or release did with a batch of receipts.
 *
 * @param settled how many receipts were valid and acted on
 * @param refused the receipts refused because their lease was lost (expired and re-leased, or
 *                already settled)
 */
public record SettleResult(int settled, List<Receipt> refused) {

    /** Copies the refused list. */
    public SettleResult {
        refused = List.copyOf(refused);
    }

    /** Everything settled. */
    public static SettleResult all(int count) {
        return new SettleResult(count, List.of());
    }
}
