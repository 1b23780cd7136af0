package io.sergeant.backend.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;

/**
 * One or more independent Redis nodes, exactly as Python Sergeant uses them: each node holds its
 * own part of every queue under Python's key names, and a key or lock lives on node
 * {@code CRC32(utf8 name) % n} (node order is configuration order). Thread safe.
 */
final class IndependentNodes implements Topology {

    private final List<RedisClient> nodes;
    private final Map<String, List<Shard>> shardsByQueue = new ConcurrentHashMap<>();

    IndependentNodes(List<RedisClient> nodes) {
        this.nodes = List.copyOf(nodes);
        if (this.nodes.isEmpty()) {
            throw new IllegalArgumentException("at least one node is needed");
        }
    }

    @Override
    public List<Shard> shards(String queue) {
        return shardsByQueue.computeIfAbsent(queue, q -> {
            QueueKeys keys = QueueKeys.python(q);
            List<Shard> shards = new ArrayList<>(nodes.size());
            for (int i = 0; i < nodes.size(); i++) {
                shards.add(new Shard(i, nodes.get(i), keys));
            }
            return List.copyOf(shards);
        });
    }

    @Override
    public RedisClient clientFor(String name) {
        return nodes.get(nodeIndex(name, nodes.size()));
    }

    /** Python Sergeant's placement: {@code binascii.crc32(name.encode()) % n}. */
    static int nodeIndex(String name, int nodeCount) {
        CRC32 crc = new CRC32();
        crc.update(name.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % nodeCount);
    }

    @Override
    public List<RedisClient> clients() {
        return nodes;
    }

    @Override
    public void close() {
        for (RedisClient node : nodes) {
            node.close();
        }
    }
}
