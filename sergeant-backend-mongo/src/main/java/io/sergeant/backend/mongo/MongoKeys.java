package io.sergeant.backend.mongo;

import io.sergeant.spi.backend.BackendKeys;

import java.util.Objects;
import java.util.Optional;

/**
 * The key-value role of {@link MongoBackend}: Python Sergeant's {@code keys} collection on node
 * {@code crc32(key) % n} ({@link KeyLockStore}). Thread safe.
 */
final class MongoKeys implements BackendKeys {

    private final MongoNodes nodes;

    MongoKeys(MongoNodes nodes) {
        this.nodes = nodes;
    }

    @Override
    public boolean keySet(String key, byte[] value) {
        Objects.requireNonNull(value, "value is null");
        int node = nodes.nodeOf(key);
        return nodes.call(node, "set key '" + key + "'", () -> nodes.keysAndLocks(node).keySet(key, value));
    }

    @Override
    public Optional<byte[]> keyGet(String key) {
        int node = nodes.nodeOf(key);
        return nodes.call(node, "get key '" + key + "'", () -> nodes.keysAndLocks(node).keyGet(key));
    }

    @Override
    public boolean keyDelete(String key) {
        int node = nodes.nodeOf(key);
        return nodes.call(node, "delete key '" + key + "'", () -> nodes.keysAndLocks(node).keyDelete(key));
    }
}
