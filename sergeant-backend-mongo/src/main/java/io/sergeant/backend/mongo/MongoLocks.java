package io.sergeant.backend.mongo;

import io.sergeant.spi.backend.BackendLocks;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The lock role of {@link MongoBackend}: Python Sergeant's {@code locks} collection on node
 * {@code crc32(name) % n}, with an owner token ({@link KeyLockStore} says how expiry is decided).
 * Thread safe.
 */
final class MongoLocks implements BackendLocks {

    private final MongoNodes nodes;

    MongoLocks(MongoNodes nodes) {
        this.nodes = nodes;
    }

    @Override
    public boolean lockAcquire(String name, String owner, Duration ttl) {
        Objects.requireNonNull(owner, "owner is null");
        checkTtl(ttl);
        int node = nodes.nodeOf(name);
        return nodes.call(node, "acquire lock '" + name + "'", () -> nodes.keysAndLocks(node).lockAcquire(name, owner, ttl));
    }

    @Override
    public boolean lockRelease(String name, String owner) {
        Objects.requireNonNull(owner, "owner is null");
        int node = nodes.nodeOf(name);
        return nodes.call(node, "release lock '" + name + "'", () -> nodes.keysAndLocks(node).lockRelease(name, owner));
    }

    @Override
    public boolean lockIsLocked(String name) {
        int node = nodes.nodeOf(name);
        return nodes.call(node, "check lock '" + name + "'", () -> nodes.keysAndLocks(node).lockIsLocked(name));
    }

    @Override
    public boolean lockSetTtl(String name, String owner, Duration ttl) {
        Objects.requireNonNull(owner, "owner is null");
        checkTtl(ttl);
        int node = nodes.nodeOf(name);
        return nodes.call(node, "set the TTL of lock '" + name + "'",
                () -> nodes.keysAndLocks(node).lockSetTtl(name, owner, ttl));
    }

    @Override
    public Optional<Duration> lockTtl(String name) {
        int node = nodes.nodeOf(name);
        return nodes.call(node, "read the TTL of lock '" + name + "'", () -> nodes.keysAndLocks(node).lockTtl(name));
    }

    private static void checkTtl(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl is null");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("a lock TTL must not be negative: " + ttl);
        }
    }
}
