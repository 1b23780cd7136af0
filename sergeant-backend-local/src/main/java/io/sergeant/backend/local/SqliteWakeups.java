package io.sergeant.backend.local;

import io.sergeant.spi.backend.BackendWakeups;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Pickup without polling on SQLite (docs/decisions.md "Pickup without polling"): a push made in this
 * JVM (through any backend object open on the same file) signals the queue's in-process monitor
 * after its transaction committed, which wakes the JVM's idle workers of that queue at once. A waiting
 * worker also wakes at the earliest time above the priorities of ready tasks that the file holds for
 * the queue (a delayed task's due time, or a lease deadline of a batch or of an in-place lease, after which a pop makes the task
 * deliverable again), read with one indexed query when the wait starts. Pushes from other processes
 * signal nothing: core's bounded poll ({@code pollInterval}, as before) picks them up, so
 * {@link #fallbackPoll()} is zero. Thread safe.
 */
final class SqliteWakeups implements BackendWakeups {

    /** Monitors by file and queue, shared by every backend object of this JVM. */
    private static final Map<String, Signal> SIGNALS = new ConcurrentHashMap<>();
    private static final String NEXT_DUE =
            "SELECT MIN(due) FROM (SELECT MIN(priority) AS due FROM task_queue WHERE queue_name = ?1 AND priority > "
                    + SqliteQueue.NORMAL + " UNION ALL SELECT MIN(deadline) FROM sergeant_lease_batches WHERE queue_name = ?1)";

    private final SqliteFile file;
    private final String fileKey;
    /** Signals this backend's waits are parked on, notified by {@link #wakeUp()}. */
    private final Set<Signal> waiting = ConcurrentHashMap.newKeySet();
    private final AtomicLong wakeUps = new AtomicLong();

    SqliteWakeups(SqliteFile file) {
        this.file = Objects.requireNonNull(file, "file is null");
        this.fileKey = file.path().toAbsolutePath().normalize().toString();
    }

    /** A queue's monitor: the number of pushes signalled so far. */
    private static final class Signal {
        long pushes;
    }

    private Signal signal(String queue) {
        return SIGNALS.computeIfAbsent(fileKey + '\u0000' + queue, key -> new Signal());
    }

    /** Called after a push to {@code queue} committed: wakes this JVM's workers waiting on it. */
    void pushed(String queue) {
        Signal signal = signal(queue);
        synchronized (signal) {
            signal.pushes++;
            signal.notifyAll();
        }
    }

    @Override
    public boolean awaitTasks(String queue, Duration timeout, BooleanSupplier stopping) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(stopping, "stopping is null");
        long deadline = System.currentTimeMillis() + Objects.requireNonNull(timeout, "timeout is null").toMillis();
        long wakeUpsAtStart = wakeUps.get();
        Signal signal = signal(queue);
        long seen;
        synchronized (signal) {
            seen = signal.pushes;
        }
        double nextDue = nextDue(queue);
        long dueAt = Double.isNaN(nextDue) ? Long.MAX_VALUE
                : System.currentTimeMillis() + (long) Math.ceil((nextDue - file.now()) * 1000);
        waiting.add(signal);
        try {
            synchronized (signal) {
                while (true) {
                    if (signal.pushes != seen) {
                        return true;
                    }
                    long now = System.currentTimeMillis();
                    if (now >= dueAt) {
                        return true;
                    }
                    if (now >= deadline || wakeUps.get() != wakeUpsAtStart || stopping.getAsBoolean()) {
                        return false;
                    }
                    signal.wait(Math.max(1, Math.min(deadline, dueAt) - now));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            waiting.remove(signal);
        }
    }

    @Override
    public void wakeUp() {
        wakeUps.incrementAndGet();
        for (Signal signal : waiting) {
            synchronized (signal) {
                signal.notifyAll();
            }
        }
    }

    @Override
    public Duration fallbackPoll() {
        return Duration.ZERO;
    }

    /** The lowest priority above NORMAL of the queue (epoch seconds), or NaN when there is none. */
    private double nextDue(String queue) {
        return file.inConnection("next due time", connection -> {
            PreparedStatement statement = connection.prepare(NEXT_DUE);
            statement.setString(1, queue);
            try (ResultSet result = statement.executeQuery()) {
                if (result.next()) {
                    double value = result.getDouble(1);
                    return result.wasNull() ? Double.NaN : value;
                }
                return Double.NaN;
            }
        });
    }
}
