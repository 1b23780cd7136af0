package io.sergeant.backend.redis;

import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.backend.QueuedItem;
import redis.clients.jedis.commands.KeyCommands;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static io.sergeant.backend.redis.Replies.arg;
import static io.sergeant.backend.redis.Replies.number;
import static io.sergeant.backend.redis.Replies.text;
import static java.util.Objects.requireNonNull;

/**
 * The monitoring role.
 *
 * <p><b>Queue listing</b> scans every node (on a cluster, every master that serves slots at the
 * time of the call, see {@link ClusterShards#forEachMaster}) with {@code SCAN}, so it costs one
 * pass over the keyspace: on independent nodes a queue is any list {@code q} or sorted set
 * {@code q.delayed} in Python Sergeant's layout (so a Python producer's queue is listed; so is any
 * other list in the same database), plus any queue with leased or dead-lettered tasks under
 * {@code __sergeant__:{q}:}; on a cluster, the queue structures of every shard
 * {@code __sergeant__:{q#n}:}. Keys that outlive an emptied queue (counters, the recorded shard
 * count) do not count.
 *
 * <p><b>The worker registry</b> is a hash of records and a sorted set of expiry times (server clock,
 * milliseconds), {@code __sergeant__:{__workers__}:records} and {@code :expiry}, on the node that
 * holds that name (one slot on a cluster); Python Sergeant never reads them. {@code workers.lua}
 * drops expired records at every call. Thread safe.
 */
final class RedisMonitoring implements BackendMonitoring {

    private static final String OWN = "__sergeant__:{";
    private static final String REGISTRY = OWN + "__workers__}:";
    private static final List<byte[]> REGISTRY_KEYS = List.of(arg(REGISTRY + "records"), arg(REGISTRY + "expiry"));
    /** Own structures that exist only while a queue holds tasks (Redis deletes empty lists, sets and hashes). */
    private static final Set<String> QUEUE_STRUCTURES =
            Set.of("queue", "delayed", "redeliver", "batches", "leases", "inflight", "dead");
    private static final int SCAN_COUNT = 1_000;

    private static final LuaScript PEEK = LuaScript.queueScript("peek");

    private final Topology topology;
    private final boolean sharded;
    private final LuaScript script = LuaScript.standalone("workers");

    RedisMonitoring(Topology topology) {
        this.topology = requireNonNull(topology, "topology is null");
        this.sharded = topology instanceof ClusterShards;
    }

    @Override
    public List<String> queues() {
        Set<String> names = new TreeSet<>();
        for (RedisClient client : topology.clients()) {
            client.call("list queues", jedis -> {
                forEachNode(jedis, node -> collectQueues(node, names));
                return null;
            });
        }
        return List.copyOf(names);
    }

    /** Runs {@code action} on the node itself, or on every master of a cluster that serves slots now. */
    private void forEachNode(redis.clients.jedis.UnifiedJedis jedis, java.util.function.Consumer<KeyCommands> action) {
        if (topology instanceof ClusterShards cluster) {
            cluster.forEachMaster(action);
        } else {
            action.accept(jedis);
        }
    }

    private void collectQueues(KeyCommands node, Set<String> names) {
        scan(node, OWN + "*", null, key -> {
            int close = key.lastIndexOf("}:");
            if (close < OWN.length() || !QUEUE_STRUCTURES.contains(key.substring(close + 2))) {
                return;
            }
            String tag = key.substring(OWN.length(), close);
            int hash = tag.lastIndexOf('#');
            names.add(sharded && hash >= 0 ? tag.substring(0, hash) : tag);
        });
        if (sharded) {
            return;
        }
        scan(node, "*", "list", key -> {
            if (!key.startsWith(OWN) && !key.startsWith("__lock__.")) {
                names.add(key);
            }
        });
        scan(node, "*.delayed", "zset", key -> {
            if (!key.startsWith(OWN)) {
                names.add(key.substring(0, key.length() - ".delayed".length()));
            }
        });
    }

    private static void scan(KeyCommands node, String pattern, String type, java.util.function.Consumer<String> each) {
        ScanParams params = new ScanParams().match(pattern).count(SCAN_COUNT);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = type == null ? node.scan(cursor, params) : node.scan(cursor, params, type);
            page.getResult().forEach(each);
            cursor = page.getCursor();
        } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
    }

    @Override
    public void heartbeat(String workerId, byte[] record, Duration ttl) {
        requireNonNull(workerId, "workerId is null");
        requireNonNull(record, "record is null");
        requireNonNull(ttl, "ttl is null");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("a heartbeat TTL must be positive: " + ttl);
        }
        registry().script(script, REGISTRY_KEYS, List.of(arg("beat"), arg(workerId), record, arg(Math.max(1, ttl.toMillis()))));
    }

    @Override
    public boolean deregister(String workerId) {
        requireNonNull(workerId, "workerId is null");
        return number(registry().script(script, REGISTRY_KEYS, List.of(arg("drop"), arg(workerId)))) == 1;
    }

    @Override
    public List<byte[]> workers() {
        List<?> reply = (List<?>) registry().script(script, REGISTRY_KEYS, List.of(arg("list")));
        List<byte[]> records = new ArrayList<>(reply.size());
        for (Object record : reply) {
            records.add((byte[]) record);
        }
        return records;
    }

    private RedisClient registry() {
        return topology.clientFor(REGISTRY + "records");
    }

    /**
     * {@code peek.lua} on every shard of the queue (each atomic on its own): ready tasks first, then
     * delayed ones by due time. Redis keeps a ready task's priority only as its place in the list, so
     * ready items carry no priority.
     */
    @Override
    public List<QueuedItem> peek(String queue, int limit) {
        return peek(queue, limit, null);
    }

    /**
     * As {@link #peek(String, int)}, the script bounding the payloads on each shard (a payload not returned
     * comes back as its length, so the reply holds no payload but those returned); the merged list is then
     * bounded again (several shards read at most the budget each).
     */
    @Override
    public List<QueuedItem> peek(String queue, int limit, long maxPayloadBytes, long budgetBytes) {
        BackendMonitoring.checkPeek(queue, limit, maxPayloadBytes, budgetBytes);
        List<QueuedItem> items = peek(queue, limit, new long[] {maxPayloadBytes, budgetBytes});
        return topology.shards(queue).size() == 1 ? items : QueuedItem.bounded(items, maxPayloadBytes, budgetBytes);
    }

    private List<QueuedItem> peek(String queue, int limit, long[] bounds) {
        requireNonNull(queue, "queue is null");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        if (limit == 0) {
            return List.of();
        }
        List<byte[]> args = bounds == null ? List.of(arg(limit))
                : List.of(arg(limit), arg(bounds[0]), arg(bounds[1]));
        List<QueuedItem> ready = new ArrayList<>();
        List<QueuedItem> delayed = new ArrayList<>();
        for (Shard shard : topology.shards(queue)) {
            List<?> reply = (List<?>) shard.client().script(PEEK, shard.keys().all(), args);
            double now = Double.parseDouble(text(reply.get(0)));
            for (int i = 1; i + 1 < reply.size(); i += 2) {
                Object payload = reply.get(i);
                String score = text(reply.get(i + 1));
                double due = score.isEmpty() ? 0 : Double.parseDouble(score);
                Instant dueAt = score.isEmpty() || due <= now ? null
                        : Instant.EPOCH.plusNanos(Math.round(due * 1_000_000) * 1000);
                QueuedItem item = payload instanceof byte[] bytes ? new QueuedItem(bytes, null, dueAt)
                        : QueuedItem.sizeOnly(((Number) payload).longValue(), null, dueAt);
                (dueAt == null ? ready : delayed).add(item);
            }
        }
        delayed.sort(java.util.Comparator.comparing(QueuedItem::dueAt));
        List<QueuedItem> items = new ArrayList<>(ready);
        items.addAll(delayed);
        return List.copyOf(items.size() > limit ? items.subList(0, limit) : items);
    }
}
