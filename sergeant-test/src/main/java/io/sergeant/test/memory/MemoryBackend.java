package io.sergeant.test.memory;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.spi.backend.BackendKeys;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendLocks;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Backend} on a JVM-wide in-memory store ({@code memory:NAME}), implementing the whole
 * contract in both delivery modes: leases with fresh tokens and delivery counts, extension, release,
 * reaping, dead letters, owner locks with a TTL, keys, HIGH/NORMAL priorities and delayed tasks.
 * Lease expiry, due times and lock TTLs follow the plugin context's clock.
 *
 * <p>Thread safe; every operation is atomic (one monitor per store) and returns at once. Nothing is
 * durable: the store lives as long as the JVM (or until {@link MemoryStores#drop(String)}). Calls after
 * {@link #close()} throw {@link SergeantException} with {@code ILLEGAL_ACTION}; null arguments throw
 * {@link NullPointerException} and out-of-range numbers {@link IllegalArgumentException}.
 */
public final class MemoryBackend implements Backend, BackendLeases, BackendDeadLetters, BackendKeys, BackendLocks {

    private static final System.Logger LOG = System.getLogger(MemoryBackend.class.getName());

    private final String storeName;
    private final MemoryStore store;
    private final Clock clock;
    private final AtomicBoolean closed = new AtomicBoolean();

    MemoryBackend(String storeName, MemoryStore store, Clock clock) {
        this.storeName = Objects.requireNonNull(storeName, "storeName is null");
        this.store = Objects.requireNonNull(store, "store is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
        LOG.log(System.Logger.Level.DEBUG, "opened memory backend on store ''{0}''", storeName);
    }

    @Override
    public void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom) {
        requireOpen();
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(items, "items is null");
        Objects.requireNonNull(priority, "priority is null");
        items.forEach(item -> Objects.requireNonNull(item, "an item is null"));
        store.push(queue, items, priority, consumableFrom);
    }

    @Override
    public List<Delivery> pop(String queue, int max, DeliveryOptions options) {
        requireOpen();
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(options, "options is null");
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative: " + max);
        }
        return store.pop(queue, max, options, now());
    }

    @Override
    public SettleResult ack(String queue, List<Receipt> receipts) {
        checkSettle(queue, receipts);
        return store.ack(queue, receipts);
    }

    @Override
    public SettleResult extend(String queue, List<Receipt> receipts, Duration lease) {
        checkSettle(queue, receipts);
        checkPositive(lease, "lease");
        return store.extend(queue, receipts, lease, now());
    }

    @Override
    public SettleResult release(String queue, List<Receipt> receipts) {
        checkSettle(queue, receipts);
        return store.release(queue, receipts, true);
    }

    @Override
    public SettleResult handBack(String queue, List<Receipt> receipts) {
        checkSettle(queue, receipts);
        return store.release(queue, receipts, false);
    }

    @Override
    public boolean deadLetter(String queue, Delivery delivery, String reason) {
        requireOpen();
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(delivery, "delivery is null");
        Objects.requireNonNull(reason, "reason is null");
        return store.deadLetter(queue, delivery, reason, now());
    }

    @Override
    public ReapResult reap(String queue, int maxDeliveries) {
        requireOpen();
        Objects.requireNonNull(queue, "queue is null");
        if (maxDeliveries <= 0) {
            throw new IllegalArgumentException("maxDeliveries must be positive: " + maxDeliveries);
        }
        return store.reap(queue, maxDeliveries, now());
    }

    @Override
    public List<DeadLetter> deadLetters(String queue, int limit) {
        requireOpen();
        Objects.requireNonNull(queue, "queue is null");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        return store.deadLetters(queue, limit);
    }

    @Override
    public long requeueDeadLetters(String queue) {
        requireOpen();
        return store.requeueDeadLetters(Objects.requireNonNull(queue, "queue is null"));
    }

    @Override
    public long purgeDeadLetters(String queue) {
        requireOpen();
        return store.purgeDeadLetters(Objects.requireNonNull(queue, "queue is null"));
    }

    @Override
    public long length(String queue, boolean includeDelayed) {
        requireOpen();
        return store.length(Objects.requireNonNull(queue, "queue is null"), includeDelayed, now());
    }

    @Override
    public QueueStats stats(String queue) {
        requireOpen();
        return store.stats(Objects.requireNonNull(queue, "queue is null"), now());
    }

    @Override
    public boolean purge(String queue) {
        requireOpen();
        return store.purge(Objects.requireNonNull(queue, "queue is null"));
    }

    @Override
    public boolean keySet(String key, byte[] value) {
        requireOpen();
        Objects.requireNonNull(key, "key is null");
        Objects.requireNonNull(value, "value is null");
        return store.keySet(key, value);
    }

    @Override
    public Optional<byte[]> keyGet(String key) {
        requireOpen();
        return store.keyGet(Objects.requireNonNull(key, "key is null"));
    }

    @Override
    public boolean keyDelete(String key) {
        requireOpen();
        return store.keyDelete(Objects.requireNonNull(key, "key is null"));
    }

    @Override
    public boolean lockAcquire(String name, String owner, Duration ttl) {
        checkLock(name, owner);
        checkPositive(ttl, "lock TTL");
        return store.lockAcquire(name, owner, ttl, now());
    }

    @Override
    public boolean lockRelease(String name, String owner) {
        checkLock(name, owner);
        return store.lockRelease(name, owner, now());
    }

    @Override
    public boolean lockIsLocked(String name) {
        requireOpen();
        return store.lockIsLocked(Objects.requireNonNull(name, "name is null"), now());
    }

    @Override
    public boolean lockSetTtl(String name, String owner, Duration ttl) {
        checkLock(name, owner);
        Objects.requireNonNull(ttl, "lock TTL is null");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("a lock TTL must be zero (to free the lock) or positive: " + ttl);
        }
        // A zero TTL expires the lock now, which frees it (the contract of BackendLocks.lockSetTtl).
        return store.lockSetTtl(name, owner, ttl, now());
    }

    @Override
    public Optional<Duration> lockTtl(String name) {
        requireOpen();
        return store.lockTtl(Objects.requireNonNull(name, "name is null"), now());
    }

    /** Marks this backend closed; the store and its data stay for other backends. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.DEBUG, "closed a memory backend on store ''{0}''", storeName);
        }
    }

    @Override
    public String toString() {
        return "MemoryBackend[memory:" + storeName + "]";
    }

    private Instant now() {
        return clock.instant();
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new SergeantException(ErrorCode.ILLEGAL_ACTION, "the memory backend on 'memory:" + storeName
                    + "' is closed; open a new one (its store and data are still there)");
        }
    }

    private void checkSettle(String queue, List<Receipt> receipts) {
        requireOpen();
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(receipts, "receipts is null");
        receipts.forEach(receipt -> Objects.requireNonNull(receipt, "a receipt is null"));
    }

    private void checkLock(String name, String owner) {
        requireOpen();
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(owner, "owner is null");
    }

    private static void checkPositive(Duration value, String what) {
        Objects.requireNonNull(value, what + " is null");
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("a " + what + " must be positive: " + value);
        }
    }
}
