package io.sergeant.backend.redis;

import io.sergeant.spi.backend.BackendKeys;

import java.util.Optional;

import static io.sergeant.backend.redis.Replies.arg;
import static java.util.Objects.requireNonNull;

/** The key role: plain Redis strings under the key's own name, placed as Python Sergeant places them. Thread safe. */
final class RedisKeys implements BackendKeys {

    private final Topology topology;

    RedisKeys(Topology topology) {
        this.topology = requireNonNull(topology, "topology is null");
    }

    @Override
    public boolean keySet(String key, byte[] value) {
        requireNonNull(key, "key is null");
        requireNonNull(value, "value is null");
        // SET ... GET is GETSET (Python Sergeant's command) without the deprecation.
        return topology.clientFor(key).call("keySet", j -> j.setGet(arg(key), value)) == null;
    }

    @Override
    public Optional<byte[]> keyGet(String key) {
        requireNonNull(key, "key is null");
        return Optional.ofNullable(topology.clientFor(key).call("keyGet", j -> j.get(arg(key))));
    }

    @Override
    public boolean keyDelete(String key) {
        requireNonNull(key, "key is null");
        return topology.clientFor(key).call("keyDelete", j -> j.del(arg(key))) > 0;
    }
}
