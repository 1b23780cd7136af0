package io.sergeant.backend.redis;

import java.util.Objects;

/**
 * Where one part of a queue lives: a client (a node, or the cluster) and the queue's keys there.
 *
 * @param index  the shard's position, encoded in receipt and dead-letter ids
 * @param client the node or cluster client
 * @param keys   the queue's keys on this shard
 */
record Shard(int index, RedisClient client, QueueKeys keys) {

    /** Checks that no part is null. */
    Shard {
        Objects.requireNonNull(client, "client is null");
        Objects.requireNonNull(keys, "keys is null");
    }
}
