package io.sergeant.cli.bench;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.cli.console.ProgressBar;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.core.worker.WorkerRuntime;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The pickup latency of a backend: a steady producer pushes, once every millisecond, every task due by
 * then at {@link BenchSettings#latencyRate()} tasks per second while a worker runtime (one thread) runs
 * them; each task carries its push time, and the row shows the median and 99th percentile from push to
 * start, checked like a drain.
 *
 * <p>The worker's start-up is not a pickup: the first task is pushed alone and the producer starts once
 * it ran; that task is checked with the others but kept out of the percentiles (before, the tasks pushed
 * while the worker was still starting made most of the p99). The producer then runs a second at the same
 * rate before the measured window, left out too ({@link #steadyWarmUp}). {@link #raw} measures the
 * backend's raw floor ({@link RawPickup}) the same way; the pickup rows are compared with it. A note under
 * the table gives the machine's noise in the same window ({@link MachineNoise}): how late a thread parking
 * 1 ms woke, and the garbage collections, so that a tail the machine caused can be told from one of the
 * worker's path. Not thread safe.
 */
final class PickupLatency {

    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Tasks pushed before the producer starts, to see the worker started; not in the percentiles. */
    private static final int WARM_UP_TASKS = 1;

    private final Sergeant sergeant;
    private final String name;
    private final BenchSettings settings;
    private final PrintWriter progress;
    private final Consumer<String> say;
    private final Consumer<String> note;

    /**
     * @param name     the backend's name in the rows
     * @param progress where progress bars go
     * @param say      prints a progress line
     * @param note     takes a line for under the table (the machine's noise of each window)
     */
    PickupLatency(Sergeant sergeant, String name, BenchSettings settings, PrintWriter progress, Consumer<String> say,
                  Consumer<String> note) {
        this.sergeant = Objects.requireNonNull(sergeant, "sergeant is null");
        this.name = Objects.requireNonNull(name, "name is null");
        this.settings = Objects.requireNonNull(settings, "settings is null");
        this.progress = Objects.requireNonNull(progress, "progress is null");
        this.say = Objects.requireNonNull(say, "say is null");
        this.note = Objects.requireNonNull(note, "note is null");
    }

    /** Measures the pickup latency of one delivery mode with a worker of this configuration (one thread). */
    ResultRow measure(Broker broker, DeliveryMode mode, WorkerConfig config) {
        say.accept(String.format(Locale.ROOT, "pickup latency %s: a steady producer pushes %,d tasks/s (every ms) for %.1f s (1 thread)",
                BackendBench.mode(mode), settings.latencyRate(), settings.latencySeconds()));
        return steady(broker, mode, "latency", settings.latencyTasks(), settings.latencyRate(), config, null, null);
    }

    /** The raw floor's percentiles in nanoseconds, kept to compare the pickup rows of the same run with. */
    record Floor(long p50, long p99) {
    }

    /**
     * The raw pickup floor ({@link RawPickup}) under the same producer as {@link #steady}: {@code total} items at
     * {@code rate} a second, pushed by this thread once every millisecond tick, taken by a consumer thread
     * blocked in the server's wait, which records take − push. Adds its row to {@code rows} and returns the
     * floor, or null when no item came back.
     */
    Floor raw(RawPickup raw, int total, int rate, List<ResultRow> rows) {
        say.accept(String.format(Locale.ROOT, "raw pickup (%s): %,d items/s for %.1f s", raw.describe(), rate,
                (double) total / rate));
        int warm = steadyWarmUp(total, rate);
        int all = total + warm;
        DeliveryLedger ledger = new DeliveryLedger(all);
        AtomicReference<RuntimeException> failed = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread consumer = new Thread(() -> {
            try {
                while (!stop.get()) {
                    long[] item = raw.take();
                    long now = System.nanoTime();
                    if (item != null) {
                        ledger.record(item[0], item[1] < 0 ? -1 : now - item[1]);
                    }
                }
            } catch (RuntimeException e) {
                failed.set(e);
            }
        }, "sergeant-bench-raw-consumer");
        consumer.start();
        MachineNoise noise = null;
        long nanos;
        try {
            // The same start as the worker's: one item alone, the producer starts once it came back.
            int pushed = 0;
            if (all > 0) {
                raw.push(0, -1);
                pushed = WARM_UP_TASKS;
                long since = System.nanoTime();
                while (ledger.total() < WARM_UP_TASKS && consumer.isAlive() && System.nanoTime() - since < BackendBench.STALL_NANOS) {
                    LockSupport.parkNanos(TICK_NANOS);
                }
            }
            ProgressBar bar = ProgressBar.on(progress, "pushed", all);
            Pusher pusher = (from, to, now) -> {
                for (int id = from; id < to; id++) {
                    raw.push(id, now);
                }
            };
            pushed = produce(pushed, pushed + warm, rate, System.nanoTime(), ledger, bar, pusher);
            noise = new MachineNoise(noiseSamples(total, rate)).start();
            long start = System.nanoTime();
            pushed = produce(pushed, all, rate, start, ledger, bar, pusher);
            awaitAll(ledger, consumer, all);
            nanos = System.nanoTime() - start;
            note.accept(noise.stop().note(name + " raw pickup"));
            noise = null;
            bar.finish(pushed, "taken " + ResultTable.count(ledger.total()));
        } finally {
            if (noise != null) {
                noise.stop();
            }
            stop.set(true);
            BackendBench.join(consumer);
        }
        long[] latencies = ledger.sortedLatencies(Math.min(WARM_UP_TASKS + warm, all), all);
        DeliveryLedger.Verdict verdict = ledger.verdict(all);
        boolean passed = verdict.exactlyOnce() && failed.get() == null;
        String check = failed.get() != null ? "failed: " + failed.get().getMessage()
                : passed ? "all " + ResultTable.count(all) + " taken once ✓"
                : String.format(Locale.ROOT, "%,d missing, %,d duplicates ✗", verdict.missing(), verdict.duplicates());
        String latency = latencies.length == 0 ? "n/a"
                : millis(percentile(latencies, 0.50)) + " / " + millis(percentile(latencies, 0.99)) + " ms";
        rows.add(new ResultRow(name, "raw pickup", "", 1, total, nanos, -1, latency, check, passed));
        note.accept(name + " raw pickup: " + raw.describe() + ", same producer (one push per ms tick), same JVM, the"
                + " floor of a pickup on this machine; the pickup rows show their p50 / p99 as multiples of it (×)");
        return latencies.length == 0 ? null : new Floor(percentile(latencies, 0.50), percentile(latencies, 0.99));
    }

    /**
     * A steady producer pushing {@code rate} tasks/s (every ms, the tasks due by then in one push) to a
     * worker running {@code config}; records pickup − push of every task in the row {@code measure}.
     * {@code whileIdle}, if not null, runs after every task ran, while the worker is still running and idle;
     * {@code floor}, if not null, is the raw pickup floor of the same run, which the row's latency is compared with.
     */
    ResultRow steady(Broker broker, DeliveryMode mode, String measure, int total, int rate, WorkerConfig config,
                     Runnable whileIdle, Floor floor) {
        BackendBench.reset(broker);
        int warm = steadyWarmUp(total, rate);
        int all = total + warm;
        DeliveryLedger ledger = new DeliveryLedger(all);
        BenchWorker worker = new BenchWorker(config, ledger);
        AtomicReference<RunSummary> summary = new AtomicReference<>();
        long nanos;
        try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
            Thread consumer = new Thread(() -> summary.set(runtime.run()), "sergeant-bench-worker");
            consumer.start();
            MachineNoise noise = null;
            long start = System.nanoTime();
            int pushed = 0;
            try {
                pushed = startWorker(broker, ledger, consumer, all);
                ProgressBar bar = ProgressBar.on(progress, "pushed", all);
                Pusher pusher = (from, to, now) -> {
                    List<Task> batch = new ArrayList<>(to - from);
                    for (int id = from; id < to; id++) {
                        batch.add(Task.of(Map.of(BenchWorker.ID, (long) id, BenchWorker.PUSHED_AT, now)));
                    }
                    broker.pushTasks(BackendBench.QUEUE, batch, Priority.NORMAL, null);
                };
                pushed = produce(pushed, pushed + warm, rate, System.nanoTime(), ledger, bar, pusher);
                noise = new MachineNoise(noiseSamples(total, rate)).start();
                start = System.nanoTime();
                pushed = produce(pushed, all, rate, start, ledger, bar, pusher);
                awaitAll(ledger, consumer, all);
                nanos = System.nanoTime() - start;
                note.accept(noise.stop().note(name + " " + measure + " " + BackendBench.mode(mode)));
                noise = null;
                bar.finish(pushed, "executed " + ResultTable.count(ledger.total()));
                if (whileIdle != null && consumer.isAlive()) {
                    whileIdle.run();
                }
            } finally {
                if (noise != null) {
                    noise.stop();
                }
                runtime.requestStop();
                BackendBench.join(consumer);
            }
        }
        long[] latencies = ledger.sortedLatencies(Math.min(WARM_UP_TASKS + warm, all), all);
        String latency = latencies.length == 0 ? "n/a"
                : millis(percentile(latencies, 0.50)) + " / " + millis(percentile(latencies, 0.99)) + " ms";
        if (floor != null && latencies.length > 0) {
            latency += String.format(Locale.ROOT, " (×%.1f / ×%.1f raw)", ratio(percentile(latencies, 0.50), floor.p50()),
                    ratio(percentile(latencies, 0.99), floor.p99()));
        }
        DrainCheck check = DrainCheck.of(broker, mode, ledger, all, summary.get());
        return new ResultRow(name, measure, BackendBench.mode(mode), 1, total, nanos, -1, latency, check.text(),
                check.passed());
    }

    /** Pushes tasks {@code from .. to-1}, each carrying {@code now} as its push time. */
    @FunctionalInterface
    private interface Pusher {
        void push(int from, int to, long now);
    }

    /**
     * The steady producer: from {@code start}, once every millisecond tick, pushes every task due by then at
     * {@code rate} tasks/s (the first {@code pushed} counted as pushed before) until {@code total} were pushed,
     * as a steady producer would; returns how many were pushed.
     */
    private static int produce(int pushed, int total, int rate, long start, DeliveryLedger ledger, ProgressBar bar,
                               Pusher pusher) {
        int base = pushed;
        while (pushed < total) {
            long elapsed = System.nanoTime() - start;
            int due = (int) Math.min(total, base + elapsed * rate / 1_000_000_000L);
            if (due > pushed) {
                pusher.push(pushed, due, System.nanoTime());
                pushed = due;
                bar.update(pushed, "executed " + ResultTable.count(ledger.total()));
            }
            long sinceStart = System.nanoTime() - start;
            long sleep = TICK_NANOS - sinceStart % TICK_NANOS;
            if (sleep > 0) {
                LockSupport.parkNanos(sleep);
            }
        }
        return pushed;
    }

    /**
     * Tasks pushed at the measured rate before the measured window and left out of the percentiles: a second's
     * worth, at most as many as the window holds. A worker that runs for long has its idle path (the empty pop,
     * the wait) compiled; the bench's worker starts right before the window, and without this its first
     * hundreds of pickups ran that path interpreted or half compiled, a part of the p99 no running worker shows.
     */
    private static int steadyWarmUp(int total, int rate) {
        return Math.min(total, rate);
    }

    /** Samples of the noise probe: one per millisecond of a window twice as long as the pushes, plus 10 s. */
    private static int noiseSamples(int total, int rate) {
        return (int) Math.min(10_000_000L, 2L * total * 1000 / rate + 10_000);
    }

    /** Waits until {@code total} runs were recorded, the consumer died, or nothing ran for {@link BackendBench#STALL_NANOS}. */
    private static void awaitAll(DeliveryLedger ledger, Thread consumer, int total) {
        long lastChange = System.nanoTime();
        long seen = ledger.total();
        while (seen < total && System.nanoTime() - lastChange < BackendBench.STALL_NANOS && consumer.isAlive()) {
            sleep(5);
            if (ledger.total() != seen) {
                seen = ledger.total();
                lastChange = System.nanoTime();
            }
        }
    }

    /**
     * Pushes the warm-up task (id 0, without a push time) alone and waits until it ran, the worker gave
     * up or {@link BackendBench#STALL_NANOS} passed; returns how many tasks were pushed.
     */
    private static int startWorker(Broker broker, DeliveryLedger ledger, Thread consumer, int total) {
        if (total < 1) {
            return 0;
        }
        broker.pushTasks(BackendBench.QUEUE, List.of(Task.of(Map.of(BenchWorker.ID, 0L))), Priority.NORMAL, null);
        long since = System.nanoTime();
        while (ledger.total() < WARM_UP_TASKS && consumer.isAlive() && System.nanoTime() - since < BackendBench.STALL_NANOS) {
            LockSupport.parkNanos(TICK_NANOS);
        }
        return WARM_UP_TASKS;
    }

    private static long percentile(long[] sorted, double fraction) {
        int index = (int) Math.ceil(fraction * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double ratio(long nanos, long floorNanos) {
        return (double) nanos / Math.max(1, floorNanos);
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
