package io.sergeant.cli.bench;

import java.util.Arrays;
import java.util.Objects;

/**
 * One line of the results table: a measure repeated over rounds.
 *
 * @param backend    the backend's short name ({@code sqlite}, {@code redis}, {@code mongodb})
 * @param measure    what was measured ({@code push one-by-one}, {@code push bulk}, {@code drain}, {@code latency})
 * @param delivery   {@code at-most-once}, {@code at-least-once} or empty for pushes
 * @param threads    executor threads of the worker, 0 for producer-side measures
 * @param tasks      tasks measured in each round
 * @param roundNanos elapsed time of each round (at least one)
 * @param cpuNanos   CPU time of the JVM's threads over all rounds, or a negative value when not measured
 * @param rawPerSecond the raw client's median rate for the comparable operation, or a negative value when none
 * @param latency    {@code p50 / p99} pickup latency, or empty
 * @param check      the delivery check's result, for example {@code exactly once ✓}
 * @param passed     whether the check passed
 */
record ResultRow(String backend, String measure, String delivery, int threads, long tasks, long[] roundNanos,
                 long cpuNanos, double rawPerSecond, String latency, String check, boolean passed) {

    /** Checks for nulls and copies the rounds. */
    ResultRow {
        Objects.requireNonNull(backend, "backend is null");
        Objects.requireNonNull(measure, "measure is null");
        Objects.requireNonNull(delivery, "delivery is null");
        Objects.requireNonNull(latency, "latency is null");
        Objects.requireNonNull(check, "check is null");
        roundNanos = roundNanos.clone();
        if (roundNanos.length == 0) {
            throw new IllegalArgumentException("a row needs at least one round");
        }
    }

    /** A row of one round without a CPU figure. */
    ResultRow(String backend, String measure, String delivery, int threads, long tasks, long nanos, double rawPerSecond,
              String latency, String check, boolean passed) {
        this(backend, measure, delivery, threads, tasks, new long[] {nanos}, -1, rawPerSecond, latency, check, passed);
    }

    /** Tasks per second of each round, sorted ascending. */
    double[] rates() {
        double[] rates = new double[roundNanos.length];
        for (int i = 0; i < rates.length; i++) {
            rates[i] = rate(tasks, roundNanos[i]);
        }
        Arrays.sort(rates);
        return rates;
    }

    /** The median of the rounds' tasks per second. */
    double perSecond() {
        return median(rates());
    }

    /** The slowest round's tasks per second. */
    double minPerSecond() {
        return rates()[0];
    }

    /** The fastest round's tasks per second. */
    double maxPerSecond() {
        double[] rates = rates();
        return rates[rates.length - 1];
    }

    /** Tasks per second of JVM-thread CPU over all rounds, or a negative value when not measured. */
    double perCpuSecond() {
        return cpuNanos > 0 ? rate(tasks * roundNanos.length, cpuNanos) : -1;
    }

    /** The median rate's ratio to the raw limit, or a negative value when there is none. */
    double ratio() {
        return rawPerSecond > 0 ? perSecond() / rawPerSecond : -1;
    }

    /** This row compared with {@code raw} tasks per second. */
    ResultRow withRaw(double raw) {
        return new ResultRow(backend, measure, delivery, threads, tasks, roundNanos, cpuNanos, raw, latency, check, passed);
    }

    static double rate(long count, long nanos) {
        return nanos <= 0 ? 0 : count / (nanos / 1e9);
    }

    /** The median of sorted values (the mean of the middle two for an even count). */
    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
