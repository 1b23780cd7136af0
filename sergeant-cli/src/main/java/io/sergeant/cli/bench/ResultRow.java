package io.sergeant.cli.bench;

import java.util.Objects;

/**
 * One line of the results table.
 *
 * @param backend    the backend's short name ({@code sqlite}, {@code redis}, {@code mongodb})
 * @param measure    what was measured ({@code push one-by-one}, {@code push bulk}, {@code drain}, {@code latency})
 * @param delivery   {@code at-most-once}, {@code at-least-once} or empty for pushes
 * @param threads    executor threads of the worker, 0 for producer-side measures
 * @param tasks      tasks measured
 * @param nanos      elapsed time
 * @param rawPerSecond the raw client's rate for the comparable operation, or a negative value when none
 * @param latency    {@code p50 / p99} pickup latency, or empty
 * @param check      the delivery check's result, for example {@code exactly once ✓}
 * @param passed     whether the check passed
 */
record ResultRow(String backend, String measure, String delivery, int threads, long tasks, long nanos,
                 double rawPerSecond, String latency, String check, boolean passed) {

    /** Checks for nulls. */
    ResultRow {
        Objects.requireNonNull(backend, "backend is null");
        Objects.requireNonNull(measure, "measure is null");
        Objects.requireNonNull(delivery, "delivery is null");
        Objects.requireNonNull(latency, "latency is null");
        Objects.requireNonNull(check, "check is null");
    }

    /** Tasks per second. */
    double perSecond() {
        return nanos <= 0 ? 0 : tasks / (nanos / 1e9);
    }

    /** The rate's ratio to the raw limit, or a negative value when there is none. */
    double ratio() {
        return rawPerSecond > 0 ? perSecond() / rawPerSecond : -1;
    }

    /** This row compared with {@code raw} tasks per second. */
    ResultRow withRaw(double raw) {
        return new ResultRow(backend, measure, delivery, threads, tasks, nanos, raw, latency, check, passed);
    }
}
