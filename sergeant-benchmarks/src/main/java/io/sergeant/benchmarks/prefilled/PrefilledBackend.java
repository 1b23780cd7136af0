package io.sergeant.benchmarks.prefilled;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A process-local {@link Backend} for benchmarks: queues are deques, leases a map, dead letters a list,
 * keys and locks maps. Delayed tasks become deliverable at their time; HIGH tasks go first. Leases
 * never expire by themselves: {@link #reap} hands back those past their deadline. Thread safe (one
 * monitor); every method returns at once.
 */
final class PrefilledBackend implements Backend, BackendLeases, BackendDeadLetters, BackendKeys, BackendLocks {

    private final Clock clock;
    private final Map<String, Queue> queues = new HashMap<>();
    private final Map<String, byte[]> keys = new HashMap<>();
    private final Map<String, Lease> locks = new HashMap<>();
    private long sequence;

    PrefilledBackend(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock is null");
    }

    synchronized void fill(String queue, byte[] payload, int count) {
        Queue q = queue(queue);
        for (int i = 0; i < count; i++) {
            q.normal.add(new Item(payload, 0));
        }
    }

    @Override
    public synchronized void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom) {
        Queue q = queue(queue);
        for (byte[] item : items) {
            Item entry = new Item(Objects.requireNonNull(item, "an item is null"), 0);
            if (consumableFrom != null && consumableFrom.isAfter(clock.instant())) {
                q.delayed.add(new Delayed(entry, consumableFrom));
            } else if (priority == Priority.HIGH) {
                q.high.addFirst(entry);
            } else {
                q.normal.add(entry);
            }
        }
    }

    @Override
    public synchronized List<Delivery> pop(String queue, int max, DeliveryOptions options) {
        Queue q = queue(queue);
        q.promoteDue(clock.instant());
        List<Delivery> out = new ArrayList<>(Math.min(max, 4096));
        long deadline = options.leased() ? clock.millis() + options.lease().toMillis() : 0;
        while (out.size() < max) {
            Item item = q.high.pollFirst();
            if (item == null) {
                item = q.normal.pollFirst();
            }
            if (item == null) {
                break;
            }
            if (!options.leased()) {
                out.add(new Delivery(item.payload, null));
                continue;
            }
            int count = item.deliveries + 1;
            if (count > options.maxDeliveries()) {
                q.dead.add(new DeadLetter(Long.toString(++sequence), item.payload, "too many deliveries", count - 1,
                        clock.millis() / 1000.0));
                continue;
            }
            String id = Long.toString(++sequence);
            q.leases.put(id, new Leased(new Item(item.payload, count), deadline));
            out.add(new Delivery(item.payload, new Receipt(id, id, count)));
        }
        return out;
    }

    @Override
    public synchronized SettleResult ack(String queue, List<Receipt> receipts) {
        Queue q = queue(queue);
        List<Receipt> refused = new ArrayList<>();
        for (Receipt receipt : receipts) {
            if (q.leases.remove(receipt.id()) == null) {
                refused.add(receipt);
            }
        }
        return new SettleResult(receipts.size() - refused.size(), refused);
    }

    @Override
    public synchronized SettleResult extend(String queue, List<Receipt> receipts, Duration lease) {
        Queue q = queue(queue);
        List<Receipt> refused = new ArrayList<>();
        long deadline = clock.millis() + lease.toMillis();
        for (Receipt receipt : receipts) {
            Leased leased = q.leases.get(receipt.id());
            if (leased == null) {
                refused.add(receipt);
            } else {
                q.leases.put(receipt.id(), new Leased(leased.item, deadline));
            }
        }
        return new SettleResult(receipts.size() - refused.size(), refused);
    }

    @Override
    public synchronized SettleResult release(String queue, List<Receipt> receipts) {
        Queue q = queue(queue);
        List<Receipt> refused = new ArrayList<>();
        for (int i = receipts.size() - 1; i >= 0; i--) {
            Leased leased = q.leases.remove(receipts.get(i).id());
            if (leased == null) {
                refused.add(receipts.get(i));
            } else {
                q.high.addFirst(leased.item);
            }
        }
        return new SettleResult(receipts.size() - refused.size(), refused);
    }

    @Override
    public synchronized boolean deadLetter(String queue, Delivery delivery, String reason) {
        Queue q = queue(queue);
        int count = 0;
        if (delivery.leased()) {
            Leased leased = q.leases.remove(delivery.receipt().id());
            if (leased == null) {
                return false;
            }
            count = leased.item.deliveries;
        }
        q.dead.add(new DeadLetter(Long.toString(++sequence), delivery.payload(), reason, count, clock.millis() / 1000.0));
        return true;
    }

    @Override
    public synchronized ReapResult reap(String queue, int maxDeliveries) {
        Queue q = queue(queue);
        long now = clock.millis();
        int redelivered = 0;
        int dead = 0;
        for (Iterator<Leased> it = q.leases.values().iterator(); it.hasNext(); ) {
            Leased leased = it.next();
            if (leased.deadline > now) {
                continue;
            }
            it.remove();
            if (leased.item.deliveries >= maxDeliveries) {
                q.dead.add(new DeadLetter(Long.toString(++sequence), leased.item.payload, "lease expired too often",
                        leased.item.deliveries, now / 1000.0));
                dead++;
            } else {
                q.high.addLast(leased.item);
                redelivered++;
            }
        }
        return new ReapResult(redelivered, dead);
    }

    @Override
    public synchronized List<DeadLetter> deadLetters(String queue, int limit) {
        List<DeadLetter> dead = queue(queue).dead;
        return List.copyOf(dead.subList(0, Math.min(limit, dead.size())));
    }

    @Override
    public synchronized long requeueDeadLetters(String queue) {
        Queue q = queue(queue);
        long count = q.dead.size();
        q.dead.forEach(letter -> q.normal.add(new Item(letter.payload(), 0)));
        q.dead.clear();
        return count;
    }

    @Override
    public synchronized long purgeDeadLetters(String queue) {
        Queue q = queue(queue);
        long count = q.dead.size();
        q.dead.clear();
        return count;
    }

    @Override
    public synchronized long length(String queue, boolean includeDelayed) {
        Queue q = queue(queue);
        q.promoteDue(clock.instant());
        return q.high.size() + q.normal.size() + (includeDelayed ? q.delayed.size() : 0);
    }

    @Override
    public synchronized QueueStats stats(String queue) {
        Queue q = queue(queue);
        q.promoteDue(clock.instant());
        return new QueueStats(q.high.size() + q.normal.size(), q.delayed.size(), q.leases.size(), q.dead.size());
    }

    @Override
    public synchronized boolean purge(String queue) {
        Queue q = queue(queue);
        boolean any = !q.high.isEmpty() || !q.normal.isEmpty() || !q.delayed.isEmpty();
        q.high.clear();
        q.normal.clear();
        q.delayed.clear();
        return any;
    }

    @Override
    public synchronized boolean keySet(String key, byte[] value) {
        return keys.put(key, value.clone()) == null;
    }

    @Override
    public synchronized Optional<byte[]> keyGet(String key) {
        return Optional.ofNullable(keys.get(key)).map(byte[]::clone);
    }

    @Override
    public synchronized boolean keyDelete(String key) {
        return keys.remove(key) != null;
    }

    @Override
    public synchronized boolean lockAcquire(String name, String owner, Duration ttl) {
        Lease lock = locks.get(name);
        long now = clock.millis();
        if (lock != null && lock.until > now) {
            return false;
        }
        locks.put(name, new Lease(owner, now + ttl.toMillis()));
        return true;
    }

    @Override
    public synchronized boolean lockRelease(String name, String owner) {
        Lease lock = locks.get(name);
        if (lock == null || !lock.owner.equals(owner) || lock.until <= clock.millis()) {
            return false;
        }
        locks.remove(name);
        return true;
    }

    @Override
    public synchronized boolean lockIsLocked(String name) {
        Lease lock = locks.get(name);
        return lock != null && lock.until > clock.millis();
    }

    @Override
    public synchronized boolean lockSetTtl(String name, String owner, Duration ttl) {
        Lease lock = locks.get(name);
        long now = clock.millis();
        if (lock == null || !lock.owner.equals(owner) || lock.until <= now) {
            return false;
        }
        locks.put(name, new Lease(owner, now + ttl.toMillis()));
        return true;
    }

    @Override
    public synchronized Optional<Duration> lockTtl(String name) {
        Lease lock = locks.get(name);
        long now = clock.millis();
        return lock == null || lock.until <= now ? Optional.empty() : Optional.of(Duration.ofMillis(lock.until - now));
    }

    @Override
    public void close() {
        // Nothing to release: the store lives as long as this object.
    }

    private Queue queue(String name) {
        Objects.requireNonNull(name, "queue is null");
        return queues.computeIfAbsent(name, key -> new Queue());
    }

    private record Item(byte[] payload, int deliveries) {
    }

    private record Leased(Item item, long deadline) {
    }

    private record Delayed(Item item, Instant due) {
    }

    private record Lease(String owner, long until) {
    }

    /** One queue's structures; guarded by the backend's monitor. */
    private static final class Queue {
        final ArrayDeque<Item> high = new ArrayDeque<>();
        final ArrayDeque<Item> normal = new ArrayDeque<>();
        final List<Delayed> delayed = new ArrayList<>();
        final Map<String, Leased> leases = new HashMap<>();
        final List<DeadLetter> dead = new ArrayList<>();

        void promoteDue(Instant now) {
            if (delayed.isEmpty()) {
                return;
            }
            for (Iterator<Delayed> it = delayed.iterator(); it.hasNext(); ) {
                Delayed entry = it.next();
                if (!entry.due.isAfter(now)) {
                    normal.add(entry.item);
                    it.remove();
                }
            }
        }
    }
}
