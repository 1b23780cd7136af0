package io.sergeant.core.internal.runtime;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The tasks a {@link TaskLoop} handed to its executor and that were not yet reported or skipped, and the
 * loop thread's wait for them to go below a count. Executor threads lower the count ({@link #left()}) and
 * wake the loop thread when it waits for a count they reached; the loop thread raises it and waits.
 *
 * <p>A wait is never entered for a count that cannot be reached: {@link #awaitBelow} returns at once for a
 * threshold of 0 or less (no count goes below 0, so nothing would ever wake it: it slept its full
 * {@link #MAX_WAIT_NANOS}), and {@link #awaitOneLeaving()} reads the count once, so a task leaving between a
 * check and the wait cannot turn "wait for one of the tasks held" into "wait for fewer than none" (the
 * 100 ms pickup stalls of the at-least-once bench, docs/decisions.md "Waiting for the executor").
 *
 * <p>{@link #left()} is thread safe; the rest is for the loop thread.
 */
final class ExecutorCount {

    /** The longest single wait: the loop looks again (stop flags, the executor) at least this often. */
    static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final AtomicInteger count = new AtomicInteger();
    /**
     * While the loop thread waits, the count under which a leaving task wakes it; 0 otherwise. The first task
     * to leave below it takes it (sets 0) and wakes the loop: the tasks that leave after it, before the loop
     * thread runs again, find 0 and wake nobody (an unpark per task cost the executor threads about a tenth of
     * their time in the Redis drains: docs/decisions.md "One wake-up per wait").
     */
    private final AtomicInteger wakeBelow = new AtomicInteger();
    /** Wake-ups sent; for tests. */
    private final AtomicInteger wakes = new AtomicInteger();
    private final RunState state;

    /** @param state the run whose loop thread is woken ({@link RunState#wakeLoop()}) and whose end ends a wait */
    ExecutorCount(RunState state) {
        this.state = Objects.requireNonNull(state, "state is null");
    }

    /** The tasks held by the executor now. */
    int get() {
        return count.get();
    }

    /** {@code tasks} were handed to the executor. */
    void handed(int tasks) {
        count.addAndGet(tasks);
    }

    /** {@code tasks} handed with {@link #handed} were refused by the executor (never started, never reported). */
    void refused(int tasks) {
        count.addAndGet(-tasks);
    }

    /** One task left the executor (reported or skipped); wakes the loop thread if it waits for this count. */
    void left() {
        int left = count.decrementAndGet();
        int below = wakeBelow.get();
        if (left < below && wakeBelow.compareAndSet(below, 0)) {
            wakes.incrementAndGet();
            state.wakeLoop();
        }
    }

    /** How many times a leaving task woke the loop thread. */
    int wakes() {
        return wakes.get();
    }

    /**
     * Parks the loop thread until fewer than {@code threshold} tasks are held, the run ends, or
     * {@link #MAX_WAIT_NANOS}; returns at once when fewer are held already, or when {@code threshold} is 0
     * or less (a count below 0 never comes).
     */
    void awaitBelow(int threshold) {
        if (threshold <= 0) {
            return;
        }
        wakeBelow.set(threshold);
        if (count.get() >= threshold && !state.ending()) {
            LockSupport.parkNanos(this, MAX_WAIT_NANOS);
        }
        wakeBelow.set(0);
    }

    /**
     * Busy, not starving: parks the loop thread until one of the tasks held now leaves (or as
     * {@link #awaitBelow}); returns false at once, without waiting, when none is held.
     */
    boolean awaitOneLeaving() {
        int held = count.get();
        if (held <= 0) {
            return false;
        }
        awaitBelow(held);
        return true;
    }
}
