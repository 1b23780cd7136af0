package io.sergeant.core.worker;

import java.time.Instant;
import java.util.Map;

/**
 * What a worker run did, as Python Sergeant's summary: start and end, CPU and wall time, the
 * exceptions of {@code initialize}, the executor and {@code finalizeWorker}, the stop and respawn
 * flags, and counts of outcomes.
 *
 * @param startTime           when the loop started
 * @param endTime             when it ended
 * @param totalWallSeconds    wall time of executing and finalizing
 * @param totalCpuSeconds     process CPU time over the same span
 * @param initializeException {@code Type: message} of a failed initialize, or null
 * @param executorException   of a failed executor loop, or null
 * @param finalizeException   of a failed finalizeWorker, or null
 * @param respawn             whether the worker asked to respawn
 * @param stop                whether the worker asked to stop
 * @param outcomes            how many tasks ended in each outcome (by outcome name), plus {@code dead_lettered}
 * @param exitCode            the process exit code this run maps to
 */
public record RunSummary(Instant startTime, Instant endTime, double totalWallSeconds, double totalCpuSeconds,
                         String initializeException, String executorException, String finalizeException,
                         boolean respawn, boolean stop, Map<String, Long> outcomes, int exitCode) {

    /** Copies the outcome counts. */
    public RunSummary {
        outcomes = Map.copyOf(outcomes);
    }

    /** CPU utilization over the run (CPU seconds per wall second). */
    public double cpuUtilization() {
        return totalWallSeconds <= 0 ? 0 : totalCpuSeconds / totalWallSeconds;
    }

    /** A single-line JSON rendering, for the supervisor's summary channel and logs. */
    public String toJson() {
        StringBuilder json = new StringBuilder(256).append('{');
        field(json, "start_time", startTime.toString()).append(',');
        field(json, "end_time", endTime.toString()).append(',');
        json.append("\"executor\":{\"total_wall_time\":").append(totalWallSeconds)
                .append(",\"total_cpu_time\":").append(totalCpuSeconds)
                .append(",\"cpu_utilization\":").append(cpuUtilization()).append("},");
        field(json, "initialize_exception", initializeException).append(',');
        field(json, "executor_exception", executorException).append(',');
        field(json, "finalize_exception", finalizeException).append(',');
        json.append("\"respawn\":").append(respawn).append(",\"stop\":").append(stop).append(",\"outcomes\":{");
        boolean first = true;
        for (Map.Entry<String, Long> entry : new java.util.TreeMap<>(outcomes).entrySet()) {
            if (!first) {
                json.append(',');
            }
            first = false;
            json.append('"').append(entry.getKey()).append("\":").append(entry.getValue());
        }
        return json.append("},\"return_code\":").append(exitCode).append('}').toString();
    }

    private static StringBuilder field(StringBuilder json, String name, String value) {
        json.append('"').append(name).append("\":");
        return JsonText.quote(json, value);
    }
}
