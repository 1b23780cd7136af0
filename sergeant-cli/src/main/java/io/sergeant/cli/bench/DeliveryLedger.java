package io.sergeant.cli.bench;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a benchmark worker ran: how many times each task id ran, and the pickup latency of each task
 * that carried its push time. Ids are {@code 0 .. capacity-1}; anything else is counted as unexpected.
 * Thread safe: executor threads record concurrently.
 */
final class DeliveryLedger {

    private final AtomicIntegerArray runs;
    private final AtomicLongArray latencies;
    private final LongAdder total = new LongAdder();
    private final LongAdder unexpected = new LongAdder();
    private final java.util.concurrent.atomic.AtomicInteger distinct = new java.util.concurrent.atomic.AtomicInteger();
    private volatile int target = -1;
    private volatile Runnable whenAllRan;

    /** A ledger for ids {@code 0 .. capacity-1}. */
    DeliveryLedger(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must not be negative: " + capacity);
        }
        this.runs = new AtomicIntegerArray(capacity);
        this.latencies = new AtomicLongArray(capacity);
    }

    /** Records one run of task {@code id}; {@code latencyNanos} is negative when the task carried no push time. */
    void record(long id, long latencyNanos) {
        total.increment();
        if (id < 0 || id >= runs.length()) {
            unexpected.increment();
            return;
        }
        int index = (int) id;
        if (runs.getAndIncrement(index) == 0) {
            if (latencyNanos >= 0) {
                latencies.set(index, latencyNanos);
            }
            if (target > 0 && distinct.incrementAndGet() == target) {
                whenAllRan.run();
            }
        }
    }

    /**
     * Runs {@code action} once, on the recording thread, when the {@code expected}-th distinct id ran
     * (before the worker loop winds down). Call before any run is recorded.
     */
    void whenAllRan(int expected, Runnable action) {
        this.whenAllRan = java.util.Objects.requireNonNull(action, "action is null");
        this.target = expected;
    }

    /** Runs recorded so far, duplicates and unexpected ids included. */
    long total() {
        return total.sum();
    }

    /** Counts over the first {@code expected} ids. */
    Verdict verdict(int expected) {
        long missing = 0;
        long duplicates = 0;
        for (int i = 0; i < expected; i++) {
            int count = runs.get(i);
            if (count == 0) {
                missing++;
            } else if (count > 1) {
                duplicates += count - 1;
            }
        }
        for (int i = expected; i < runs.length(); i++) {
            duplicates += runs.get(i);
        }
        return new Verdict(expected, missing, duplicates, unexpected.sum());
    }

    /** Pickup latencies in nanoseconds of the ids {@code from .. expected-1} that ran, sorted. */
    long[] sortedLatencies(int from, int expected) {
        if (from < 0 || from > expected) {
            throw new IllegalArgumentException("from must be within 0.." + expected + ": " + from);
        }
        long[] values = new long[expected - from];
        int n = 0;
        for (int i = from; i < expected; i++) {
            if (runs.get(i) > 0) {
                values[n++] = latencies.get(i);
            }
        }
        long[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        return sorted;
    }

    /**
     * How the runs compare with the tasks pushed.
     *
     * @param expected   tasks pushed (ids 0 .. expected-1)
     * @param missing    ids that never ran
     * @param duplicates runs beyond the first of an id
     * @param unexpected runs of ids that were never pushed
     */
    record Verdict(long expected, long missing, long duplicates, long unexpected) {

        /** Every task ran exactly once. */
        boolean exactlyOnce() {
            return missing == 0 && duplicates == 0 && unexpected == 0;
        }

        /** Every task ran at least once. */
        boolean atLeastOnce() {
            return missing == 0 && unexpected == 0;
        }
    }
}
