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
 * while the worker was still starting made most of the p99). A note under the table gives the machine's
 * noise in the same window ({@link MachineNoise}): how late a thread parking 1 ms woke, and the garbage
 * collections, so that a tail the machine caused can be told from one of the worker's path. Not thread
 * safe.
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
        return steady(broker, mode, "latency", settings.latencyTasks(), settings.latencyRate(), config, null);
    }

    /**
     * A steady producer pushing {@code rate} tasks/s (every ms, the tasks due by then in one push) to a
     * worker running {@code config}; records pickup − push of every task in the row {@code measure}.
     * {@code whileIdle}, if not null, runs after every task ran, while the worker is still running and idle.
     */
    ResultRow steady(Broker broker, DeliveryMode mode, String measure, int total, int rate, WorkerConfig config,
                     Runnable whileIdle) {
        BackendBench.reset(broker);
        DeliveryLedger ledger = new DeliveryLedger(total);
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
                pushed = startWorker(broker, ledger, consumer, total);
                ProgressBar bar = ProgressBar.on(progress, "pushed", total);
                noise = new MachineNoise((int) Math.min(10_000_000L, 2L * total * 1000 / rate + 10_000)).start();
                start = System.nanoTime();
                while (pushed < total) {
                    long elapsed = System.nanoTime() - start;
                    int due = (int) Math.min(total, WARM_UP_TASKS + elapsed * rate / 1_000_000_000L);
                    if (due > pushed) {
                        List<Task> batch = new ArrayList<>(due - pushed);
                        long now = System.nanoTime();
                        for (int id = pushed; id < due; id++) {
                            batch.add(Task.of(Map.of(BenchWorker.ID, (long) id, BenchWorker.PUSHED_AT, now)));
                        }
                        broker.pushTasks(BackendBench.QUEUE, batch, Priority.NORMAL, null);
                        pushed = due;
                        bar.update(pushed, "executed " + ResultTable.count(ledger.total()));
                    }
                    // One push per millisecond tick with every task due by then, as a steady producer would.
                    long sinceStart = System.nanoTime() - start;
                    long sleep = TICK_NANOS - sinceStart % TICK_NANOS;
                    if (sleep > 0) {
                        LockSupport.parkNanos(sleep);
                    }
                }
                long lastChange = System.nanoTime();
                long seen = ledger.total();
                while (seen < total && System.nanoTime() - lastChange < BackendBench.STALL_NANOS && consumer.isAlive()) {
                    sleep(5);
                    if (ledger.total() != seen) {
                        seen = ledger.total();
                        lastChange = System.nanoTime();
                    }
                }
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
        long[] latencies = ledger.sortedLatencies(Math.min(WARM_UP_TASKS, total), total);
        String latency = latencies.length == 0 ? "n/a"
                : millis(percentile(latencies, 0.50)) + " / " + millis(percentile(latencies, 0.99)) + " ms";
        DrainCheck check = DrainCheck.of(broker, mode, ledger, total, summary.get());
        return new ResultRow(name, measure, BackendBench.mode(mode), 1, total, nanos, -1, latency, check.text(),
                check.passed());
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
