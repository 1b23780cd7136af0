package io.sergeant.cli.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What the machine did to a latency window apart from the code under test (issue 15 §4): a thread of
 * this JVM parks {@value #TICK_MILLIS} ms in a loop and records how late it wakes, which is the delay a
 * busy machine's scheduler adds to any wake-up (the worker's included) plus this JVM's stop-the-world
 * pauses; and the garbage collections of the window, from the {@link GarbageCollectorMXBean}s. A pickup
 * tail of the same size as this noise is the machine's, not the worker's path. The probe costs one
 * wake-up per millisecond. Use: {@link #start()}, then {@link #stop()} once; the owner's thread only.
 */
final class MachineNoise {

    private static final long TICK_MILLIS = 1;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
    private static final long LATE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final long[] lateness;
    private volatile boolean running;
    private int samples;
    private Thread probe;
    private long gcCountAtStart;
    private long gcMillisAtStart;

    /** @param maxSamples how many wake-ups are kept (later ones are not recorded) */
    MachineNoise(int maxSamples) {
        if (maxSamples < 1) {
            throw new IllegalArgumentException("maxSamples must be at least 1: " + maxSamples);
        }
        this.lateness = new long[maxSamples];
    }

    /** Starts the probe thread and reads the collectors' counts. */
    MachineNoise start() {
        if (probe != null) {
            throw new IllegalStateException("the noise probe was already started");
        }
        gcCountAtStart = gcCount();
        gcMillisAtStart = gcMillis();
        running = true;
        probe = new Thread(this::probe, "sergeant-bench-noise-probe");
        probe.setDaemon(true);
        probe.start();
        return this;
    }

    private void probe() {
        int n = 0;
        while (running && n < lateness.length) {
            long start = System.nanoTime();
            LockSupport.parkNanos(TICK_NANOS);
            lateness[n++] = Math.max(0, System.nanoTime() - start - TICK_NANOS);
        }
        samples = n;
    }

    /** Stops the probe and returns what it saw. */
    Reading stop() {
        if (probe == null) {
            throw new IllegalStateException("the noise probe was not started");
        }
        running = false;
        try {
            probe.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the noise probe", e);
        }
        long[] sorted = Arrays.copyOf(lateness, samples);
        Arrays.sort(sorted);
        return new Reading(sorted, gcCount() - gcCountAtStart, gcMillis() - gcMillisAtStart);
    }

    private static long gcCount() {
        return collectors().stream().mapToLong(bean -> Math.max(0, bean.getCollectionCount())).sum();
    }

    private static long gcMillis() {
        return collectors().stream().mapToLong(bean -> Math.max(0, bean.getCollectionTime())).sum();
    }

    private static List<GarbageCollectorMXBean> collectors() {
        return ManagementFactory.getGarbageCollectorMXBeans();
    }

    /**
     * What one window saw.
     *
     * @param sortedLatenessNanos how late each 1 ms park woke, sorted
     * @param collections         garbage collections during the window
     * @param collectionMillis    their accumulated time as the collectors report it (pauses and, for a
     *                            concurrent collector, concurrent work)
     */
    record Reading(long[] sortedLatenessNanos, long collections, long collectionMillis) {

        /** Wake-ups more than 2 ms late. */
        long lateWakeUps() {
            return Arrays.stream(sortedLatenessNanos).filter(nanos -> nanos > LATE_NANOS).count();
        }

        /** The note under the table for the window of {@code what}. */
        String note(String what) {
            if (sortedLatenessNanos.length == 0) {
                return what + ": no noise probe reading";
            }
            return String.format(Locale.ROOT, "%s, machine noise in the same window: a thread parking 1 ms woke p50 %.2f /"
                            + " p99 %.2f / max %.2f ms late (%d of %d wake-ups more than 2 ms late); %d garbage collection(s),"
                            + " %d ms", what, millis(0.50), millis(0.99), sortedLatenessNanos[sortedLatenessNanos.length - 1] / 1e6,
                    lateWakeUps(), sortedLatenessNanos.length, collections, collectionMillis);
        }

        private double millis(double fraction) {
            int index = (int) Math.ceil(fraction * sortedLatenessNanos.length) - 1;
            return sortedLatenessNanos[Math.max(0, Math.min(sortedLatenessNanos.length - 1, index))] / 1e6;
        }
    }
}
