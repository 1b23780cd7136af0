package io.sergeant.cli.bench;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.LoggingConfig;
import io.sergeant.api.config.LoggingEvents;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.cli.console.ProgressBar;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.core.worker.WorkerRuntime;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The benchmark of one backend URI, all in this JVM: Sergeant's push one by one and in bulk, the
 * drain of a full queue by a {@link WorkerRuntime} (the whole worker loop with the thread executor
 * and a no-op {@code work}) in both delivery modes with 1 and N threads, the pickup latency under
 * a steady producer (worker polling every ms), and pickup without polling (a producer of one task per
 * push to a worker with the default poll interval; on Redis also the idle worker's commands, and the raw
 * pickup floor, a Jedis {@code BLPOP} woken by an {@code RPUSH}, the rows compared with it); next to the raw
 * client limit of the same bytes, measured in the same run. Every
 * drain checks from the worker's ledger that each task ran exactly once (at-most-once) or at least
 * once (at-least-once) and that the queue is empty afterwards.
 *
 * <p>Uses the queue {@value #QUEUE}, which it purges (with its dead letters) before each step. Not
 * thread safe; one run at a time. Progress goes to the given writer.
 *
 * <p>Size (about 450 lines, over the house's 400): it is the run's script, the sequence of measures
 * in the order the report prints them, sharing the run's settings, broker, ledger and progress; each
 * measure's own machinery lives apart ({@link PickupLatency}, {@link DrainCheck}, {@link DrainMonitor},
 * {@link RawLimit}, the raw clients).
 */
final class BackendBench {

    /** The benchmarked queue. */
    static final String QUEUE = "sergeant-bench";
    /** The measure of the pickup rows. */
    static final String PICKUP = "pickup";
    /** Commands a client sends itself (never run inside a script): what an idle worker's round trips are. */
    private static final java.util.Set<String> ROUND_TRIPS = java.util.Set.of("evalsha", "eval", "evalsha_ro", "eval_ro",
            "blpop", "brpop", "blmpop", "fcall");

    /** How long a run may go without a task running before it is stopped. */
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Sergeant sergeant;
    private final String name;
    private final String uri;
    private final Map<String, String> backendOptions;
    private final Supplier<RawClient> rawClient;
    private final BenchSettings settings;
    private final PrintWriter progress;
    /** Lines for under the table (the idle worker's commands). */
    private final List<String> notes = new ArrayList<>();

    /**
     * @param rawClient opens the raw client of this backend, or null when there is none for this URI
     */
    BackendBench(Sergeant sergeant, String name, String uri, Map<String, String> backendOptions, Supplier<RawClient> rawClient,
                 BenchSettings settings, PrintWriter progress) {
        this.sergeant = Objects.requireNonNull(sergeant, "sergeant is null");
        this.name = Objects.requireNonNull(name, "name is null");
        this.uri = Objects.requireNonNull(uri, "uri is null");
        this.backendOptions = Map.copyOf(backendOptions);
        this.rawClient = rawClient;
        this.settings = Objects.requireNonNull(settings, "settings is null");
        this.progress = Objects.requireNonNull(progress, "progress is null");
    }

    /** Lines for under the table, known once {@link #run()} returned. */
    List<String> notes() {
        return List.copyOf(notes);
    }

    /** Runs every measurement; returns the rows in table order. */
    List<ResultRow> run() {
        WorkerConfig producerConfig = sergeant.validate(config(DeliveryMode.AT_MOST_ONCE, 1, 0));
        List<ResultRow> rows = new ArrayList<>();
        try (Broker broker = sergeant.broker(producerConfig)) {
            List<Task> tasks = tasks(settings.tasks());
            RawLimit.Rates raw = rawClient == null ? RawLimit.NONE
                    : new RawLimit(rawClient, settings, this::say).measure(sergeant.codec(producerConfig), tasks);
            say("warming up (a drain of " + ResultTable.count(settings.tasks() / 4) + " tasks in each mode, not reported)");
            List<Task> warmUp = tasks.subList(0, Math.max(1, settings.tasks() / 4));
            drain(broker, warmUp, DeliveryMode.AT_MOST_ONCE, settings.threads(), 1);
            drain(broker, warmUp, DeliveryMode.AT_LEAST_ONCE, settings.threads(), 1);

            rows.add(pushOneByOne(broker, tasks.subList(0, Math.min(settings.singleTasks(), tasks.size())), raw.single()));
            rows.add(pushBulk(broker, tasks, raw.bulk()));
            for (DeliveryMode mode : List.of(DeliveryMode.AT_MOST_ONCE, DeliveryMode.AT_LEAST_ONCE)) {
                double rawPop = mode == DeliveryMode.AT_LEAST_ONCE && raw.leasedPop() > 0 ? raw.leasedPop() : raw.pop();
                for (int threads : settings.threads() == 1 ? List.of(1) : List.of(1, settings.threads())) {
                    rows.add(drain(broker, tasks, mode, threads, settings.rounds()).withRaw(rawPop));
                }
            }
            if (settings.latencyTasks() > 0) {
                PickupLatency latency = new PickupLatency(sergeant, name, settings, progress, this::say, notes::add);
                for (DeliveryMode mode : List.of(DeliveryMode.AT_MOST_ONCE, DeliveryMode.AT_LEAST_ONCE)) {
                    rows.add(latency.measure(broker, mode, config(mode, 1, 0)));
                }
            }
            if (settings.pickupTasks() > 0) {
                PickupLatency.Floor floor = rawPickup(rows);
                for (DeliveryMode mode : List.of(DeliveryMode.AT_MOST_ONCE, DeliveryMode.AT_LEAST_ONCE)) {
                    rows.add(pickup(broker, mode, floor));
                }
            }
            reset(broker);
        }
        return rows;
    }

    // ------------------------------------------------------------------ raw limit

    // ------------------------------------------------------------------ pushes

    private ResultRow pushOneByOne(Broker broker, List<Task> tasks, double raw) {
        say("push one by one: " + ResultTable.count(tasks.size()) + " tasks, " + settings.rounds() + " rounds");
        long[] nanos = new long[settings.rounds()];
        for (int round = 0; round < nanos.length; round++) {
            reset(broker);
            ProgressBar bar = ProgressBar.on(progress, "pushed", tasks.size());
            long start = System.nanoTime();
            int pushed = 0;
            for (Task task : tasks) {
                broker.pushTask(QUEUE, task, Priority.NORMAL, null);
                if (++pushed % 1000 == 0) {
                    bar.update(pushed, "");
                }
            }
            nanos[round] = System.nanoTime() - start;
            bar.finish(pushed, "");
        }
        return pushRow("push one-by-one", tasks.size(), nanos, raw, broker);
    }

    private ResultRow pushBulk(Broker broker, List<Task> tasks, double raw) {
        say("push bulk: " + ResultTable.count(tasks.size()) + " tasks in calls of " + ResultTable.count(settings.pushChunk())
                + ", " + settings.rounds() + " rounds");
        long[] nanos = new long[settings.rounds()];
        for (int round = 0; round < nanos.length; round++) {
            reset(broker);
            ProgressBar bar = ProgressBar.on(progress, "pushed", tasks.size());
            long start = System.nanoTime();
            push(broker, tasks, bar);
            nanos[round] = System.nanoTime() - start;
            bar.finish(tasks.size(), "");
        }
        return pushRow("push bulk", tasks.size(), nanos, raw, broker);
    }

    private void push(Broker broker, List<Task> tasks, ProgressBar bar) {
        for (int from = 0; from < tasks.size(); from += settings.pushChunk()) {
            int to = Math.min(tasks.size(), from + settings.pushChunk());
            broker.pushTasks(QUEUE, tasks.subList(from, to), Priority.NORMAL, null);
            if (bar != null) {
                bar.update(to, "");
            }
        }
    }

    private ResultRow pushRow(String measure, long count, long[] nanos, double raw, Broker broker) {
        long stored = broker.numberOfEnqueuedTasks(QUEUE, true);
        boolean ok = stored == count;
        String check = ok ? "all " + ResultTable.count(count) + " stored ✓"
                : "FAILED: " + ResultTable.count(stored) + " of " + ResultTable.count(count) + " stored";
        return new ResultRow(name, measure, "", 0, count, nanos, -1, raw, "", check, ok);
    }

    // ------------------------------------------------------------------ drain

    /** Drains a full queue {@code rounds} times; the row is checked on every round and fails if any round failed. */
    private ResultRow drain(Broker broker, List<Task> tasks, DeliveryMode mode, int threads, int rounds) {
        String label = "drain " + mode(mode) + ", " + threads + " thread" + (threads == 1 ? "" : "s");
        long[] nanos = new long[rounds];
        long cpu = 0;
        String check = null;
        boolean passed = true;
        for (int round = 0; round < rounds; round++) {
            reset(broker);
            say(label + ": round " + (round + 1) + " of " + rounds + ": filling the queue with "
                    + ResultTable.count(tasks.size()) + " tasks, then running the worker loop");
            push(broker, tasks, null);
            DeliveryLedger ledger = new DeliveryLedger(tasks.size());
            BenchWorker worker = new BenchWorker(config(mode, threads, tasks.size()), ledger);
            AtomicReference<RunSummary> summary = new AtomicReference<>();
            AtomicReference<Map<Long, Long>> cpuAtEnd = new AtomicReference<>();
            // CPU is read when the last task ran, while the loop's and executor's threads still live.
            ledger.whenAllRan(tasks.size(), () -> cpuAtEnd.set(CpuClock.snapshot()));
            try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
                DrainMonitor monitor = DrainMonitor.start(ProgressBar.on(progress, "executed", tasks.size()), ledger, runtime);
                Map<Long, Long> cpuAtStart = CpuClock.snapshot();
                long start = System.nanoTime();
                try {
                    summary.set(runtime.run());
                } finally {
                    nanos[round] = System.nanoTime() - start;
                    monitor.stop();
                }
                long roundCpu = CpuClock.between(cpuAtStart, cpuAtEnd.get());
                cpu = cpu < 0 || roundCpu < 0 ? -1 : cpu + roundCpu;
            }
            DrainCheck roundCheck = DrainCheck.of(broker, mode, ledger, tasks.size(), summary.get());
            if (check == null || !roundCheck.passed() && passed) {
                check = roundCheck.text();
            }
            passed &= roundCheck.passed();
        }
        return new ResultRow(name, "drain", mode(mode), threads, tasks.size(), nanos, cpu, -1, "", check, passed);
    }

    // ------------------------------------------------------------------ latency

    /**
     * Pickup without polling: a producer pushes one task at a time, {@code --pickup-rate} a second, to a
     * worker with the default poll interval, so each pickup is the wake-up's (or, where a backend has
     * none, the poll's); then, on Redis, the idle worker's commands are counted.
     */
    private ResultRow pickup(Broker broker, DeliveryMode mode, PickupLatency.Floor floor) {
        say(String.format(Locale.ROOT, "pickup %s: a producer pushes %,d tasks/s, one per push, for %.1f s to a worker with the"
                + " default poll interval (1 thread)", mode(mode), settings.pickupRate(), settings.pickupSeconds()));
        WorkerConfig config = builder(mode, 1, 0).build();
        return new PickupLatency(sergeant, name, settings, progress, this::say, notes::add)
                .steady(broker, mode, PICKUP, settings.pickupTasks(), settings.pickupRate(), config, () -> idleCommands(mode), floor);
    }

    /**
     * The raw pickup floor of this backend ({@link RawPickup}: on Redis a Jedis {@code BLPOP} woken by an
     * {@code RPUSH}) at the pickup rate for the pickup time, its row added to {@code rows}; null when the
     * backend has none. Measured before the pickup rows, in the same run, so a tail the machine causes shows
     * in both (issue 15 §4).
     */
    private PickupLatency.Floor rawPickup(List<ResultRow> rows) {
        if (rawClient == null) {
            return null;
        }
        try (RawClient client = rawClient.get(); RawPickup raw = client.pickup()) {
            if (raw == null) {
                return null;
            }
            return new PickupLatency(sergeant, name, settings, progress, this::say, notes::add)
                    .raw(raw, settings.pickupTasks(), settings.pickupRate(), rows);
        }
    }

    /** Counts the commands of the idle worker over {@code --idle-seconds} with the raw client (Redis only). */
    private void idleCommands(DeliveryMode mode) {
        if (rawClient == null || settings.idleSeconds() <= 0) {
            return;
        }
        try (RawClient raw = rawClient.get()) {
            if (raw.commandCalls().isEmpty()) {
                return;
            }
            sleep(500); // the worker's last pops end; it waits
            say(String.format(Locale.ROOT, "idle %s worker: counting its commands for %.1f s", mode(mode), settings.idleSeconds()));
            Map<String, Long> before = raw.commandCalls();
            long start = System.nanoTime();
            sleep(Math.round(settings.idleSeconds() * 1000));
            Map<String, Long> after = raw.commandCalls();
            double seconds = (System.nanoTime() - start) / 1e9;
            notes.add(idleNote(name, mode(mode), before, after, seconds));
        }
    }

    /** The idle note of one delivery mode from two readings of the command counts {@code seconds} apart. */
    static String idleNote(String backend, String mode, Map<String, Long> before, Map<String, Long> after, double seconds) {
        long total = 0;
        long roundTrips = 0;
        Map<String, Long> calls = new java.util.TreeMap<>();
        for (Map.Entry<String, Long> entry : after.entrySet()) {
            String command = entry.getKey();
            long delta = entry.getValue() - before.getOrDefault(command, 0L);
            // The counting itself (INFO) is not the worker's.
            if (delta <= 0 || command.equals("info")) {
                continue;
            }
            calls.put(command, delta);
            total += delta;
            if (ROUND_TRIPS.contains(command)) {
                roundTrips += delta;
            }
        }
        return String.format(Locale.ROOT, "%s: idle %s worker (default configuration) over %.1f s: %.1f scripts and blocking"
                        + " waits per second (EVALSHA, BLPOP); INFO commandstats counted %.1f commands per second, the commands"
                        + " scripts run inside included: %s", backend, mode, seconds, roundTrips / seconds, total / seconds, calls);
    }

    /** Python Sergeant's pickup at {@code rate} tasks/s, computed from its poll loop (it is not run here). */
    static String pythonPickup(int rate) {
        return String.format(Locale.ROOT, "Python Sergeant for comparison (computed, not run): its worker sleeps 1 s after"
                + " every empty pop (docs/python-compat.md §5.1), so at %,d tasks/s a task pushed during that sleep waits for"
                + " its end: pickup p50 ≥ 500 ms, p99 ≥ 990 ms (uniform over the sleep, plus the backlog before it); an idle"
                + " Python worker sends one pop a second (LPOP, then ZPOPMIN for delayed tasks: 2 commands/s)", rate);
    }

    // ------------------------------------------------------------------ helpers

    private WorkerConfig config(DeliveryMode mode, int threads, int maxTasks) {
        return builder(mode, threads, maxTasks).pollInterval(Duration.ofMillis(1)).build();
    }

    /** The bench worker's configuration with the default poll interval. */
    private WorkerConfig.Builder builder(DeliveryMode mode, int threads, int maxTasks) {
        return WorkerConfig.builder(QUEUE)
                .backend(uri)
                .backendOptions(backendOptions)
                .tasksPerTransaction(settings.batch())
                .executor("thread", threads)
                .delivery(mode)
                .maxTasksPerRun(maxTasks)
                .logging(new LoggingConfig(LoggingEvents.DEFAULT, false));
    }

    private static List<Task> tasks(int count) {
        List<Task> tasks = new ArrayList<>(count);
        for (int id = 0; id < count; id++) {
            tasks.add(Task.of(Map.of(BenchWorker.ID, (long) id)));
        }
        return tasks;
    }

    /** Empties the benchmark queue and its dead letters. */
    static void reset(Broker broker) {
        broker.purgeTasks(QUEUE);
        broker.purgeDeadLetters(QUEUE);
    }

    private void say(String line) {
        progress.println(name + ": " + line);
        progress.flush();
    }

    static String mode(DeliveryMode mode) {
        return mode == DeliveryMode.AT_MOST_ONCE ? "at-most-once" : "at-least-once";
    }

    /** Waits for a thread of the benchmark to end. */
    static void join(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the worker loop", e);
        }
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
