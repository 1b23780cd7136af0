package io.sergeant.backend.redis;

import io.sergeant.spi.backend.Receipt;

/**
 * Where a leased delivery lives: receipt id {@code <shard>:<batch>:<index>}, and the receipt's token is
 * that same string (the id is unique per delivery, since a batch id is never reused; one string per
 * receipt, hashed once by the worker's sets of held receipts). Shard and index are written in canonical
 * decimal (no sign, no leading zero), so an id names one item one way only.
 *
 * @param shard the shard index
 * @param batch the batch id on that shard
 * @param index the item's position in its batch, from 0
 */
record ItemRef(int shard, String batch, int index) {

    /**
     * Reads a receipt of this backend; null when it is not one (another backend's receipt, a shard
     * this backend does not have, a number not in canonical decimal, or a token that does not match the id).
     */
    static ItemRef parse(Receipt receipt, int shardCount) {
        Reader reader = new Reader();
        if (!reader.read(receipt, shardCount)) {
            return null;
        }
        return new ItemRef(reader.shard, receipt.id().substring(reader.batchStart, reader.batchEnd), reader.index);
    }

    /**
     * The receipts of one leased batch, made at once: the id prefix is built once per batch, so a receipt
     * costs one short concatenation (a pop makes up to a thousand of them). It keeps the receipts it made,
     * so that an ack can recognise them by identity ({@link #made}) without reading their ids. Immutable
     * (the receipts are made in the constructor and published through a final field).
     */
    static final class Batch {

        /** {@code <shard>:<batch>}, the start of this batch's receipt ids. */
        final String key;
        private final Receipt[] receipts;

        Batch(int shard, String batch, int deliveryCount, int size) {
            this.key = shard + ":" + batch;
            String idPrefix = key + ":";
            Receipt[] made = new Receipt[size];
            for (int index = 0; index < size; index++) {
                String id = idPrefix + index;
                made[index] = new Receipt(id, id, deliveryCount);
            }
            this.receipts = made;
        }

        /** How many receipts this batch made. */
        int size() {
            return receipts.length;
        }

        /** The receipt of item {@code index} of this batch: id and token are the same string. */
        Receipt receipt(int index) {
            return receipts[index];
        }

        /**
         * Whether {@code receipt} is the very object this batch made for item {@code index} (not merely an equal
         * one): then it is well formed, {@code <key>:<index>} with its id as token, without reading it.
         */
        boolean made(int index, Receipt receipt) {
            return index >= 0 && index < receipts.length && receipts[index] == receipt;
        }
    }

    /**
     * The batches made last, so that an ack finds the batch of its receipts and checks them by identity. A
     * fixed ring of {@value #SLOTS} batches of at most {@value #MAX_RECEIPTS} receipts each (so it holds at
     * most that many receipts past their ack); a batch not found (older, larger, from another process or
     * forged) costs only the ids being read, as before. Thread safe without locks: slots are written and read
     * racily, which is safe because a batch is immutable (final fields) and any batch seen, old or new, is a
     * correct one.
     */
    static final class Recent {

        static final int SLOTS = 16;
        static final int MAX_RECEIPTS = 4096;

        private final Batch[] slots = new Batch[SLOTS];
        private int next;

        /** Remembers {@code batch}, forgetting the oldest one, unless it is larger than {@value #MAX_RECEIPTS}. */
        void add(Batch batch) {
            if (batch.size() > MAX_RECEIPTS) {
                return;
            }
            int slot = next; // racy: two pops at once may write one slot, which only forgets a batch
            slots[slot] = batch;
            next = (slot + 1) % SLOTS;
        }

        /** The remembered batch of this {@code <shard>:<batch>} key, or null. */
        Batch find(String key) {
            for (Batch batch : slots) {
                if (batch != null && batch.key.equals(key)) {
                    return batch;
                }
            }
            return null;
        }
    }

    /**
     * Reads receipt ids in place, without allocating: after {@link #read} returned true, {@link #shard},
     * {@link #index} and the batch's span {@code [batchStart, batchEnd)} of the id describe the receipt;
     * {@code id.substring(0, batchEnd)} ({@code <shard>:<batch>}) names its batch on its shard. Reusable,
     * not thread safe.
     */
    static final class Reader {

        int shard;
        int index;
        int batchStart;
        int batchEnd;

        /** Whether {@code receipt} is one of this backend's for a shard below {@code shardCount}; fills the fields if so. */
        boolean read(Receipt receipt, int shardCount) {
            String id = receipt.id();
            int first = id.indexOf(':');
            int second = first < 0 ? -1 : id.indexOf(':', first + 1);
            if (second < 0) {
                return false;
            }
            int shardValue = canonical(id, 0, first);
            int indexValue = canonical(id, second + 1, id.length());
            int batchLength = second - first - 1;
            if (shardValue < 0 || shardValue >= shardCount || indexValue < 0 || batchLength == 0) {
                return false;
            }
            // The token is the id itself (the same String for the receipts this backend makes: no comparison).
            if (!receipt.token().equals(id)) {
                return false;
            }
            shard = shardValue;
            index = indexValue;
            batchStart = first + 1;
            batchEnd = second;
            return true;
        }

        /** The canonical decimal in {@code text[from, to)} (at most 9 digits, no leading zero), or -1. */
        static int canonical(String text, int from, int to) {
            int length = to - from;
            if (length <= 0 || length > 9 || (length > 1 && text.charAt(from) == '0')) {
                return -1;
            }
            int value = 0;
            for (int i = from; i < to; i++) {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                value = value * 10 + (c - '0');
            }
            return value;
        }
    }
}
