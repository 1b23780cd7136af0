package io.sergeant.cli.bench;

/**
 * The sizes of one backend's benchmark.
 *
 * @param tasks          tasks of the bulk push, each drain and the raw limit
 * @param singleTasks    tasks pushed one by one
 * @param batch          tasks per pop (the worker's {@code tasksPerTransaction}) and per raw pop
 * @param pushChunk      tasks per bulk push call
 * @param threads        the larger executor thread count of the drains (the smaller is 1)
 * @param latencySeconds how long the steady producer of the latency runs pushes
 * @param latencyRate    tasks per second of the steady producer
 * @param rounds         how many times each push, drain and raw measure is repeated (the table shows the median)
 * @param pickupSeconds  how long the steady producer of the pickup runs pushes (0 skips them)
 * @param pickupRate     tasks per second of the pickup runs' producer, one push each
 * @param idleSeconds    how long the idle worker's commands are counted after a pickup run (Redis only; 0 skips it)
 */
record BenchSettings(int tasks, int singleTasks, int batch, int pushChunk, int threads, double latencySeconds,
                     int latencyRate, int rounds, double pickupSeconds, int pickupRate, double idleSeconds) {

    /** Checks the ranges. */
    BenchSettings {
        if (tasks < 1 || singleTasks < 1 || batch < 1 || pushChunk < 1 || threads < 1 || latencyRate < 1 || rounds < 1) {
            throw new IllegalArgumentException("counts must be positive: " + tasks + ", " + singleTasks + ", " + batch
                    + ", " + pushChunk + ", " + threads + ", " + latencyRate + ", " + rounds);
        }
        if (latencySeconds < 0 || pickupSeconds < 0 || idleSeconds < 0) {
            throw new IllegalArgumentException("latencySeconds, pickupSeconds and idleSeconds must not be negative: "
                    + latencySeconds + ", " + pickupSeconds + ", " + idleSeconds);
        }
        if (pickupRate < 1) {
            throw new IllegalArgumentException("pickupRate must be positive: " + pickupRate);
        }
    }

    /** Tasks the steady producer pushes in one pickup run. */
    int pickupTasks() {
        return (int) Math.round(pickupSeconds * pickupRate);
    }

    /** Tasks the steady producer pushes in one latency run. */
    int latencyTasks() {
        return (int) Math.round(latencySeconds * latencyRate);
    }
}
