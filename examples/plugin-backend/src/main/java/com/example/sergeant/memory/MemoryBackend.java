package com.example.sergeant.memory;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendKeys;
import io.sergeant.spi.backend.BackendLocks;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Backend} on a JVM-wide in-memory store ({@code memory:NAME}). It plays the queue role and,
 * by implementing their interfaces, the key and lock roles (the default role accessors find them);
 * {@link Backend#stats} is the SPI's generic form. Due times and lock TTLs follow the plugin context's
 * clock.
 *
 * <p>Thread safe; every operation is atomic (one monitor per store) and returns at once. Calls after
 * {@link #close()} throw {@link SergeantException} with {@code ILLEGAL_ACTION}; null arguments throw
 * {@link NullPointerException} and out-of-range numbers {@link IllegalArgumentException}.
 */
public final class MemoryBackend implements Backend, BackendKeys, BackendLocks {

    private final String storeName;
    private final MemoryStore store;
    private final Clock clock;
    private final AtomicBoolean closed = new AtomicBoolean();

    MemoryBackend(String storeName, MemoryStore store, Clock clock) {
        this.storeName = Objects.requireNonNull(storeName, "storeName is null");
        this.store = Objects.requireNonNull(store, "store is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
    }

    @Override
    public void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom) {
        open(queue);
        Objects.requireNonNull(priority, "priority is null");
        items.forEach(item -> Objects.requireNonNull(item, "an item is null"));
        store.push(queue, items, priority, consumableFrom);
    }

    /** At-most-once only: core passes leased options only to a backend with the lease role, which this is not. */
    @Override
    public List<Delivery> pop(String queue, int max, DeliveryOptions options) {
        open(queue);
        if (options.leased() || max < 0) {
            throw new IllegalArgumentException("the memory backend pops at-most-once only, max >= 0; got " + options + ", " + max);
        }
        return store.pop(queue, max, clock.instant()).stream().map(payload -> new Delivery(payload, null)).toList();
    }

    @Override
    public long length(String queue, boolean includeDelayed) {
        return store.length(open(queue), includeDelayed, clock.instant());
    }

    @Override
    public boolean purge(String queue) {
        return store.purge(open(queue));
    }

    @Override
    public boolean keySet(String key, byte[] value) {
        Objects.requireNonNull(value, "value is null");
        return store.keySet(open(key), value);
    }

    @Override
    public Optional<byte[]> keyGet(String key) {
        return store.keyGet(open(key));
    }

    @Override
    public boolean keyDelete(String key) {
        return store.keyDelete(open(key));
    }

    @Override
    public boolean lockAcquire(String name, String owner, Duration ttl) {
        return store.lockAcquire(open(name), Objects.requireNonNull(owner, "owner is null"), ttl(ttl, false), clock.instant());
    }

    @Override
    public boolean lockRelease(String name, String owner) {
        return store.lockRelease(open(name), Objects.requireNonNull(owner, "owner is null"), clock.instant());
    }

    @Override
    public boolean lockSetTtl(String name, String owner, Duration ttl) {
        return store.lockSetTtl(open(name), Objects.requireNonNull(owner, "owner is null"), ttl(ttl, true), clock.instant());
    }

    @Override
    public Optional<Duration> lockTtl(String name) {
        return store.lockTtl(open(name), clock.instant());
    }

    /** Marks this backend closed; the store and its data stay for other backends. Idempotent. */
    @Override
    public void close() { closed.set(true); }

    @Override
    public String toString() {
        return "MemoryBackend[memory:" + storeName + "]";
    }

    /** Checks that this backend is open and the name is present; returns the name. */
    private String open(String name) {
        if (closed.get()) {
            throw new SergeantException(ErrorCode.ILLEGAL_ACTION, "the memory backend on 'memory:" + storeName
                    + "' is closed; open a new one (its store and data are still there)");
        }
        return Objects.requireNonNull(name, "name is null");
    }

    private static Duration ttl(Duration ttl, boolean zeroAllowed) {
        Objects.requireNonNull(ttl, "ttl is null");
        if (ttl.isNegative() || (ttl.isZero() && !zeroAllowed)) {
            throw new IllegalArgumentException("a lock TTL must be positive" + (zeroAllowed ? " or zero" : "") + ": " + ttl);
        }
        return ttl;
    }
}
