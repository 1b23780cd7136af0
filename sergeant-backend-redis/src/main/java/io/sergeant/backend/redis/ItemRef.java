package io.sergeant.backend.redis;

import io.sergeant.spi.backend.Receipt;

/**
 * Where a leased delivery lives: receipt id {@code <shard>:<batch>:<index>} with token
 * {@code <batch>.<index>} (unique per delivery, since a batch id is never reused).
 *
 * @param shard the shard index
 * @param batch the batch id on that shard
 * @param index the item's position in its batch, from 0
 */
record ItemRef(int shard, String batch, int index) {

    /** The receipt of item {@code index} of {@code batch} on {@code shard}. */
    static Receipt receipt(int shard, String batch, int index, int deliveryCount) {
        return new Receipt(shard + ":" + batch + ":" + index, batch + "." + index, deliveryCount);
    }

    /**
     * Reads a receipt of this backend; null when it is not one (another backend's receipt, a shard
     * this backend does not have, or a token that does not match the id).
     */
    static ItemRef parse(Receipt receipt, int shardCount) {
        String id = receipt.id();
        int first = id.indexOf(':');
        int second = first < 0 ? -1 : id.indexOf(':', first + 1);
        if (second < 0) {
            return null;
        }
        try {
            int shard = Integer.parseInt(id, 0, first, 10);
            int index = Integer.parseInt(id, second + 1, id.length(), 10);
            String batch = id.substring(first + 1, second);
            if (shard < 0 || shard >= shardCount || index < 0 || batch.isEmpty()
                    || !receipt.token().equals(batch + "." + index)) {
                return null;
            }
            return new ItemRef(shard, batch, index);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
