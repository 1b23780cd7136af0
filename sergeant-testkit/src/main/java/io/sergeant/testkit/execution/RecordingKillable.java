package io.sergeant.testkit.execution;

import io.sergeant.spi.execution.Killable;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Killable} that records the calls a killer makes, for killer tests. Once {@link #forbid()}
 * has been called (right after the watch was closed) any further call is counted as a violation.
 * Thread safe.
 */
public final class RecordingKillable implements Killable {

    /** A call the killer made. */
    public enum Call {
        /** {@link Killable#interrupt()}. */
        INTERRUPT,
        /** {@link Killable#kill()}. */
        KILL
    }

    /**
     * A recorded call.
     *
     * @param call      which method
     * @param nanoTime  {@link System#nanoTime()} when it was called
     */
    public record Event(Call call, long nanoTime) {
    }

    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final AtomicInteger violations = new AtomicInteger();
    private volatile boolean forbidden;

    /** Creates a killable with nothing recorded. */
    public RecordingKillable() {
    }

    @Override
    public void interrupt() {
        record(Call.INTERRUPT);
    }

    @Override
    public void kill() {
        record(Call.KILL);
    }

    /** From now on every call is a violation (its watch was closed). */
    public void forbid() {
        forbidden = true;
    }

    /** Calls made after {@link #forbid()}. */
    public int violations() {
        return violations.get();
    }

    /** Every call, in order. */
    public List<Event> events() {
        return List.copyOf(events);
    }

    /** How many times this method was called. */
    public int count(Call call) {
        return (int) events.stream().filter(event -> event.call() == call).count();
    }

    private void record(Call call) {
        if (forbidden) {
            violations.incrementAndGet();
        }
        events.add(new Event(call, System.nanoTime()));
    }
}
