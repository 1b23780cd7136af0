package io.sergeant.backend.redis;

import redis.clients.jedis.util.JedisClusterCRC16;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Redis Cluster: every queue is split into {@code shardCount} shards, each a full set of queue
 * keys under one hash tag, so each script touches one slot and one hot queue can use every master.
 *
 * <p>Shard {@code i} of queue {@code q} uses the tag {@code q#n} for the smallest {@code n >= 0}
 * whose slot lies in the {@code i}-th of {@code shardCount} equal slot ranges. The result depends
 * only on the queue name and the shard count, so every producer and worker agrees on it without
 * asking the cluster; with the even slot split of {@code redis-cli --cluster create} and one shard
 * per master, each shard lands on a different master. A queue name containing {@code '}'} cuts
 * the tag short; such a queue still works but its shards share one slot. Thread safe.
 */
final class ClusterShards implements Topology {

    private static final int SLOTS = 16384;
    private static final int MAX_TAG_SEARCH = 1_000_000;

    private final RedisClient cluster;
    private final int shardCount;
    private final Map<String, List<Shard>> shardsByQueue = new ConcurrentHashMap<>();

    ClusterShards(RedisClient cluster, int shardCount) {
        this.cluster = cluster;
        if (shardCount < 1) {
            throw new IllegalArgumentException("shardCount must be positive: " + shardCount);
        }
        this.shardCount = shardCount;
    }

    int shardCount() {
        return shardCount;
    }

    @Override
    public List<Shard> shards(String queue) {
        return shardsByQueue.computeIfAbsent(queue, q -> {
            List<Shard> shards = new ArrayList<>(shardCount);
            for (int i = 0; i < shardCount; i++) {
                shards.add(new Shard(i, cluster, QueueKeys.sharded(tag(q, i, shardCount))));
            }
            return List.copyOf(shards);
        });
    }

    /** The hash tag of shard {@code index} of {@code queue} (see the class comment). */
    static String tag(String queue, int index, int shardCount) {
        if (queue.indexOf('}') >= 0) {
            return queue + "#" + index;
        }
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
