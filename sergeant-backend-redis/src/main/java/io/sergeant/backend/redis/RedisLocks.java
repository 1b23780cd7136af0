package io.sergeant.backend.redis;

import io.sergeant.spi.backend.BackendLocks;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static io.sergeant.backend.redis.Replies.arg;
import static io.sergeant.backend.redis.Replies.number;
import static java.util.Objects.requireNonNull;

/**
 * The lock role in Python Sergeant's layout: key {@code __lock__.<name>} holding the owner token,
 * with a millisecond TTL; release and TTL changes check the owner in a script. Thread safe.
 */
final class RedisLocks implements BackendLocks {

    private static final String LOCK_PREFIX = "__lock__.";

    private final Topology topology;
    private final Scripts scripts;

    RedisLocks(Topology topology, Scripts scripts) {
        this.topology = requireNonNull(topology, "topology is null");
        this.scripts = requireNonNull(scripts, "scripts is null");
    }

    @Override
    public boolean lockAcquire(String name, String owner, Duration ttl) {
        requireNonNull(name, "name is null");
        requireNonNull(owner, "owner is null");
        long millis = positiveMillis(ttl);
        String reply = topology.clientFor(name).call("lockAcquire",
                j -> j.set(lockKey(name), arg(owner), JedisCompat.setNxPx(millis)));
        return "OK".equals(reply);
    }

    @Override
    public boolean lockRelease(String name, String owner) {
        requireNonNull(name, "name is null");
        requireNonNull(owner, "owner is null");
        return number(topology.clientFor(name).script(scripts.lockRelease(), List.of(lockKey(name)),
                List.of(arg(owner)))) == 1;
    }

    @Override
    public boolean lockIsLocked(String name) {
        requireNonNull(name, "name is null");
        return topology.clientFor(name).call("lockIsLocked", j -> j.exists(lockKey(name)));
    }

    @Override
    public boolean lockSetTtl(String name, String owner, Duration ttl) {
        requireNonNull(name, "name is null");
        requireNonNull(owner, "owner is null");
        requireNonNull(ttl, "ttl is null");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("a TTL must not be negative: " + ttl);
        }
        return number(topology.clientFor(name).script(scripts.lockSetTtl(), List.of(lockKey(name)),
                List.of(arg(owner), arg(ttl.toMillis())))) == 1;
    }

    @Override
    public Optional<Duration> lockTtl(String name) {
        requireNonNull(name, "name is null");
        long millis = topology.clientFor(name).call("lockTtl", j -> j.pttl(lockKey(name)));
        if (millis < 0) {
            return Optional.empty(); // -2: no lock; -1: no expiry (not ours), reported like Python: none
        }
        return Optional.of(Duration.ofSeconds((millis + 999) / 1000));
    }

    private static byte[] lockKey(String name) {
        return arg(LOCK_PREFIX + name);
    }

    private static long positiveMillis(Duration ttl) {
        requireNonNull(ttl, "ttl is null");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("a TTL must be positive: " + ttl);
        }
        return Math.max(1, ttl.toMillis());
    }
}
