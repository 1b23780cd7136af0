package io.sergeant.backend.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.MongoTimeoutException;
import io.sergeant.api.DeadLetter;
import io.sergeant.api.DeadLetterInfo;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.spi.backend.BackendKeys;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendLocks;
import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.PartialSettleException;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import io.sergeant.spi.backend.SettledPop;
import org.bson.types.Binary;
import org.bson.types.ObjectId;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

/**
 * The MongoDB {@link Backend}: Python Sergeant's layout (database {@code sergeant}, collections
 * {@code task_queue}, {@code keys}, {@code locks}) plus the Java-only {@code sergeant_dead_letters},
 * on one or several independent nodes, in both delivery modes, without multi-document transactions.
 *
 * <p><b>Nodes.</b> As in Python Sergeant, push and pop share one round-robin pointer that starts at a
 * random node; a pop visits up to every node, asking each for the remainder. Keys and locks live on
 * node {@code crc32(name) % n}. Counts are summed over all nodes. Receipts and dead-letter ids carry
 * their node ({@code <node>:<objectId>}).
 *
 * <p><b>Order.</b> Within a node, tasks come out by {@code priority} then {@code _id}. ObjectIds are
 * made by the client and increase within one producer process; between producer processes they
 * order by second only, so two producers' tasks pushed in the same second have no defined order.
 *
 * <p><b>A node down.</b> A push skips a node that cannot be selected (nothing was sent to it) and
 * goes to the next; a pop returns what the other nodes gave and throws only when it got nothing and a
 * node failed; counts, settles and keys need their node and throw.
 *
 * <p>Thread safe; every method blocks until the server answered and throws {@link SergeantException}
 * ({@code BACKEND_UNAVAILABLE}, {@code BACKEND_REFUSED}, {@code PAYLOAD_TOO_LARGE}) on failure. The
 * driver reconnects by itself. Null arguments throw {@link NullPointerException}.
 */
public final class MongoBackend implements Backend, BackendLeases, BackendDeadLetters, BackendKeys, BackendLocks {

    private static final System.Logger LOG = System.getLogger(MongoBackend.class.getName());

    private final List<MongoNode> nodes;
    private final List<TaskStore> tasks;
    private final List<DeadLetterStore> deadLetters;
    private final List<KeyLockStore> keysAndLocks;
    private final MongoMonitoring monitoring;
    private final Clock clock;
    private final AtomicInteger pointer;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MongoBackend(List<MongoNode> nodes, Clock clock, int maxPayloadBytes, int maxDeadLetters) {
        this.nodes = List.copyOf(nodes);
        // The dead-letter cap is the queue's, shared by the nodes (rounded up).
        int capPerNode = maxDeadLetters == 0 ? 0 : (maxDeadLetters + nodes.size() - 1) / nodes.size();
        this.clock = clock;
        List<TaskStore> taskStores = new ArrayList<>();
        List<DeadLetterStore> deadLetterStores = new ArrayList<>();
        List<KeyLockStore> keyLockStores = new ArrayList<>();
        for (MongoNode node : nodes) {
            DeadLetterStore dead = new DeadLetterStore(node, clock, capPerNode);
            deadLetterStores.add(dead);
            taskStores.add(new TaskStore(node, clock, dead, maxPayloadBytes));
            keyLockStores.add(new KeyLockStore(node, clock));
        }
        this.tasks = List.copyOf(taskStores);
        this.deadLetters = List.copyOf(deadLetterStores);
        this.keysAndLocks = List.copyOf(keyLockStores);
        this.monitoring = new MongoMonitoring(nodes, clock);
        this.pointer = new AtomicInteger(ThreadLocalRandom.current().nextInt(nodes.size()));
    }

    /**
     * Connects to every node of {@code uri} (see {@link MongoUris} for the syntax), checks that each
     * answers and creates the indexes.
     *
     * @param database the database to use (Python Sergeant's is {@code sergeant})
     * @param clock    the clock for lease deadlines, delayed tasks and lock expiry
     * @throws SergeantException {@code INVALID_CONFIGURATION} for a bad URI, {@code BACKEND_UNAVAILABLE}
     *         when a node does not answer within its server selection timeout (5 s unless the URI says
     *         otherwise), {@code BACKEND_REFUSED} when it refuses
     */
    public static MongoBackend connect(String uri, String database, Clock clock) {
        return connect(uri, database, clock, io.sergeant.api.config.DecodeLimits.DEFAULT.maxEncodedBytes(),
                MongoBackendFactory.DEFAULT_MAX_DEAD_LETTERS);
    }

    /**
     * Like {@link #connect(String, String, Clock)}, with limits: a pop moves a payload longer than
     * {@code maxPayloadBytes} to the dead letters instead of returning it, and at most
     * {@code maxDeadLetters} dead letters are kept per queue (0 = no cap; the oldest are deleted, and
     * counted in the log).
     */
    public static MongoBackend connect(String uri, String database, Clock clock, int maxPayloadBytes, int maxDeadLetters) {
        Objects.requireNonNull(database, "database is null");
        if (maxPayloadBytes < 1 || maxDeadLetters < 0) {
            throw new IllegalArgumentException("maxPayloadBytes must be positive and maxDeadLetters not negative: "
                    + maxPayloadBytes + ", " + maxDeadLetters);
        }
        Objects.requireNonNull(clock, "clock is null");
        List<ConnectionString> parsed = MongoUris.parse(uri);
        List<MongoNode> nodes = new ArrayList<>();
        try {
            for (ConnectionString node : parsed) {
                nodes.add(MongoNode.connect(nodes.size(), node, database));
            }
        } catch (RuntimeException e) {
            nodes.forEach(MongoNode::close);
            throw e;
        }
        return new MongoBackend(nodes, clock, maxPayloadBytes, maxDeadLetters);
    }

    /** How many independent nodes this backend spreads tasks over. */
    public int nodeCount() {
        return nodes.size();
    }

    @Override
    public void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom) {
        checkQueue(queue);
        Objects.requireNonNull(items, "items is null");
        Objects.requireNonNull(priority, "priority is null");
        items.forEach(item -> Objects.requireNonNull(item, "an item is null"));
        if (items.isEmpty()) {
            return;
        }
        double value = consumableFrom != null
                ? consumableFrom.toEpochMilli() / 1000.0
                : priority == Priority.HIGH ? MongoLayout.HIGH : MongoLayout.NORMAL;
        SergeantException unreachable = null;
        for (int tried = 0; tried < nodes.size(); tried++) {
            int node = nextNode();
            try {
                call(node, "push " + items.size() + " task(s) to queue '" + queue + "'", () -> {
                    tasks.get(node).insert(queue, items, value);
                    return null;
                });
                return;
            } catch (SergeantException e) {
                // Only a node that could not even be selected is skipped: nothing was sent to it, so
                // pushing to the next independent node cannot duplicate. Any other failure is final.
                if (!(e.getCause() instanceof MongoTimeoutException)) {
                    throw e;
                }
                if (unreachable != null) {
                    e.addSuppressed(unreachable);
                }
                unreachable = e;
                if (nodes.size() > 1) {
                    LOG.log(System.Logger.Level.WARNING, "mongodb node {0} is unreachable; pushing to the next node",
                            nodes.get(node).maskedUri());
                }
            }
        }
        throw unreachable;
    }

    @Override
    public List<Delivery> pop(String queue, int max, DeliveryOptions options) {
        checkQueue(queue);
        Objects.requireNonNull(options, "options is null");
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative: " + max);
        }
        List<Delivery> out = new ArrayList<>();
        SergeantException failure = null;
        for (int visited = 0; visited < nodes.size() && out.size() < max; visited++) {
            int node = nextNode();
            int want = max - out.size();
            try {
                out.addAll(call(node, "pop from queue '" + queue + "'", () -> tasks.get(node).pop(queue, want, options)));
            } catch (SergeantException e) {
                // Tasks already taken from other nodes must still be handed out (at-most-once deleted them).
                if (failure != null) {
                    e.addSuppressed(failure);
                }
                failure = e;
                LOG.log(System.Logger.Level.WARNING, "{0}; the other nodes are still asked", e.getMessage());
            }
        }
        if (out.isEmpty() && failure != null) {
            throw failure;
        }
        return out;
    }

    @Override
    public SettleResult ack(String queue, List<Receipt> receipts) {
        return settle(queue, receipts, "ack", (store, refs, refused) -> store.ack(queue, refs, refused));
    }

    /**
     * Settle-and-pop: on one node, {@link TaskStore#ackAndPop} (one bulk write and the finds around it);
     * on several nodes, the two calls, as the default does.
     */
    @Override
    public SettledPop ackAndPop(Backend backend, String queue, List<Receipt> receipts, int max, DeliveryOptions options) {
        BackendLeases.checkAckAndPop(queue, receipts, max, options);
        checkQueue(queue);
        if (nodes.size() != 1) {
            return BackendLeases.super.ackAndPop(this, queue, receipts, max, options);
        }
        List<Receipt> refused = new ArrayList<>();
        List<LeaseRef> refs = new ArrayList<>(receipts.size());
        Set<String> seen = new HashSet<>();
        for (Receipt receipt : receipts) {
            Objects.requireNonNull(receipt, "a receipt is null");
            Optional<LeaseRef> ref = LeaseRef.parse(receipt, nodes.size());
            if (ref.isEmpty() || !seen.add(receipt.id() + " " + receipt.token())) {
                refused.add(receipt);
                continue;
            }
            refs.add(ref.get());
        }
        List<Delivery> out = new ArrayList<>();
        int settled = call(0, "ack " + refs.size() + " task(s) and pop up to " + max + " from queue '" + queue + "'",
                () -> tasks.get(0).ackAndPop(queue, refs, refused, max, options, out));
        SettleResult acked = refused.isEmpty() ? SettleResult.all(settled) : new SettleResult(settled, inCallerOrder(receipts, refused));
        return new SettledPop(acked, out);
    }

    @Override
    public SettleResult extend(String queue, List<Receipt> receipts, Duration lease) {
        Objects.requireNonNull(lease, "lease is null");
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("a lease must be positive: " + lease);
        }
        return settle(queue, receipts, "extend", (store, refs, refused) -> store.extend(queue, refs, lease, refused));
    }

    @Override
    public SettleResult release(String queue, List<Receipt> receipts) {
        return settle(queue, receipts, "release", (store, refs, refused) -> store.release(queue, refs, refused, true));
    }

    @Override
    public SettleResult handBack(String queue, List<Receipt> receipts) {
        return settle(queue, receipts, "hand back", (store, refs, refused) -> store.release(queue, refs, refused, false));
    }

    @Override
    public boolean deadLetter(String queue, Delivery delivery, String reason) {
        checkQueue(queue);
        Objects.requireNonNull(delivery, "delivery is null");
        Objects.requireNonNull(reason, "reason is null");
        if (delivery.leased()) {
            Optional<LeaseRef> ref = LeaseRef.parse(delivery.receipt(), nodes.size());
            if (ref.isEmpty()) {
                return false;
            }
            int node = ref.get().node();
            return call(node, "dead-letter a task of queue '" + queue + "'",
                    () -> tasks.get(node).deadLetterLeased(queue, ref.get(), reason));
        }
        int node = nextNode();
        return call(node, "dead-letter a task of queue '" + queue + "'", () -> deadLetters.get(node).insert(
                DeadLetterStore.document(new ObjectId(), queue, new Binary(delivery.payload()), reason, 1,
                        TaskStore.seconds(clock))));
    }

    @Override
    public ReapResult reap(String queue, int maxDeliveries) {
        checkQueue(queue);
        if (maxDeliveries <= 0) {
            throw new IllegalArgumentException("maxDeliveries must be positive: " + maxDeliveries);
        }
        int redelivered = 0;
        int dead = 0;
        for (int node = 0; node < nodes.size(); node++) {
            int n = node;
            ReapResult result = call(n, "reap expired leases of queue '" + queue + "'",
                    () -> tasks.get(n).reap(queue, maxDeliveries));
            redelivered += result.redelivered();
            dead += result.deadLettered();
        }
        return redelivered == 0 && dead == 0 ? ReapResult.NONE : new ReapResult(redelivered, dead);
    }

    @Override
    public List<DeadLetter> deadLetters(String queue, int limit) {
        checkQueue(queue);
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        if (limit == 0) {
            return List.of();
        }
        List<DeadLetter> all = new ArrayList<>();
        for (int node = 0; node < nodes.size(); node++) {
            int n = node;
            all.addAll(call(n, "list dead letters of queue '" + queue + "'", () -> deadLetters.get(n).list(queue, limit)));
        }
        all.sort(Comparator.comparingDouble(DeadLetter::deadAt));
        return List.copyOf(all.subList(0, Math.min(limit, all.size())));
    }

    /** The listing without payloads (see {@link DeadLetterStore#infos}). */
    @Override
    public List<DeadLetterInfo> deadLetterInfos(String queue, int limit) {
        checkQueue(queue);
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        if (limit == 0) {
            return List.of();
        }
        List<DeadLetterInfo> all = new ArrayList<>();
        for (int node = 0; node < nodes.size(); node++) {
            int n = node;
            all.addAll(call(n, "list dead letters of queue '" + queue + "'", () -> deadLetters.get(n).infos(queue, limit)));
        }
        all.sort(Comparator.comparingDouble(DeadLetterInfo::deadAt));
        return List.copyOf(all.subList(0, Math.min(limit, all.size())));
    }

    @Override
    public long requeueDeadLetters(String queue) {
        checkQueue(queue);
        long moved = 0;
        for (int node = 0; node < nodes.size(); node++) {
            int n = node;
            moved += call(n, "requeue dead letters of queue '" + queue + "'",
                    () -> deadLetters.get(n).requeue(queue, tasks.get(n)));
        }
        return moved;
    }

    @Override
    public boolean requeueDeadLetter(String queue, String id) {
        checkQueue(queue);
        Optional<Map.Entry<Integer, ObjectId>> ref = deadLetterRef(id);
        if (ref.isEmpty()) {
            return false;
        }
        int n = ref.get().getKey();
        return call(n, "requeue dead letter " + id + " of queue '" + queue + "'",
                () -> deadLetters.get(n).requeueOne(queue, ref.get().getValue(), tasks.get(n)));
    }

    @Override
    public boolean deleteDeadLetter(String queue, String id) {
        checkQueue(queue);
        Optional<Map.Entry<Integer, ObjectId>> ref = deadLetterRef(id);
        if (ref.isEmpty()) {
            return false;
        }
        int n = ref.get().getKey();
        return call(n, "delete dead letter " + id + " of queue '" + queue + "'",
                () -> deadLetters.get(n).deleteOne(queue, ref.get().getValue()));
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

    @Override
    public long purgeDeadLetters(String queue) {
        checkQueue(queue);
        return sum("purge dead letters of queue '" + queue + "'", n -> deadLetters.get(n).purge(queue));
    }

    @Override
    public long length(String queue, boolean includeDelayed) {
        checkQueue(queue);
        return sum("count queue '" + queue + "'", n -> tasks.get(n).length(queue, includeDelayed));
    }

    @Override
    public QueueStats stats(String queue) {
        checkQueue(queue);
        long ready = 0;
        long delayed = 0;
        long inFlight = 0;
        long dead = 0;
        for (int node = 0; node < nodes.size(); node++) {
            int n = node;
            QueueStats stats = call(n, "count queue '" + queue + "'",
                    () -> tasks.get(n).stats(queue, deadLetters.get(n).count(queue)));
            ready += stats.ready();
            delayed += stats.delayed();
            inFlight += stats.inFlight();
            dead += stats.deadLetters();
        }
        return new QueueStats(ready, delayed, inFlight, dead);
    }

    @Override
    public boolean purge(String queue) {
        checkQueue(queue);
        return sum("purge queue '" + queue + "'", n -> tasks.get(n).purge(queue) ? 1 : 0) > 0;
    }

    @Override
    public boolean keySet(String key, byte[] value) {
        Objects.requireNonNull(value, "value is null");
        int node = nodeOf(key);
        return call(node, "set key '" + key + "'", () -> keysAndLocks.get(node).keySet(key, value));
    }

    @Override
    public Optional<byte[]> keyGet(String key) {
        int node = nodeOf(key);
        return call(node, "get key '" + key + "'", () -> keysAndLocks.get(node).keyGet(key));
    }

    @Override
    public boolean keyDelete(String key) {
        int node = nodeOf(key);
        return call(node, "delete key '" + key + "'", () -> keysAndLocks.get(node).keyDelete(key));
    }

    @Override
    public boolean lockAcquire(String name, String owner, Duration ttl) {
        Objects.requireNonNull(owner, "owner is null");
        checkTtl(ttl);
        int node = nodeOf(name);
        return call(node, "acquire lock '" + name + "'", () -> keysAndLocks.get(node).lockAcquire(name, owner, ttl));
    }

    @Override
    public boolean lockRelease(String name, String owner) {
        Objects.requireNonNull(owner, "owner is null");
        int node = nodeOf(name);
        return call(node, "release lock '" + name + "'", () -> keysAndLocks.get(node).lockRelease(name, owner));
    }

    @Override
    public boolean lockIsLocked(String name) {
        int node = nodeOf(name);
        return call(node, "check lock '" + name + "'", () -> keysAndLocks.get(node).lockIsLocked(name));
    }

    @Override
    public boolean lockSetTtl(String name, String owner, Duration ttl) {
        Objects.requireNonNull(owner, "owner is null");
        checkTtl(ttl);
        int node = nodeOf(name);
        return call(node, "set the TTL of lock '" + name + "'", () -> keysAndLocks.get(node).lockSetTtl(name, owner, ttl));
    }

    @Override
    public Optional<Duration> lockTtl(String name) {
        int node = nodeOf(name);
        return call(node, "read the TTL of lock '" + name + "'", () -> keysAndLocks.get(node).lockTtl(name));
    }

    @Override
    public Optional<BackendMonitoring> monitoringRole() {
        return Optional.of(monitoring);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            nodes.forEach(MongoNode::close);
        }
    }

    @Override
    public String toString() {
        List<String> uris = new ArrayList<>();
        nodes.forEach(node -> uris.add(node.maskedUri()));
        return "MongoBackend" + uris;
    }

    /** What ack, extend and release do with the parsed receipts of one node. */
    @FunctionalInterface
    private interface Settler {
        int settle(TaskStore store, List<LeaseRef> refs, List<Receipt> refused);
    }

    private SettleResult settle(String queue, List<Receipt> receipts, String verb, Settler settler) {
        checkQueue(queue);
        Objects.requireNonNull(receipts, "receipts is null");
        List<Receipt> refused = new ArrayList<>();
        Map<Integer, List<LeaseRef>> byNode = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (Receipt receipt : receipts) {
            Objects.requireNonNull(receipt, "a receipt is null");
            Optional<LeaseRef> ref = LeaseRef.parse(receipt, nodes.size());
            if (ref.isEmpty() || !seen.add(receipt.id() + " " + receipt.token())) {
                refused.add(receipt); // not one of this backend's receipts, or listed again: never acted on twice
                continue;
            }
            byNode.computeIfAbsent(ref.get().node(), n -> new ArrayList<>()).add(ref.get());
        }
        int settled = 0;
        SergeantException failure = null;
        List<Integer> failedNodes = new ArrayList<>();
        List<Receipt> unsettled = new ArrayList<>();
        for (Map.Entry<Integer, List<LeaseRef>> entry : byNode.entrySet()) {
            int node = entry.getKey();
            try {
                settled += call(node, verb + " " + entry.getValue().size() + " task(s) of queue '" + queue + "'",
                        () -> settler.settle(tasks.get(node), entry.getValue(), refused));
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
        SettleResult done = refused.isEmpty() ? SettleResult.all(settled)
                : new SettleResult(settled, inCallerOrder(receipts, refused));
        if (failure == null) {
            return done;
        }
        throw new PartialSettleException(failure.code(), "could not " + verb + " " + unsettled.size() + " task(s) of queue '"
                + queue + "' on node(s) " + failedNodes + " (" + failure.getMessage() + "); the other nodes settled "
                + settled + " and refused " + refused.size() + "; settle the rest again once the node is back (their leases"
                + " are unchanged)", done, unsettled, failure);
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

    private long sum(String action, java.util.function.IntToLongFunction perNode) {
        long total = 0;
        for (int node = 0; node < nodes.size(); node++) {
            int n = node;
            total += call(n, action, () -> perNode.applyAsLong(n));
        }
        return total;
    }

    private <T> T call(int node, String action, java.util.function.Supplier<T> operation) {
        if (closed.get()) {
            throw new SergeantException(ErrorCode.ILLEGAL_ACTION,
                    "the MongoDB backend " + this + " is closed; create a new one to " + action);
        }
        return nodes.get(node).call(action, operation);
    }

    private int nextNode() {
        return Math.floorMod(pointer.getAndIncrement(), nodes.size());
    }

    /** Python Sergeant's key placement: CRC-32 of the UTF-8 name, modulo the node count. */
    private int nodeOf(String name) {
        Objects.requireNonNull(name, "name is null");
        if (nodes.size() == 1) {
            return 0;
        }
        CRC32 crc = new CRC32();
        crc.update(name.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % nodes.size());
    }

    private static void checkQueue(String queue) {
        Objects.requireNonNull(queue, "queue is null");
    }

    private static void checkTtl(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl is null");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("a lock TTL must not be negative: " + ttl);
        }
    }
}
