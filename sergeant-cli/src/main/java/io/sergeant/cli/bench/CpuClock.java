package io.sergeant.cli.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of this JVM's threads ({@link ThreadMXBean}; garbage collection and JIT threads the bean
 * does not list are not counted) and the system load average, for the bench's per-CPU-second rates and
 * its report of how busy the machine was. Stateless; thread safe.
 */
final class CpuClock {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private CpuClock() {
    }

    /** Whether thread CPU time can be measured here. */
    static boolean supported() {
        return THREADS.isThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled();
    }

    /** CPU nanoseconds of every live thread so far, by thread id (empty when not supported). */
    static Map<Long, Long> snapshot() {
        Map<Long, Long> cpu = new HashMap<>();
        if (!supported()) {
            return cpu;
        }
        for (long id : THREADS.getAllThreadIds()) {
            long nanos = THREADS.getThreadCpuTime(id);
            if (nanos >= 0) {
                cpu.put(id, nanos);
            }
        }
        return cpu;
    }

    /** CPU nanoseconds spent between two snapshots by the threads alive at {@code end}; -1 when not measured. */
    static long between(Map<Long, Long> start, Map<Long, Long> end) {
        if (end == null || end.isEmpty()) {
            return -1;
        }
        long total = 0;
        for (Map.Entry<Long, Long> thread : end.entrySet()) {
            total += Math.max(0, thread.getValue() - start.getOrDefault(thread.getKey(), 0L));
        }
        return total;
    }

    /** The one-minute system load average, or a negative value where the platform has none. */
    static double loadAverage() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os.getSystemLoadAverage();
    }
}
