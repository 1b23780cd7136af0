package com.example.sergeant.tinybackend;

import io.sergeant.api.Priority;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendKeys;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * A backend in one JVM's memory that plays two roles of the SPI: the queue ({@link Backend}, which every
 * backend plays) and keys ({@link BackendKeys}, by implementing it). It has no leases, so workers use it
 * at-most-once; core refuses at-least-once on it with an error naming the missing role. A plugin grows
 * by implementing further role interfaces ({@code BackendLeases}, {@code BackendDeadLetters}, ...) and
 * listing them in its compatibility test's {@code expectedRoles()}.
 *
 * <p>Order: HIGH tasks, then NORMAL ones, each in insertion order, then delayed tasks that are due, by
 * due time. Thread safe: one lock guards everything.
 */
final class TinyBackend implements Backend, BackendKeys {

    private final Clock clock;
    private final Map<String, Lane> lanes = new HashMap<>();
    private final Map<String, byte[]> keys = new HashMap<>();
    private long sequence;

    TinyBackend(Clock clock) {
        this.clock = clock;
    }

    /** The tasks of one queue. */
    private static final class Lane {
        final ArrayDeque<byte[]> high = new ArrayDeque<>();
        final ArrayDeque<byte[]> normal = new ArrayDeque<>();
        final PriorityQueue<Delayed> delayed = new PriorityQueue<>(
                Comparator.comparing(Delayed::due).thenComparingLong(Delayed::sequence));

        boolean isEmpty() {
            return high.isEmpty() && normal.isEmpty() && delayed.isEmpty();
        }
    }

    private record Delayed(Instant due, long sequence, byte[] payload) {
    }

    @Override
    public synchronized void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(priority, "priority is null");
        if (items.isEmpty()) {
            return;
        }
        Lane lane = lanes.computeIfAbsent(queue, name -> new Lane());
        for (byte[] item : items) {
            byte[] copy = item.clone();
            if (consumableFrom != null) {
                lane.delayed.add(new Delayed(consumableFrom, sequence++, copy));
            } else if (priority == Priority.HIGH) {
                lane.high.add(copy);
            } else {
                lane.normal.add(copy);
            }
        }
    }

    @Override
    public synchronized List<Delivery> pop(String queue, int max, DeliveryOptions options) {
        Objects.requireNonNull(options, "options is null");
        if (options.leased()) {
            throw new IllegalArgumentException("the tiny backend has no lease role; core never asks it for a leased pop");
        }
        Lane lane = lanes.get(Objects.requireNonNull(queue, "queue is null"));
        List<Delivery> popped = new ArrayList<>();
        if (lane == null) {
            return popped;
        }
        Instant now = clock.instant();
        while (popped.size() < max) {
            byte[] next = !lane.high.isEmpty() ? lane.high.poll()
                    : !lane.normal.isEmpty() ? lane.normal.poll()
                    : isDue(lane.delayed.peek(), now) ? lane.delayed.poll().payload() : null;
            if (next == null) {
                break;
            }
            popped.add(new Delivery(next, null));
        }
        forgetIfEmpty(queue, lane);
        return popped;
    }

    @Override
    public synchronized long length(String queue, boolean includeDelayed) {
        Lane lane = lanes.get(Objects.requireNonNull(queue, "queue is null"));
        if (lane == null) {
            return 0;
        }
        Instant now = clock.instant();
        long delayed = includeDelayed ? lane.delayed.size()
                : lane.delayed.stream().filter(task -> isDue(task, now)).count();
        return lane.high.size() + lane.normal.size() + delayed;
    }

    @Override
    public synchronized boolean purge(String queue) {
        Lane lane = lanes.remove(Objects.requireNonNull(queue, "queue is null"));
        return lane != null && !lane.isEmpty();
    }

    @Override
    public synchronized boolean keySet(String key, byte[] value) {
        return keys.put(Objects.requireNonNull(key, "key is null"), value.clone()) == null;
    }

    @Override
    public synchronized Optional<byte[]> keyGet(String key) {
        return Optional.ofNullable(keys.get(Objects.requireNonNull(key, "key is null"))).map(byte[]::clone);
    }

    @Override
    public synchronized boolean keyDelete(String key) {
        return keys.remove(Objects.requireNonNull(key, "key is null")) != null;
    }

    /** Nothing to release: the store lives as long as this object. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "tiny in-memory backend";
    }

    private static boolean isDue(Delayed task, Instant now) {
        return task != null && !task.due().isAfter(now);
    }

    private void forgetIfEmpty(String queue, Lane lane) {
        if (lane.isEmpty()) {
            lanes.remove(queue);
        }
    }
}
