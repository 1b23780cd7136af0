package com.example.sergeant.memory;

import io.sergeant.api.Priority;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The state behind one {@code memory:NAME}: queues, keys and locks. Every method runs under this
 * object's monitor, so each is atomic with respect to every other: that is what makes "each task
 * delivered once" and "one lock owner" hold with any number of threads. Times come from the caller
 * (the backend's clock). Payloads and values are copied in and out.
 */
final class MemoryStore {

    /**
     * A waiting task. {@code rank} is 0 for HIGH, 1 for NORMAL, 2 for delayed (due at {@code due}), so
     * the pop order (immediate before due delayed, HIGH before NORMAL, then insertion) is one comparator.
     */
    private record Entry(int rank, Instant due, long seq, byte[] payload) {

        boolean deliverableAt(Instant now) {
            return rank < 2 || !due.isAfter(now);
        }
    }

    private static final Comparator<Entry> POP_ORDER = Comparator.comparingInt(Entry::rank)
            .thenComparing(Entry::due).thenComparingLong(Entry::seq);

    private record Lock(String owner, Instant expiresAt) { }

    private final Map<String, TreeSet<Entry>> queues = new HashMap<>();
    private final Map<String, byte[]> keys = new HashMap<>();
    private final Map<String, Lock> locks = new HashMap<>();
    private long seq;

    synchronized void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom) {
        TreeSet<Entry> entries = queues.computeIfAbsent(queue, name -> new TreeSet<>(POP_ORDER));
        for (byte[] item : items) {
            entries.add(consumableFrom != null ? new Entry(2, consumableFrom, seq++, item.clone())
                    : new Entry(priority == Priority.HIGH ? 0 : 1, Instant.EPOCH, seq++, item.clone()));
        }
    }

    synchronized List<byte[]> pop(String queue, int max, Instant now) {
        List<byte[]> popped = new ArrayList<>();
        TreeSet<Entry> entries = queues.getOrDefault(queue, new TreeSet<>(POP_ORDER));
        // Delayed entries come last, by due time: the first one not due ends the pop.
        while (popped.size() < max && !entries.isEmpty() && entries.first().deliverableAt(now)) {
            popped.add(entries.pollFirst().payload());
        }
        return popped;
    }

    synchronized long length(String queue, boolean includeDelayed, Instant now) {
        return queues.getOrDefault(queue, new TreeSet<>(POP_ORDER)).stream()
                .filter(entry -> includeDelayed || entry.deliverableAt(now)).count();
    }

    synchronized boolean purge(String queue) {
        TreeSet<Entry> removed = queues.remove(queue);
        return removed != null && !removed.isEmpty();
    }

    synchronized boolean keySet(String key, byte[] value) {
        return keys.put(key, value.clone()) == null;
    }

    synchronized Optional<byte[]> keyGet(String key) {
        return Optional.ofNullable(keys.get(key)).map(byte[]::clone);
    }

    synchronized boolean keyDelete(String key) {
        return keys.remove(key) != null;
    }

    synchronized boolean lockAcquire(String name, String owner, Duration ttl, Instant now) {
        if (heldBy(name, null, now) != null) {
            return false;
        }
        locks.put(name, new Lock(owner, now.plus(ttl)));
        return true;
    }

    synchronized boolean lockRelease(String name, String owner, Instant now) {
        return heldBy(name, owner, now) != null && locks.remove(name) != null;
    }

    /** A zero TTL expires the lock now, which frees it. */
    synchronized boolean lockSetTtl(String name, String owner, Duration ttl, Instant now) {
        if (heldBy(name, owner, now) == null) {
            return false;
        }
        locks.put(name, new Lock(owner, now.plus(ttl)));
        return true;
    }

    synchronized Optional<Duration> lockTtl(String name, Instant now) {
        Lock lock = heldBy(name, null, now);
        if (lock == null) {
            return Optional.empty();
        }
        long millis = Duration.between(now, lock.expiresAt()).toMillis();
        return Optional.of(Duration.ofSeconds(Math.max(1, (millis + 999) / 1000))); // whole seconds, rounded up
    }

    /** The live lock of this name held by {@code owner} (by anyone if null), or null. */
    private Lock heldBy(String name, String owner, Instant now) {
        Lock lock = locks.get(name);
        boolean live = lock != null && lock.expiresAt().isAfter(now);
        return live && (owner == null || lock.owner().equals(owner)) ? lock : null;
    }
}
