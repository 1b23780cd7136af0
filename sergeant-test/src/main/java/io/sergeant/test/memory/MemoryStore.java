package io.sergeant.test.memory;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The state behind one {@code memory:NAME}: queues (ready and delayed tasks, leases, dead letters),
 * keys and locks. Every operation runs under this object's monitor, so each one is atomic with respect
 * to every other, which is what makes "each task delivered once", "one lock owner" and "reap without
 * double work" hold with any number of threads. Times come from the caller (the backend's clock).
 *
 * <p>Payloads and values are copied in and out, so callers can never change what is stored.
 */
final class MemoryStore {

    /** Where a task waits: the pop order is HIGH, NORMAL, then due delayed tasks by due time. */
    private enum Slot { HIGH, NORMAL, DELAYED }

    /**
     * A task waiting in a queue.
     *
     * @param id            the task's identifier, kept across redeliveries (the receipt id)
     * @param seq           insertion order within its slot; fresh each time the task is put back
     * @param deliveryCount how many times it was delivered before
     * @param due           when a delayed task becomes deliverable; null for the other slots
     */
    private record Entry(long id, long seq, byte[] payload, int deliveryCount, Slot slot, Instant due) {

        boolean deliverableAt(Instant now) {
            return slot != Slot.DELAYED || !due.isAfter(now);
        }
    }

    private static final Comparator<Entry> POP_ORDER = Comparator.comparing(Entry::slot)
            .thenComparing(entry -> entry.slot() == Slot.DELAYED ? entry.due() : Instant.EPOCH)
            .thenComparingLong(Entry::seq);

    /** A delivered task and its lease; {@code deliveryCount} includes this delivery. */
    private record Lease(Entry entry, String token, int deliveryCount, Instant until) {

        boolean expiredAt(Instant now) {
            return !until.isAfter(now);
        }
    }

    private record DeadEntry(long id, byte[] payload, String reason, int deliveryCount, double deadAt) {
    }

    /** One queue: what waits, what is leased (in lease order), what was given up on (oldest first). */
    private static final class QueueState {
        final TreeSet<Entry> ready = new TreeSet<>(POP_ORDER);
        final Map<Long, Lease> leases = new LinkedHashMap<>();
        final List<DeadEntry> dead = new ArrayList<>();
    }

    private record LockEntry(String owner, Instant expiresAt) {

        boolean heldAt(Instant now) {
            return expiresAt.isAfter(now);
        }
    }

    private final String name;
    private final Map<String, QueueState> queues = new HashMap<>();
    private final Map<String, byte[]> keys = new HashMap<>();
    private final Map<String, LockEntry> locks = new HashMap<>();
    private long nextId;
    private long nextSeq;

    MemoryStore(String name) {
        this.name = name;
    }

    String name() {
        return name;
    }

    // ------------------------------------------------------------------ queues

    synchronized void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom) {
        if (items.isEmpty()) {
            return;
        }
        QueueState state = queues.computeIfAbsent(queue, q -> new QueueState());
        Slot slot = consumableFrom != null ? Slot.DELAYED : priority == Priority.HIGH ? Slot.HIGH : Slot.NORMAL;
        for (byte[] item : items) {
            state.ready.add(new Entry(++nextId, ++nextSeq, item.clone(), 0, slot, consumableFrom));
        }
    }

    synchronized List<Delivery> pop(String queue, int max, DeliveryOptions options, Instant now) {
        QueueState state = queues.get(queue);
        List<Delivery> deliveries = new ArrayList<>();
        while (state != null && deliveries.size() < max && !state.ready.isEmpty()
                && state.ready.first().deliverableAt(now)) {
            Entry entry = state.ready.pollFirst();
            if (!options.leased()) {
                deliveries.add(new Delivery(entry.payload().clone(), null));
                continue;
            }
            int count = entry.deliveryCount() + 1;
            if (count > options.maxDeliveries()) {
                state.dead.add(new DeadEntry(++nextId, entry.payload(), "delivered " + entry.deliveryCount()
                        + " times, the most allowed (maxDeliveries " + options.maxDeliveries() + ")",
                        entry.deliveryCount(), epochSeconds(now)));
                continue;
            }
            Lease lease = new Lease(entry, UUID.randomUUID().toString(), count, now.plus(options.lease()));
            state.leases.put(entry.id(), lease);
            deliveries.add(new Delivery(entry.payload().clone(),
                    new Receipt(Long.toString(entry.id()), lease.token(), count)));
        }
        return deliveries;
    }

    synchronized SettleResult ack(String queue, List<Receipt> receipts) {
        QueueState state = queues.get(queue);
        int settled = 0;
        List<Receipt> refused = new ArrayList<>();
        for (Receipt receipt : receipts) {
            Lease lease = held(state, receipt);
            if (lease == null) {
                refused.add(receipt);
                continue;
            }
            state.leases.remove(lease.entry().id());
            settled++;
        }
        return new SettleResult(settled, refused);
    }

    synchronized SettleResult extend(String queue, List<Receipt> receipts, Duration leaseTime, Instant now) {
        QueueState state = queues.get(queue);
        int settled = 0;
        List<Receipt> refused = new ArrayList<>();
        Set<Long> extended = new HashSet<>();
        for (Receipt receipt : receipts) {
            Lease lease = held(state, receipt);
            // A receipt listed twice settles once, as in an ack.
            if (lease == null || !extended.add(lease.entry().id())) {
                refused.add(receipt);
                continue;
            }
            state.leases.put(lease.entry().id(),
                    new Lease(lease.entry(), lease.token(), lease.deliveryCount(), now.plus(leaseTime)));
            settled++;
        }
        return new SettleResult(settled, refused);
    }

    /** Hands leases back ahead of NORMAL tasks; {@code counted} false takes this delivery off the count. */
    synchronized SettleResult release(String queue, List<Receipt> receipts, boolean counted) {
        QueueState state = queues.get(queue);
        int settled = 0;
        List<Receipt> refused = new ArrayList<>();
        for (Receipt receipt : receipts) {
            Lease lease = held(state, receipt);
            if (lease == null) {
                refused.add(receipt);
                continue;
            }
            state.leases.remove(lease.entry().id());
            // Handed back ahead of NORMAL tasks, keeping the count of deliveries so far.
            int deliveries = counted ? lease.deliveryCount() : lease.deliveryCount() - 1;
            state.ready.add(new Entry(lease.entry().id(), ++nextSeq, lease.entry().payload(), deliveries,
                    Slot.HIGH, null));
            settled++;
        }
        return new SettleResult(settled, refused);
    }

    synchronized boolean deadLetter(String queue, Delivery delivery, String reason, Instant now) {
        if (!delivery.leased()) {
            queues.computeIfAbsent(queue, q -> new QueueState()).dead
                    .add(new DeadEntry(++nextId, delivery.payload().clone(), reason, 1, epochSeconds(now)));
            return true;
        }
        QueueState state = queues.get(queue);
        Lease lease = held(state, delivery.receipt());
        if (lease == null) {
            return false;
        }
        state.leases.remove(lease.entry().id());
        state.dead.add(new DeadEntry(++nextId, lease.entry().payload(), reason, lease.deliveryCount(), epochSeconds(now)));
        return true;
    }

    synchronized ReapResult reap(String queue, int maxDeliveries, Instant now) {
        QueueState state = queues.get(queue);
        if (state == null) {
            return ReapResult.NONE;
        }
        int redelivered = 0;
        int deadLettered = 0;
        for (Iterator<Lease> leases = state.leases.values().iterator(); leases.hasNext(); ) {
            Lease lease = leases.next();
            if (!lease.expiredAt(now)) {
                continue;
            }
            leases.remove();
            Entry entry = lease.entry();
            if (lease.deliveryCount() >= maxDeliveries) {
                state.dead.add(new DeadEntry(++nextId, entry.payload(), "lease expired after " + lease.deliveryCount()
                        + " deliveries (maxDeliveries " + maxDeliveries + ")", lease.deliveryCount(), epochSeconds(now)));
                deadLettered++;
                continue;
            }
            state.ready.add(new Entry(entry.id(), ++nextSeq, entry.payload(), lease.deliveryCount(), entry.slot(), entry.due()));
            redelivered++;
        }
        return redelivered == 0 && deadLettered == 0 ? ReapResult.NONE : new ReapResult(redelivered, deadLettered);
    }

    synchronized List<DeadLetter> deadLetters(String queue, int limit) {
        QueueState state = queues.get(queue);
        if (state == null) {
            return List.of();
        }
        List<DeadLetter> result = new ArrayList<>();
        for (DeadEntry dead : state.dead.subList(0, Math.min(limit, state.dead.size()))) {
            result.add(new DeadLetter(Long.toString(dead.id()), dead.payload().clone(), dead.reason(),
                    dead.deliveryCount(), dead.deadAt()));
        }
        return result;
    }

    synchronized long requeueDeadLetters(String queue) {
        QueueState state = queues.get(queue);
        if (state == null) {
            return 0;
        }
        for (DeadEntry dead : state.dead) {
            state.ready.add(new Entry(++nextId, ++nextSeq, dead.payload(), 0, Slot.NORMAL, null));
        }
        long moved = state.dead.size();
        state.dead.clear();
        return moved;
    }

    synchronized long purgeDeadLetters(String queue) {
        QueueState state = queues.get(queue);
        if (state == null) {
            return 0;
        }
        long purged = state.dead.size();
        state.dead.clear();
        return purged;
    }

    synchronized long length(String queue, boolean includeDelayed, Instant now) {
        QueueState state = queues.get(queue);
        if (state == null) {
            return 0;
        }
        return includeDelayed ? state.ready.size() : state.ready.size() - notYetDue(state, now);
    }

    synchronized QueueStats stats(String queue, Instant now) {
        QueueState state = queues.get(queue);
        if (state == null) {
            return new QueueStats(0, 0, 0, 0);
        }
        long delayed = notYetDue(state, now);
        return new QueueStats(state.ready.size() - delayed, delayed, state.leases.size(), state.dead.size());
    }

    synchronized boolean purge(String queue) {
        QueueState state = queues.get(queue);
        if (state == null || state.ready.isEmpty()) {
            return false;
        }
        state.ready.clear();
        return true;
    }

    /** Delayed tasks not yet due: they sort last, by due time, so count from the end. */
    private static long notYetDue(QueueState state, Instant now) {
        long count = 0;
        for (Iterator<Entry> entries = state.ready.descendingIterator(); entries.hasNext(); ) {
            if (entries.next().deliverableAt(now)) {
                break;
            }
            count++;
        }
        return count;
    }

    /** The lease a receipt proves, or null when the receipt is stale, foreign or malformed. */
    private static Lease held(QueueState state, Receipt receipt) {
        if (state == null) {
            return null;
        }
        long id;
        try {
            id = Long.parseLong(receipt.id());
        } catch (NumberFormatException e) {
            return null;
        }
        Lease lease = state.leases.get(id);
        return lease != null && lease.token().equals(receipt.token()) ? lease : null;
    }

    // ------------------------------------------------------------------ keys

    synchronized boolean keySet(String key, byte[] value) {
        return keys.put(key, value.clone()) == null;
    }

    synchronized Optional<byte[]> keyGet(String key) {
        return Optional.ofNullable(keys.get(key)).map(byte[]::clone);
    }

    synchronized boolean keyDelete(String key) {
        return keys.remove(key) != null;
    }

    // ------------------------------------------------------------------ locks

    synchronized boolean lockAcquire(String lock, String owner, Duration ttl, Instant now) {
        LockEntry current = locks.get(lock);
        if (current != null && current.heldAt(now)) {
            return false;
        }
        locks.put(lock, new LockEntry(owner, now.plus(ttl)));
        return true;
    }

    synchronized boolean lockRelease(String lock, String owner, Instant now) {
        LockEntry current = locks.get(lock);
        if (current == null || !current.heldAt(now) || !current.owner().equals(owner)) {
            return false;
        }
        locks.remove(lock);
        return true;
    }

    synchronized boolean lockIsLocked(String lock, Instant now) {
        LockEntry current = locks.get(lock);
        return current != null && current.heldAt(now);
    }

    synchronized boolean lockSetTtl(String lock, String owner, Duration ttl, Instant now) {
        LockEntry current = locks.get(lock);
        if (current == null || !current.heldAt(now) || !current.owner().equals(owner)) {
            return false;
        }
        locks.put(lock, new LockEntry(owner, now.plus(ttl)));
        return true;
    }

    /** Whole seconds rounded up, at least one, as Python Sergeant's {@code get_ttl}. */
    synchronized Optional<Duration> lockTtl(String lock, Instant now) {
        LockEntry current = locks.get(lock);
        if (current == null || !current.heldAt(now)) {
            return Optional.empty();
        }
        long millis = Duration.between(now, current.expiresAt()).toMillis();
        return Optional.of(Duration.ofSeconds(Math.max(1, (millis + 999) / 1000)));
    }

    private static double epochSeconds(Instant instant) {
        return instant.getEpochSecond() + instant.getNano() / 1_000_000_000.0;
    }
}
