package io.sergeant.backend.redis;

import java.util.List;

/**
 * How queues, keys and locks map onto Redis: independent nodes (Python Sergeant's multi-node mode)
 * or one Redis Cluster with sharded queues. Implementations are thread safe.
 */
interface Topology extends AutoCloseable {

    /** The shards of a queue, always in the same order for the same queue; at least one. */
    List<Shard> shards(String queue);

    /** The client that holds a key or a lock of this name. */
    RedisClient clientFor(String name);

    /** Every client, to check connectivity. */
    List<RedisClient> clients();

    /** Closes every client. */
    @Override
    void close();
}
