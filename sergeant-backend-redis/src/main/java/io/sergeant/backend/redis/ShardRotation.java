package io.sergeant.backend.redis;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One round-robin pointer over a queue's shards, shared by push and pop as in Python Sergeant, starting
 * at a random shard as Python's does, so that many short-lived producers spread their tasks over the
 * nodes instead of all starting at the first. Thread safe.
 */
final class ShardRotation {

    private final AtomicInteger pointer = new AtomicInteger(ThreadLocalRandom.current().nextInt(1 << 30));

    Shard next(List<Shard> shards) {
        return shards.get(nextIndex(shards.size()));
    }

    int nextIndex(int size) {
        return size == 1 ? 0 : Math.floorMod(pointer.getAndIncrement(), size);
    }
}
