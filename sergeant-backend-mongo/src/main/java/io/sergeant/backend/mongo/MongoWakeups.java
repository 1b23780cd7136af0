package io.sergeant.backend.mongo;

import io.sergeant.spi.backend.BackendWakeups;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Pickup without polling on MongoDB, as far as it goes without change streams (docs/decisions.md,
 * "MongoDB pickup: in-process wake-ups and bounded polling"). What this JVM does to a queue through
 * any {@link MongoBackend} on the same database name wakes this JVM's idle workers of that queue at
 * once: a push, a release or hand-back, a reap that put leases back, a requeue of dead letters. A
 * delayed push made in this JVM wakes them at its due time: the due times are remembered per queue
 * (at most {@link #MAX_DUE_TIMES}) until a pop of this JVM starts after them, which covers them.
 * Everything else — pushes from other processes (other Java producers, Python Sergeant), expired
 * leases — signals nothing and is picked up by core's bounded poll every {@code pollInterval}, as
 * before, so {@link #fallbackPoll()} is zero. A wait sends no command at all.
 *
 * <p>No change stream is opened, on any topology: the in-process server the tests run on has none
 * and no real replica set is at hand to test one (untested code is a defect here), so a wait cannot
 * fail or log on a server that lacks them. Signals are keyed by database and queue name only, so two
 * deployments used by one JVM with the same names wake each other's workers spuriously (harmless: a
 * wake-up only makes a worker pop). Thread safe.
 */
final class MongoWakeups implements BackendWakeups {

    /** Due times of delayed pushes remembered per queue; later ones past this are left to the poll. */
    static final int MAX_DUE_TIMES = 1024;

    /**
     * Signals by database and queue, shared by every backend object of this JVM (the one piece of
     * static state: producers and workers of one JVM often hold different backend objects).
     */
    private static final Map<String, Signal> SIGNALS = new ConcurrentHashMap<>();

    private final Clock clock;
    private final String database;
    private final AtomicLong wakeUps = new AtomicLong();

    /** @param database the database name the backend uses (part of the signal key) */
    MongoWakeups(Clock clock, String database) {
        this.clock = Objects.requireNonNull(clock, "clock is null");
        this.database = Objects.requireNonNull(database, "database is null");
    }

    /** A queue's monitor. */
    private static final class Signal {
        /** How many times tasks were made deliverable now (pushes, releases, reaps, requeues). */
        long deliverable;
        /** Due times (epoch millis) of delayed pushes not yet covered by a pop. */
        final NavigableSet<Long> dueTimes = new TreeSet<>();
    }

    /** Called after a push to {@code queue} was acknowledged; {@code consumableFrom} null for an immediate one. */
    void pushed(String queue, Instant consumableFrom) {
        Signal signal = signal(queue);
        synchronized (signal) {
            if (consumableFrom == null || consumableFrom.toEpochMilli() <= clock.millis()) {
                signal.deliverable++;
            } else {
                signal.dueTimes.add(consumableFrom.toEpochMilli());
                if (signal.dueTimes.size() > MAX_DUE_TIMES) {
                    signal.dueTimes.pollLast();
                }
            }
            signal.notifyAll();
        }
    }

    /** Called after tasks of {@code queue} became deliverable without a push (release, reap, requeue). */
    void deliverable(String queue) {
        pushed(queue, null);
    }

    /** Called as a pop of {@code queue} starts: the due times up to now are covered by it. */
    void popping(String queue) {
        Signal signal = SIGNALS.get(key(queue));
        if (signal == null) {
            return;
        }
        synchronized (signal) {
            signal.dueTimes.headSet(clock.millis(), true).clear();
        }
    }

    @Override
    public boolean awaitTasks(String queue, Duration timeout, BooleanSupplier stopping) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(stopping, "stopping is null");
        long deadline = System.nanoTime() + Objects.requireNonNull(timeout, "timeout is null").toNanos();
        long wakeUpsAtStart = wakeUps.get();
        Signal signal = signal(queue);
        try {
            synchronized (signal) {
                long seen = signal.deliverable;
                while (true) {
                    long now = clock.millis();
                    long dueAt = signal.dueTimes.isEmpty() ? Long.MAX_VALUE : signal.dueTimes.first();
                    if (signal.deliverable != seen || now >= dueAt) {
                        return true;
                    }
                    long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
                    if (leftMillis <= 0 || wakeUps.get() != wakeUpsAtStart || stopping.getAsBoolean()) {
                        return false;
                    }
                    signal.wait(Math.max(1, Math.min(leftMillis, dueAt - now)));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Ends this backend's waits: notifies every signal of the JVM (other backends' waits just wait on). */
    @Override
    public void wakeUp() {
        wakeUps.incrementAndGet();
        for (Signal signal : SIGNALS.values()) {
            synchronized (signal) {
                signal.notifyAll();
            }
        }
    }

    @Override
    public Duration fallbackPoll() {
        return Duration.ZERO;
    }

    private Signal signal(String queue) {
        return SIGNALS.computeIfAbsent(key(queue), key -> new Signal());
    }

    private String key(String queue) {
        return database + '\u0000' + queue;
    }
}
