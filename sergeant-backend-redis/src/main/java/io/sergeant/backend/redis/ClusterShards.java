package io.sergeant.backend.redis;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.nio.charset.StandardCharsets;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A Redis Cluster: every queue is split into shards, each a full set of queue keys under one hash
 * tag, so each script touches one slot and one hot queue can use every master.
 *
 * <p><b>The shard count is a property of the queue.</b> The first producer or worker that uses a
 * queue records its count in the key {@code __sergeant__:{q}:shards} ({@code SET NX}); everyone after
 * reads it from there, whatever its own {@code shards} option or the number of masters it sees. So
 * adding or removing masters never changes where a queue's tasks are looked for: nothing is hidden.
 * The default count for a new queue is the option {@code shards}, or else the number of masters at
 * that moment.
 *
 * <p>Shard {@code i} of queue {@code q} uses the tag {@code q#n} for the smallest {@code n >= 0}
 * whose slot lies in the {@code i}-th of {@code shardCount} equal slot ranges. The result depends
 * only on the queue name and the shard count; with the even slot split of
 * {@code redis-cli --cluster create} and one shard per master, each shard lands on a different
 * master. Queue names with {@code '{'} or {@code '}'} would break the hash tags (a name starting
 * with {@code '}'} cannot be popped at all), so they are refused with {@code INVALID_ARGUMENT}.
 *
 * <p><b>Per-node work</b> ({@link #forEachMaster}, the queue listing) goes to the masters that serve
 * slots now, read from {@code CLUSTER SLOTS} at each call, not to the nodes the cluster client knew
 * when it last refreshed its slot map: a client that kept running while a master was removed does not
 * try the removed node, and one that kept running while a master was added scans the new one too.
 * Thread safe.
 */
final class ClusterShards implements Topology {

    private static final int SLOTS = 16384;
    private static final int MAX_TAG_SEARCH = 1_000_000;

    private static final int MAX_SHARDS = 1024;

    private final RedisClient cluster;
    private final JedisClientConfig nodeConfig;
    private final int shardCount;
    private final boolean explicit;
    private final Map<String, List<Shard>> shardsByQueue = new ConcurrentHashMap<>();

    /**
     * @param cluster    the cluster client
     * @param nodeConfig how to connect to one node (for a master the cluster client does not know yet)
     * @param shardCount the shard count of queues this client is the first to use
     * @param explicit   whether that count came from the option {@code shards} (a recorded count that
     *                   differs from it is then logged)
     */
    ClusterShards(RedisClient cluster, JedisClientConfig nodeConfig, int shardCount, boolean explicit) {
        this.cluster = cluster;
        this.nodeConfig = nodeConfig;
        if (shardCount < 1) {
            throw new IllegalArgumentException("shardCount must be positive: " + shardCount);
        }
        this.shardCount = shardCount;
        this.explicit = explicit;
    }

    /** The shard count this client gives queues it is the first to use. */
    int shardCount() {
        return shardCount;
    }

    @Override
    public List<Shard> shards(String queue) {
        List<Shard> known = shardsByQueue.get(queue);
        if (known != null) {
            return known;
        }
        checkName(queue);
        int count = recordedShardCount(queue);
        List<Shard> shards = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            shards.add(new Shard(i, cluster, QueueKeys.sharded(tag(queue, i, count))));
        }
        List<Shard> computed = List.copyOf(shards);
        List<Shard> raced = shardsByQueue.putIfAbsent(queue, computed);
        return raced != null ? raced : computed;
    }

    /** Refuses queue names that would break the hash tags of the queue's keys. */
    static void checkName(String queue) {
        if (queue.indexOf('{') >= 0 || queue.indexOf('}') >= 0) {
            throw new SergeantException(ErrorCode.INVALID_ARGUMENT, "queue name '" + queue + "' contains '{' or '}',"
                    + " which would break the Redis Cluster hash tags its keys are placed by (a name starting with"
                    + " '}' could never be popped): choose a name without braces");
        }
    }

    /** Reads the queue's shard count, recording this client's count first if the queue has none yet. */
    private int recordedShardCount(String queue) {
        byte[] key = ("__sergeant__:{" + queue + "}:shards").getBytes(StandardCharsets.UTF_8);
        byte[] mine = Integer.toString(shardCount).getBytes(StandardCharsets.US_ASCII);
        byte[] recorded = cluster.call("shard count", j -> {
            j.set(key, mine, SetParams.setParams().nx());
            return j.get(key);
        });
        int count;
        try {
            count = recorded == null ? shardCount : Integer.parseInt(new String(recorded, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 1 || count > MAX_SHARDS) {
            throw new SergeantException(ErrorCode.BACKEND_REFUSED, "the shard count recorded for queue '" + queue
                    + "' in key " + new String(key, StandardCharsets.UTF_8) + " is not a number from 1 to " + MAX_SHARDS
                    + ": restore it (the count the queue was created with) or delete it if the queue is empty");
        }
        if (explicit && count != shardCount) {
            System.getLogger(ClusterShards.class.getName()).log(System.Logger.Level.WARNING, "queue '" + queue
                    + "' was created with " + count + " shards; using them, not the option 'shards' = " + shardCount);
        }
        return count;
    }

    /** The hash tag of shard {@code index} of {@code queue} (see the class comment). */
    static String tag(String queue, int index, int shardCount) {
        int low = (int) ((long) SLOTS * index / shardCount);
        int high = (int) ((long) SLOTS * (index + 1) / shardCount);
        for (int n = 0; n < MAX_TAG_SEARCH; n++) {
            String tag = queue + "#" + n;
            int slot = JedisClusterCRC16.getSlot("{" + tag + "}");
            if (slot >= low && slot < high) {
                return tag;
            }
        }
        return queue + "#" + index;
    }

    /**
     * Runs {@code action} on each master that serves slots now ({@link #slotMasters}), on a pooled
     * connection of the cluster client, or on a connection of its own to a master the client does not
     * know yet. Call it inside {@link RedisClient#call} (Jedis failures are thrown as they are).
     */
    // deprecation: JedisCluster, deprecated in Jedis 8, is the cluster client Jedis 6 to 8 share (see JedisCompat)
    @SuppressWarnings("deprecation")
    void forEachMaster(Consumer<? super Jedis> action) {
        Map<String, ConnectionPool> known = ((JedisCluster) cluster.jedis()).getClusterNodes();
        for (HostAndPort master : slotMasters(cluster)) {
            ConnectionPool pool = known.get(master.toString());
            try (Connection connection = pool != null ? pool.getResource() : new Connection(master, nodeConfig)) {
                action.accept(new Jedis(connection));
            }
        }
    }

    /**
     * The masters that serve slots now, from {@code CLUSTER SLOTS}, asked through the cluster client
     * (which follows a redirection or a refused connection to a node that left by refreshing its slot map).
     */
    // deprecation: sendCommand on JedisCluster, deprecated in Jedis 8, the call Jedis 6 to 8 share (see JedisCompat)
    @SuppressWarnings("deprecation")
    static Set<HostAndPort> slotMasters(RedisClient client) {
        byte[] anyKey = "__sergeant__".getBytes(StandardCharsets.UTF_8);
        Object reply = client.call("cluster slots", j -> j.sendCommand(anyKey, Protocol.Command.CLUSTER,
                "SLOTS".getBytes(StandardCharsets.US_ASCII)));
        Set<HostAndPort> masters = new LinkedHashSet<>();
        for (Object range : (List<?>) reply) {
            List<?> master = (List<?>) ((List<?>) range).get(2);
            masters.add(new HostAndPort(new String((byte[]) master.get(0), StandardCharsets.UTF_8),
                    ((Number) master.get(1)).intValue()));
        }
        return masters;
    }

    @Override
    public RedisClient clientFor(String name) {
        return cluster;
    }

    @Override
    public List<RedisClient> clients() {
        return List.of(cluster);
    }

    @Override
    public void close() {
        cluster.close();
    }
}
