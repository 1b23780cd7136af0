package io.sergeant.backend.redis;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.PartialSettleException;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import io.sergeant.spi.backend.SettledPop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

import static io.sergeant.backend.redis.Replies.arg;
import static io.sergeant.backend.redis.Replies.number;
import static io.sergeant.backend.redis.Replies.text;
import static java.util.Objects.requireNonNull;

/**
 * The lease role: a leased pop leases whole batches (one lease entry per pop and shard), receipts
 * name shard, batch and index ({@link ItemRef}), and ack, extend, release and reap are one script
 * call per shard touched. The layout and scripts are in this module's {@code README.md}. Thread safe.
 */
final class RedisLeases implements BackendLeases {

    private static final System.Logger LOG = System.getLogger(RedisLeases.class.getName());

    /** Expired batches one reap script call handles; each holds at most one pop's tasks. */
    private static final int REAP_BATCHES = 100;

    private final Topology topology;
    private final Scripts scripts;
    private final RedisBackend.Limits limits;
    private final ShardRotation rotation = new ShardRotation();
    /** The batches leased last, whose receipts an ack recognises by identity. */
    private final ItemRef.Recent recent = new ItemRef.Recent();

    RedisLeases(Topology topology, Scripts scripts, RedisBackend.Limits limits) {
        this.topology = requireNonNull(topology, "topology is null");
        this.scripts = requireNonNull(scripts, "scripts is null");
        this.limits = requireNonNull(limits, "limits is null");
    }

    /** Leases up to {@code max} tasks of one shard as one batch and adds them to {@code out}. */
    void popLeased(String queue, Shard shard, int max, DeliveryOptions options, List<Delivery> out) {
        popLeased(queue, shard, max, options, null, out, null);
    }

    /**
     * Leases up to {@code max} tasks of one shard and adds them to {@code out}, after acking {@code acks}
     * (of this shard; null for none) in the same script call; the acks' refused items go to {@code grouped}.
     */
    private void popLeased(String queue, Shard shard, int max, DeliveryOptions options, ShardAcks acks,
                           List<Delivery> out, Grouped grouped) {
        List<byte[]> args = new ArrayList<>(8 + (acks == null ? 0 : acks.args().size()));
        args.addAll(List.of(arg(max), arg(Math.max(1, options.lease().toMillis())),
                arg(options.maxDeliveries()), arg(deadReason(options.maxDeliveries())), arg(Replies.leaseToken()),
                arg(limits.maxPayloadBytes()), arg(limits.deadCapPerShard(topology.shards(queue).size()))));
        if (acks != null) {
            args.addAll(acks.args());
        }
        List<?> result = (List<?>) shard.client().script(scripts.popLeased(), shard.keys().all(), args);
        RedisDeadLetters.noteRefusedAndTrimmed(limits, queue, shard, number(result.get(0)), number(result.get(1)));
        int refusedValues = (int) number(result.get(2));
        if (acks != null) {
            grouped.refuse(acks, result.subList(3, 3 + refusedValues));
        }
        // Then per batch: its id, delivery count, size and its payloads as one nested array.
        for (int i = 3 + refusedValues; i + 3 < result.size(); i += 4) {
            int n = (int) number(result.get(i + 2));
            List<?> payloads = (List<?>) result.get(i + 3);
            if (payloads.size() != n) {
                throw new IllegalStateException("pop_leased.lua returned " + payloads.size() + " payloads for a batch of " + n);
            }
            ItemRef.Batch batch = new ItemRef.Batch(shard.index(), text(result.get(i)), (int) number(result.get(i + 1)), n);
            recent.add(batch);
            for (int k = 0; k < n; k++) {
                out.add(new Delivery((byte[]) payloads.get(k), batch.receipt(k)));
            }
        }
    }

    /**
     * Settle-and-pop: per shard, the acks of its receipts ride in the script call that leases from it
     * ({@code pop_leased.lua} acks first), so a single node needs one call; shards visited in the same
     * rotation as a pop. Acks of shards the pop no longer needs go in an ack call of their own. A failing
     * shard costs nothing the others do: every other shard still acks and leases, the deliveries they gave
     * are returned and the failure comes back in {@link SettledPop#ackFailure()} (naming the shard and the
     * receipts it holds); the call throws only when no shard gave a delivery.
     */
    @Override
    public SettledPop ackAndPop(Backend backend, String queue, List<Receipt> receipts, int max, DeliveryOptions options) {
        BackendLeases.checkAckAndPop(queue, receipts, max, options);
        List<Shard> shards = topology.shards(queue);
        Grouped grouped = new Grouped(receipts, shards, recent);
        List<Delivery> out = new ArrayList<>(Math.min(max, 4096));
        int start = rotation.nextIndex(shards.size());
        for (int i = 0; i < shards.size(); i++) {
            Shard shard = shards.get((start + i) % shards.size());
            ShardAcks acks = grouped.forShard(shard.index());
            try {
                if (out.size() < max) {
                    popLeased(queue, shard, max - out.size(), options, acks, out, grouped);
                } else if (acks != null) {
                    grouped.refuse(acks, (List<?>) shard.client().script(scripts.ack(), shard.keys().all(), acks.args()));
                }
            } catch (RuntimeException e) {
                // A script call is atomic: on a failure this shard neither acked nor leased (unless only the
                // reply was lost; then its acks are refused as settled when sent again, and its leases expire).
                grouped.failed(shard.index(), acks, e);
            }
        }
        if (!grouped.anyFailed()) {
            return new SettledPop(grouped.result(queue), out);
        }
        PartialSettleException failure = grouped.failure(queue);
        if (out.isEmpty()) {
            throw failure;
        }
        LOG.log(System.Logger.Level.WARNING, "settle-and-pop on queue '" + queue + "': " + failure.getMessage()
                + "; delivering the " + out.size() + " task(s) the other shards gave");
        return new SettledPop(failure.done(), out, failure);
    }

    @Override
    public SettleResult ack(String queue, List<Receipt> receipts) {
        return settle(queue, receipts, scripts.ack(), null, false);
    }

    @Override
    public SettleResult extend(String queue, List<Receipt> receipts, Duration lease) {
        requireNonNull(lease, "lease is null");
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("a lease must be positive: " + lease);
        }
        return settle(queue, receipts, scripts.extend(), arg(Math.max(1, lease.toMillis())), false);
    }

    @Override
    public SettleResult release(String queue, List<Receipt> receipts) {
        return settle(queue, receipts, scripts.release(), arg(1), true);
    }

    @Override
    public SettleResult handBack(String queue, List<Receipt> receipts) {
        return settle(queue, receipts, scripts.release(), arg(0), true);
    }

    /**
     * Runs a settling script once per shard touched, with the receipts grouped by batch as
     * {@code batch, "0-99,120"} pairs; refused items come back as (pair number, index). With
     * {@code wake} the script gets the queue's wake-up list too (it makes tasks deliverable again).
     */
    private SettleResult settle(String queue, List<Receipt> receipts, LuaScript script, byte[] leading, boolean wake) {
        requireNonNull(queue, "queue is null");
        requireNonNull(receipts, "receipts is null");
        if (receipts.isEmpty()) {
            return SettleResult.all(0);
        }
        List<Shard> shards = topology.shards(queue);
        Grouped grouped = new Grouped(receipts, shards, recent);
        for (Shard shard : shards) {
            ShardAcks group = grouped.forShard(shard.index());
            if (group == null) {
                continue;
            }
            List<byte[]> args = group.args();
            if (leading != null) {
                args = new ArrayList<>(args.size() + 1);
                args.add(leading);
                args.addAll(group.args());
            }
            try {
                grouped.refuse(group, (List<?>) shard.client().script(script, wake ? shard.keys().withWake() : shard.keys().all(), args));
            } catch (RuntimeException e) {
                // Settle on every other shard first: a node that is down must not cost the healthy ones' work.
                grouped.failed(shard.index(), group, e);
            }
        }
        return grouped.result(queue);
    }

    /** One shard's receipts as script arguments ({@code batch, "0-99,120"} pairs) and the batch of each pair, in order. */
    private record ShardAcks(List<byte[]> args, List<BatchGroup> groups) {
    }

    /**
     * The receipts of one call that name one batch on one shard: their positions in the call and item
     * indexes, sorted by index once complete ({@link #seal}), with duplicates left out. Not thread safe.
     */
    private static final class BatchGroup {

        /** {@code <shard>:<batch>}, the start of the receipt ids of this batch. */
        final String key;
        final int shard;
        final String batch;
        /** The batch that made this group's receipts, if it is among the recent ones: its receipts are known by identity. */
        ItemRef.Batch made;
        /** The item index of the receipt added last, -1 before the first. */
        int lastIndex = -1;
        /** (index << 32 | position) while adding; sorted by {@link #seal}. */
        private long[] entries = new long[16];
        private int size;
        /** After {@link #seal}: the distinct indexes, ascending, and the position of each. */
        private int[] indexes;
        private int[] positions;
        private int distinct;

        BatchGroup(String key, int shard, String batch) {
            this.key = key;
            this.shard = shard;
            this.batch = batch;
        }

        /**
         * The item index of {@code receipt} if it is a well-formed receipt of this group's batch ({@code <key>:<index>},
         * its token the id), else -1 (then {@link ItemRef.Reader} decides). The receipts of one batch come one after
         * another, so most receipts of a call are read here, without finding their colons or shard again.
         */
        int indexOf(Receipt receipt) {
            String id = receipt.id();
            int length = key.length();
            if (id.length() <= length + 1 || id.charAt(length) != ':' || !id.startsWith(key) || !receipt.token().equals(id)) {
                return -1;
            }
            return ItemRef.Reader.canonical(id, length + 1, id.length());
        }

        /**
         * The item index of {@code receipt} if it is the receipt the recent batch made for the item after the last
         * one added (receipts come in pop order), checked by identity without reading its id; else -1.
         */
        int nextMade(Receipt receipt) {
            int expected = lastIndex + 1;
            return made != null && made.made(expected, receipt) ? expected : -1;
        }

        void add(int position, int index) {
            lastIndex = index;
            if (size == entries.length) {
                entries = Arrays.copyOf(entries, size * 2);
            }
            entries[size++] = (long) index << 32 | position;
        }

        /**
         * Sorts the items by index (receipts of one pop come in order, so usually there is nothing to sort),
         * marks a repeated item (the same receipt twice in the call) refused and returns the index spec
         * ({@code 0-99,120}: a whole batch is one range).
         */
        String seal(boolean[] refused) {
            boolean sorted = true;
            for (int k = 1; k < size && sorted; k++) {
                sorted = entries[k - 1] < entries[k];
            }
            if (!sorted) {
                Arrays.sort(entries, 0, size);
            }
            indexes = new int[size];
            positions = new int[size];
            for (int k = 0; k < size; k++) {
                int index = (int) (entries[k] >>> 32);
                int position = (int) entries[k];
                if (distinct > 0 && indexes[distinct - 1] == index) {
                    refused[position] = true; // the same receipt twice in this call: the first one counts
                    continue;
                }
                indexes[distinct] = index;
                positions[distinct++] = position;
            }
            StringBuilder spec = new StringBuilder();
            int k = 0;
            while (k < distinct) {
                int end = k;
                while (end + 1 < distinct && indexes[end + 1] == indexes[end] + 1) {
                    end++;
                }
                spec.append(spec.length() == 0 ? "" : ",").append(indexes[k]);
                if (end > k) {
                    spec.append('-').append(indexes[end]);
                }
                k = end + 1;
            }
            return spec.toString();
        }

        /** The position of the receipt of item {@code index} in the call, or -1 if this group has none. */
        int positionOf(int index) {
            int k = Arrays.binarySearch(indexes, 0, distinct, index);
            return k < 0 ? -1 : positions[k];
        }

        void forEachPosition(IntConsumer action) {
            for (int k = 0; k < distinct; k++) {
                action.accept(positions[k]);
            }
        }
    }

    /**
     * Receipts parsed and grouped by shard and batch, with the refused ones marked as replies come in. Linear
     * in the receipts: ids are read in place ({@link ItemRef.Reader}), and the receipts of one batch, which
     * come one after another, are recognised without a lookup: by identity when they are the very receipts
     * one of the batches leased last made ({@link BatchGroup#nextMade}, which reads no id: the receipts of a
     * batch acked a while after they were made are mostly out of the cache), else against the current
     * group's {@code <shard>:<batch>} prefix ({@link BatchGroup#indexOf}). Both give the same index for the
     * same receipt, so results do not depend on which path recognised it.
     */
    private static final class Grouped {

        private final List<Receipt> receipts;
        private final boolean[] refused;
        private final Map<Integer, ShardAcks> byShard = new HashMap<>();
        private final boolean[] failed;
        private final List<Integer> failedShards = new ArrayList<>();
        private RuntimeException failure;

        Grouped(List<Receipt> receipts, List<Shard> shards, ItemRef.Recent recent) {
            this.receipts = receipts;
            int n = receipts.size();
            this.refused = new boolean[n];
            this.failed = new boolean[n];
            Map<String, BatchGroup> groups = new LinkedHashMap<>();
            ItemRef.Reader reader = new ItemRef.Reader();
            BatchGroup current = null;
            for (int i = 0; i < n; i++) {
                Receipt receipt = requireNonNull(receipts.get(i), "a receipt is null");
                int index = -1;
                if (current != null) {
                    index = current.nextMade(receipt);
                    if (index < 0) {
                        index = current.indexOf(receipt);
                    }
                }
                if (index < 0) {
                    if (!reader.read(receipt, shards.size())) {
                        refused[i] = true; // not one of ours
                        continue;
                    }
                    String id = receipt.id();
                    String key = id.substring(0, reader.batchEnd);
                    current = groups.get(key);
                    if (current == null) {
                        current = new BatchGroup(key, reader.shard, id.substring(reader.batchStart, reader.batchEnd));
                        current.made = recent.find(key);
                        groups.put(key, current);
                    }
                    index = reader.index;
                }
                current.add(i, index);
            }
            Map<Integer, List<BatchGroup>> perShard = new LinkedHashMap<>();
            for (BatchGroup group : groups.values()) {
                perShard.computeIfAbsent(group.shard, s -> new ArrayList<>()).add(group);
            }
            for (Map.Entry<Integer, List<BatchGroup>> shard : perShard.entrySet()) {
                List<byte[]> args = new ArrayList<>(2 * shard.getValue().size());
                for (BatchGroup group : shard.getValue()) {
                    args.add(arg(group.batch));
                    args.add(arg(group.seal(refused)));
                }
                byShard.put(shard.getKey(), new ShardAcks(args, shard.getValue()));
            }
        }

        /** The receipts of this shard, or null when it has none. */
        ShardAcks forShard(int shard) {
            return byShard.get(shard);
        }

        /** Marks the items a script refused, given as (pair number, index) values. */
        void refuse(ShardAcks acks, List<?> refusedItems) {
            for (int k = 0; k + 1 < refusedItems.size(); k += 2) {
                BatchGroup group = acks.groups().get((int) number(refusedItems.get(k)) - 1);
                int position = group.positionOf((int) number(refusedItems.get(k + 1)));
                if (position >= 0) {
                    refused[position] = true;
                }
            }
        }

        /** Marks the receipts of a shard whose script call failed: neither settled nor refused. */
        void failed(int shard, ShardAcks acks, RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
            failedShards.add(shard);
            if (acks != null) {
                acks.groups().forEach(group -> group.forEachPosition(position -> failed[position] = true));
            }
        }

        /** Whether a shard's call failed. */
        boolean anyFailed() {
            return failure != null;
        }

        /**
         * What the shards did; when some failed, a {@link PartialSettleException} with that result and the
         * failed shards' receipts.
         */
        SettleResult result(String queue) {
            if (failure != null) {
                throw failure(queue);
            }
            return done();
        }

        /** The failure of the shards that failed, with what the others did; only after {@link #failed}. */
        PartialSettleException failure(String queue) {
            SettleResult done = done();
            List<Receipt> unsettled = unsettled();
            ErrorCode code = failure instanceof SergeantException known ? known.code() : ErrorCode.BACKEND_UNAVAILABLE;
            return new PartialSettleException(code, "could not settle " + unsettled.size() + " task(s) of queue '" + queue
                    + "' on shard(s) " + failedShards + " (" + failure.getMessage() + "); the other shards settled "
                    + done.settled() + " and refused " + done.refused().size()
                    + "; settle the rest again once the node is back (their leases are unchanged)", done, unsettled, failure);
        }

        private SettleResult done() {
            List<Receipt> refusedReceipts = new ArrayList<>();
            int unsettled = 0;
            for (int i = 0; i < receipts.size(); i++) {
                if (failed[i]) {
                    unsettled++;
                } else if (refused[i]) {
                    refusedReceipts.add(receipts.get(i));
                }
            }
            return new SettleResult(receipts.size() - refusedReceipts.size() - unsettled, refusedReceipts);
        }

        private List<Receipt> unsettled() {
            List<Receipt> unsettled = new ArrayList<>();
            for (int i = 0; i < receipts.size(); i++) {
                if (failed[i]) {
                    unsettled.add(receipts.get(i));
                }
            }
            return unsettled;
        }
    }

    @Override
    public ReapResult reap(String queue, int maxDeliveries) {
        requireNonNull(queue, "queue is null");
        if (maxDeliveries <= 0) {
            throw new IllegalArgumentException("maxDeliveries must be positive: " + maxDeliveries);
        }
        List<Shard> shards = topology.shards(queue);
        List<byte[]> args = List.of(arg(maxDeliveries), arg(REAP_BATCHES), arg(deadReason(maxDeliveries)),
                arg(limits.deadCapPerShard(shards.size())));
        int redelivered = 0;
        int deadLettered = 0;
        RuntimeException failure = null;
        for (Shard shard : shards) {
            try {
                while (true) {
                    List<?> result = (List<?>) shard.client().script(scripts.reap(), shard.keys().withWake(), args);
                    redelivered += (int) number(result.get(0));
                    deadLettered += (int) number(result.get(1));
                    RedisDeadLetters.noteTrimmed(limits, queue, shard, number(result.get(3)));
                    if (number(result.get(2)) < REAP_BATCHES) {
                        break;
                    }
                }
            } catch (RuntimeException e) {
                // Reap the reachable shards anyway; a down node's leases wait for the next reap.
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return redelivered == 0 && deadLettered == 0 ? ReapResult.NONE : new ReapResult(redelivered, deadLettered);
    }

    private static String deadReason(int maxDeliveries) {
        return "lease expired after the last allowed delivery (maxDeliveries " + maxDeliveries + ")";
    }
}
