package io.sergeant.backend.mongo;

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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The lease role of {@link MongoBackend}: settles go to the node each receipt names
 * ({@link LeaseRef}), every reachable node settles even when another is down
 * ({@link PartialSettleException} names what is left), and reap visits every node. Receipts that are
 * not this backend's, or listed twice in one call, are refused and never acted on. Settle-and-pop on
 * one node is {@link TaskStore#ackAndPop} (one find and one bulk write per batch); on several nodes it
 * is the two calls. Thread safe.
 */
final class MongoLeases implements BackendLeases {

    private final MongoNodes nodes;
    private final MongoWakeups wakeups;

    MongoLeases(MongoNodes nodes, MongoWakeups wakeups) {
        this.nodes = nodes;
        this.wakeups = wakeups;
    }

    @Override
    public SettleResult ack(String queue, List<Receipt> receipts) {
        return settle(queue, receipts, "ack", (n, refs, refused) -> nodes.leases(n).ack(queue, refs, refused));
    }

    @Override
    public SettledPop ackAndPop(Backend backend, String queue, List<Receipt> receipts, int max, DeliveryOptions options) {
        BackendLeases.checkAckAndPop(queue, receipts, max, options);
        if (nodes.size() != 1) {
            return BackendLeases.super.ackAndPop(backend, queue, receipts, max, options);
        }
        wakeups.popping(queue);
        List<Receipt> refused = new ArrayList<>();
        List<LeaseRef> refs = parse(receipts, refused).getOrDefault(0, List.of());
        List<Delivery> out = new ArrayList<>();
        int settled = nodes.call(0, "ack " + refs.size() + " task(s) and pop up to " + max + " from queue '" + queue + "'",
                () -> nodes.tasks(0).ackAndPop(queue, refs, refused, max, options, out));
        return new SettledPop(result(receipts, settled, refused), out);
    }

    @Override
    public SettleResult extend(String queue, List<Receipt> receipts, Duration lease) {
        Objects.requireNonNull(lease, "lease is null");
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("a lease must be positive: " + lease);
        }
        return settle(queue, receipts, "extend", (n, refs, refused) -> nodes.leases(n).extend(queue, refs, lease, refused));
    }

    @Override
    public SettleResult release(String queue, List<Receipt> receipts) {
        return settled(queue, settle(queue, receipts, "release",
                (n, refs, refused) -> nodes.leases(n).release(queue, refs, refused, true)));
    }

    @Override
    public SettleResult handBack(String queue, List<Receipt> receipts) {
        return settled(queue, settle(queue, receipts, "hand back",
                (n, refs, refused) -> nodes.leases(n).release(queue, refs, refused, false)));
    }

    @Override
    public ReapResult reap(String queue, int maxDeliveries) {
        Objects.requireNonNull(queue, "queue is null");
        if (maxDeliveries <= 0) {
            throw new IllegalArgumentException("maxDeliveries must be positive: " + maxDeliveries);
        }
        int redelivered = 0;
        int dead = 0;
        for (int node = 0; node < nodes.size(); node++) {
            int n = node;
            ReapResult result = nodes.call(n, "reap expired leases of queue '" + queue + "'",
                    () -> nodes.leases(n).reap(queue, maxDeliveries));
            redelivered += result.redelivered();
            dead += result.deadLettered();
        }
        if (redelivered > 0) {
            wakeups.deliverable(queue);
        }
        return redelivered == 0 && dead == 0 ? ReapResult.NONE : new ReapResult(redelivered, dead);
    }

    /** Released tasks are deliverable again: wake this JVM's idle workers of the queue. */
    private SettleResult settled(String queue, SettleResult result) {
        if (result.settled() > 0) {
            wakeups.deliverable(queue);
        }
        return result;
    }

    /** What ack, extend and release do with the parsed receipts of one node. */
    @FunctionalInterface
    private interface Settler {
        int settle(int node, List<LeaseRef> refs, List<Receipt> refused);
    }

    private SettleResult settle(String queue, List<Receipt> receipts, String verb, Settler settler) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(receipts, "receipts is null");
        List<Receipt> refused = new ArrayList<>();
        int settled = 0;
        SergeantException failure = null;
        List<Integer> failedNodes = new ArrayList<>();
        List<Receipt> unsettled = new ArrayList<>();
        for (Map.Entry<Integer, List<LeaseRef>> entry : parse(receipts, refused).entrySet()) {
            int node = entry.getKey();
            try {
                settled += nodes.call(node, verb + " " + entry.getValue().size() + " task(s) of queue '" + queue + "'",
                        () -> settler.settle(node, entry.getValue(), refused));
            } catch (SergeantException e) {
                // Settle on every other node first: a node that is down must not cost the healthy ones' work.
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
                failedNodes.add(node);
                entry.getValue().forEach(ref -> unsettled.add(ref.receipt()));
            }
        }
        SettleResult done = result(receipts, settled, refused);
        if (failure == null) {
            return done;
        }
        throw new PartialSettleException(failure.code(), "could not " + verb + " " + unsettled.size() + " task(s) of queue '"
                + queue + "' on node(s) " + failedNodes + " (" + failure.getMessage() + "); the other nodes settled "
                + settled + " and refused " + refused.size() + "; settle the rest again once the node is back (their leases"
                + " are unchanged)", done, unsettled, failure);
    }

    /**
     * The receipts grouped by node, in the caller's order; receipts that are not this backend's, or
     * listed again, go to {@code refused}: never acted on twice.
     */
    private Map<Integer, List<LeaseRef>> parse(List<Receipt> receipts, List<Receipt> refused) {
        Map<Integer, List<LeaseRef>> byNode = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (Receipt receipt : receipts) {
            Objects.requireNonNull(receipt, "a receipt is null");
            Optional<LeaseRef> ref = LeaseRef.parse(receipt, nodes.size());
            if (ref.isEmpty() || !seen.add(receipt.id() + " " + receipt.token())) {
                refused.add(receipt);
                continue;
            }
            byNode.computeIfAbsent(ref.get().node(), n -> new ArrayList<>()).add(ref.get());
        }
        return byNode;
    }

    private static SettleResult result(List<Receipt> receipts, int settled, List<Receipt> refused) {
        return refused.isEmpty() ? SettleResult.all(settled) : new SettleResult(settled, inCallerOrder(receipts, refused));
    }

    /** The refused receipts in the order the caller listed them (a receipt listed twice may appear twice). */
    private static List<Receipt> inCallerOrder(List<Receipt> receipts, List<Receipt> refused) {
        Map<Receipt, Integer> pending = new HashMap<>();
        refused.forEach(r -> pending.merge(r, 1, Integer::sum));
        List<Receipt> ordered = new ArrayList<>(refused.size());
        for (Receipt receipt : receipts) {
            Integer left = pending.get(receipt);
            if (left != null && left > 0) {
                ordered.add(receipt);
                pending.put(receipt, left - 1);
            }
        }
        return ordered;
    }
}
