package io.sergeant.backend.mongo;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.DeadLetterInfo;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.spi.backend.Delivery;
import org.bson.types.Binary;
import org.bson.types.ObjectId;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.ToDoubleFunction;

/**
 * The dead-letter role of {@link MongoBackend}, over each node's {@link DeadLetterStore}. A leased
 * delivery is dead-lettered on the node its receipt names (keeping the task's id), an unleased one on
 * the next node of the round robin. Listings merge every node's oldest, by {@code dead_at}. Dead-letter
 * ids carry their node ({@code <node>:<objectId>}); an id that cannot be one of ours is answered
 * {@code false}, never an error. Thread safe.
 */
final class MongoDeadLetters implements BackendDeadLetters {

    private final MongoNodes nodes;
    private final MongoWakeups wakeups;
    private final Clock clock;

    MongoDeadLetters(MongoNodes nodes, MongoWakeups wakeups, Clock clock) {
        this.nodes = nodes;
        this.wakeups = wakeups;
        this.clock = clock;
    }

    @Override
    public boolean deadLetter(String queue, Delivery delivery, String reason) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(delivery, "delivery is null");
        Objects.requireNonNull(reason, "reason is null");
        String action = "dead-letter a task of queue '" + queue + "'";
        if (delivery.leased()) {
            Optional<LeaseRef> ref = LeaseRef.parse(delivery.receipt(), nodes.size());
            if (ref.isEmpty()) {
                return false;
            }
            int node = ref.get().node();
            return nodes.call(node, action, () -> nodes.leases(node).deadLetterLeased(queue, ref.get(), reason));
        }
        int node = nodes.nextNode();
        return nodes.call(node, action, () -> nodes.deadLetters(node).insert(DeadLetterStore.document(new ObjectId(),
                queue, new Binary(delivery.payload()), reason, 1, TaskDocuments.seconds(clock))));
    }

    /**
     * One node: its {@code limit} oldest, payloads included, in one find. Several: the oldest
     * {@code limit} over all nodes are picked without payloads first ({@link #deadLetterInfos}), then
     * only their payloads are read ({@link #deadLettersById}), so no payload is fetched that the listing
     * does not return.
     */
    @Override
    public List<DeadLetter> deadLetters(String queue, int limit) {
        if (nodes.size() == 1) {
            return oldest(queue, limit, n -> nodes.deadLetters(n).list(queue, limit), DeadLetter::deadAt);
        }
        return deadLettersById(queue, deadLetterInfos(queue, limit).stream().map(DeadLetterInfo::id).toList());
    }

    /** One find by ids per node named by the ids' {@code <node>:} prefixes. */
    @Override
    public List<DeadLetter> deadLettersById(String queue, List<String> ids) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(ids, "ids is null");
        Map<Integer, List<ObjectId>> byNode = new java.util.TreeMap<>();
        for (String id : ids) {
            deadLetterRef(id).ifPresent(ref -> byNode.computeIfAbsent(ref.getKey(), n -> new ArrayList<>())
                    .add(ref.getValue()));
        }
        Map<String, DeadLetter> read = new java.util.HashMap<>();
        for (Map.Entry<Integer, List<ObjectId>> entry : byNode.entrySet()) {
            int n = entry.getKey();
            for (DeadLetter letter : nodes.call(n, "read dead letters of queue '" + queue + "'",
                    () -> nodes.deadLetters(n).byIds(queue, entry.getValue()))) {
                read.put(letter.id(), letter);
            }
        }
        return ids.stream().map(read::get).filter(Objects::nonNull).toList();
    }

    /** The listing without payloads (see {@link DeadLetterStore#infos}). */
    @Override
    public List<DeadLetterInfo> deadLetterInfos(String queue, int limit) {
        return oldest(queue, limit, n -> nodes.deadLetters(n).infos(queue, limit), DeadLetterInfo::deadAt);
    }

    @Override
    public long requeueDeadLetters(String queue) {
        Objects.requireNonNull(queue, "queue is null");
        long moved = nodes.sum("requeue dead letters of queue '" + queue + "'",
                n -> nodes.deadLetters(n).requeue(queue, nodes.tasks(n)));
        if (moved > 0) {
            wakeups.deliverable(queue);
        }
        return moved;
    }

    @Override
    public boolean requeueDeadLetter(String queue, String id) {
        boolean moved = byId(queue, id, "requeue", (store, n, objectId) -> store.requeueOne(queue, objectId, nodes.tasks(n)));
        if (moved) {
            wakeups.deliverable(queue);
        }
        return moved;
    }

    @Override
    public boolean deleteDeadLetter(String queue, String id) {
        return byId(queue, id, "delete", (store, n, objectId) -> store.deleteOne(queue, objectId));
    }

    /** What requeue and delete do with one dead letter on its node. */
    @FunctionalInterface
    private interface OneLetter {
        boolean apply(DeadLetterStore store, int node, ObjectId id);
    }

    /** Applies {@code action} to dead letter {@code id} on its node; false when the id cannot be one of ours. */
    private boolean byId(String queue, String id, String verb, OneLetter action) {
        Objects.requireNonNull(queue, "queue is null");
        Optional<Map.Entry<Integer, ObjectId>> ref = deadLetterRef(id);
        if (ref.isEmpty()) {
            return false;
        }
        int n = ref.get().getKey();
        return nodes.call(n, verb + " dead letter " + id + " of queue '" + queue + "'",
                () -> action.apply(nodes.deadLetters(n), n, ref.get().getValue()));
    }

    @Override
    public long purgeDeadLetters(String queue) {
        Objects.requireNonNull(queue, "queue is null");
        return nodes.sum("purge dead letters of queue '" + queue + "'", n -> nodes.deadLetters(n).purge(queue));
    }

    /** The {@code limit} oldest of every node's listing (each node lists its own {@code limit} oldest). */
    private <T> List<T> oldest(String queue, int limit, IntFunction<List<T>> perNode, ToDoubleFunction<T> deadAt) {
        Objects.requireNonNull(queue, "queue is null");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        if (limit == 0) {
            return List.of();
        }
        List<T> all = new ArrayList<>();
        for (int node = 0; node < nodes.size(); node++) {
            int n = node;
            all.addAll(nodes.call(n, "list dead letters of queue '" + queue + "'", () -> perNode.apply(n)));
        }
        all.sort(Comparator.comparingDouble(deadAt));
        return List.copyOf(all.subList(0, Math.min(limit, all.size())));
    }

    /** The node and document id of a dead-letter id {@code <node>:<hex>}; empty when it cannot be one of ours. */
    private Optional<Map.Entry<Integer, ObjectId>> deadLetterRef(String id) {
        Objects.requireNonNull(id, "id is null");
        int colon = id.indexOf(':');
        if (colon <= 0 || !ObjectId.isValid(id.substring(colon + 1))) {
            return Optional.empty();
        }
        try {
            int node = Integer.parseInt(id.substring(0, colon));
            return node < 0 || node >= nodes.size() ? Optional.empty()
                    : Optional.of(Map.entry(node, new ObjectId(id.substring(colon + 1))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
