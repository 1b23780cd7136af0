package io.sergeant.it.reliability;

import io.sergeant.api.Broker;
import io.sergeant.api.DeadLetter;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.core.worker.WorkerMain;
import io.sergeant.testkit.execution.BackgroundCall;
import io.sergeant.core.supervisor.Supervisor;
import io.sergeant.core.supervisor.SupervisorConfig;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One fault-injection run: a history directory, supervisors of {@link HistoryWorker} JVMs on a backend,
 * producers, a killer thread, and the final check. Everything it starts is stopped by {@link #close()}
 * (supervisors gracefully, then any leftover process by pid). Not thread safe: one test drives it.
 */
final class FaultRun implements AutoCloseable {

    /** JVM options of the worker JVMs: quick start, small heap, quiet logs. */
    static final List<String> WORKER_JVM = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m",
            "-Xshare:auto", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    /** The process executor's child JVM options. */
    static final String CHILD_JVM = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx128m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn";

    /**
     * The fault runs kill workers on purpose every few seconds: a killed worker is replaced at the next
     * supervisor tick, not after the default crash-loop backoff (which would leave the runs without
     * workers; {@link SupervisorRespawnBackoffTest} covers the default).
     */
    static final io.sergeant.core.supervisor.RespawnBackoff FAULT_RESPAWN_BACKOFF = new io.sergeant.core.supervisor.RespawnBackoff(
            Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(60));

    /**
     * The worker settings of the single-worker fault tests: at-least-once, 2 s leases reaped every 500 ms,
     * four tasks a transaction, two at a time.
     */
    static final List<String> AT_LEAST_ONCE_WORKER = List.of("-Dsergeant.config.delivery.mode=at-least-once",
            "-Dsergeant.config.delivery.lease=2s", "-Dsergeant.config.delivery.reapInterval=500ms",
            "-Dsergeant.config.tasksPerTransaction=4", "-Dsergeant.config.executor.concurrency=2");

    private final Path dir;
    private final Path history;
    /** The workers' lease from {@link #supervisorConfig}, or 0: {@link #check} then counts no lease as lapsed. */
    private long leaseMillis;
    private final String backend;
    private final HistoryLog testLog;
    private final Random random;
    private final List<Running> supervisors = new ArrayList<>();
    private final List<Producer> producers = new ArrayList<>();
    private final List<Broker> brokers = new ArrayList<>();
    private final List<Thread> killers = new ArrayList<>();
    private volatile boolean stopKilling;
    private final List<Long> departed = new java.util.concurrent.CopyOnWriteArrayList<>();
    private Path output;
    private PrintStream savedOut;
    private PrintStream savedErr;
    private OutputStream captured;

    private record Running(Supervisor supervisor, CompletableFuture<Integer> exit) {
    }

    FaultRun(Path dir, String backend, long seed) {
        this.dir = Objects.requireNonNull(dir, "dir is null");
        this.history = dir.resolve("history");
        this.backend = Objects.requireNonNull(backend, "backend is null");
        this.testLog = HistoryLog.open(history, "test");
        this.random = new Random(seed);
    }

    Path history() {
        return history;
    }

    String backend() {
        return backend;
    }

    HistoryLog testLog() {
        return testLog;
    }

    /** A broker on the run's backend (closed with the run). */
    DefaultBroker broker(DeliveryMode mode) {
        Sergeant sergeant = Sergeant.create();
        var config = sergeant.validate(HistoryWorker.baseConfig().backend(backend).delivery(mode).build());
        DefaultBroker broker = sergeant.openBroker(config, sergeant.pluginContext(config));
        brokers.add(broker);
        return broker;
    }

    /**
     * Keeps the run's output for {@link #keptOnFailure}, in {@code output/} beside the history: this JVM's
     * {@code System.out} and {@code System.err} (the in-process supervisor's log, the producers', the
     * brokers') are copied to {@code test-jvm.log} until {@link #close()}, and the worker JVMs started with
     * {@link #workerJvm} options from now on write their output to {@code worker-<pid>.log} and a GC and
     * safepoint log to {@code gc-<pid>.log} (what a worker stalled by a loaded machine or its own heap was
     * doing). Call it before starting supervisors.
     */
    FaultRun captureOutput() {
        if (output != null) {
            return this;
        }
        Path directory = dir.resolve("output");
        try {
            Files.createDirectories(directory);
            captured = Files.newOutputStream(directory.resolve("test-jvm.log"), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the output file in " + directory, e);
        }
        output = directory;
        savedOut = System.out;
        savedErr = System.err;
        Object lock = new Object();
        System.setOut(new PrintStream(new Tee(savedOut, captured, lock), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new Tee(savedErr, captured, lock), true, StandardCharsets.UTF_8));
        return this;
    }

    /** Where {@link #captureOutput} keeps the run's output (a process's log written there is kept too); null before. */
    Path outputDirectory() {
        return output;
    }

    /** Copies what is written to the stream it replaces and to the capture file (whose failures are ignored). */
    private static final class Tee extends OutputStream {

        private final PrintStream original;
        private final OutputStream copy;
        private final Object lock;

        Tee(PrintStream original, OutputStream copy, Object lock) {
            this.original = original;
            this.copy = copy;
            this.lock = lock;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            original.write(bytes, offset, length);
            synchronized (lock) {
                try {
                    copy.write(bytes, offset, length);
                } catch (IOException e) {
                    // The capture is evidence only: a full disk must not fail the run.
                }
            }
        }

        @Override
        public void flush() {
            original.flush();
        }
    }

    private void restoreOutput() {
        if (savedOut == null) {
            return;
        }
        System.setOut(savedOut);
        System.setErr(savedErr);
        savedOut = null;
        savedErr = null;
        try {
            captured.close();
        } catch (IOException e) {
            // Evidence only.
        }
    }

    /**
     * What a failed run leaves for diagnosis: copies the history directory and, if {@link #captureOutput}
     * was called, the output directory to {@code target/fault-histories/<test>-<UTC time>/} (the test's
     * temporary directory is deleted once it ends), with the failure's stack trace in {@code failure.txt},
     * and returns an error naming that directory, caused by {@code failure}. Call it after {@link #close()}
     * (everything the workers wrote is then on disk), from the test's catch of any failure.
     *
     * @param test the test's name, for the directory
     */
    AssertionError keptOnFailure(String test, Throwable failure) {
        restoreOutput();
        String time = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
                .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now());
        Path target = Path.of("target", "fault-histories", test + "-" + time).toAbsolutePath();
        IOException notKept = null;
        try {
            copyDirectory(history, target.resolve("history"));
            if (output != null) {
                copyDirectory(output, target.resolve("output"));
            }
            java.io.StringWriter trace = new java.io.StringWriter();
            failure.printStackTrace(new java.io.PrintWriter(trace));
            Files.writeString(target.resolve("failure.txt"), trace.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            notKept = e;
        }
        AssertionError error = new AssertionError(test + " failed; " + (notKept == null
                ? "its history and output are kept in " + target : "keeping its history in " + target + " failed: " + notKept)
                + "\n" + failure, failure);
        if (notKept != null) {
            error.addSuppressed(notKept);
        }
        return error;
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        Files.createDirectories(to);
        try (java.util.stream.Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                if (Files.isRegularFile(file)) {
                    Files.copy(file, to.resolve(file.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /**
     * The worker JVM options with the history directory (and, after {@link #captureOutput}, where the
     * workers write their output and GC log).
     */
    List<String> workerJvm(String... extra) {
        List<String> options = new ArrayList<>(WORKER_JVM);
        options.add("-D" + HistoryWorker.HISTORY_PROPERTY + "=" + history);
        if (output != null) {
            options.add("-D" + HistoryWorker.OUTPUT_PROPERTY + "=" + output);
            options.add("-Xlog:gc,safepoint:file=" + output.resolve("gc-%p.log") + ":time,uptime,level,tags");
        }
        options.addAll(List.of(extra));
        return options;
    }

    /**
     * A supervisor builder for {@link HistoryWorker} on this backend with these overrides. The workers
     * reach the backend through {@link RecordingBackendFactory} ({@code recorded:<uri>}), so every pop
     * is recorded ({@code F}); the factory's services file is on the workers' class path only.
     */
    SupervisorConfig.Builder supervisorConfig(int workers, Map<String, String> overrides) {
        Map<String, String> all = new LinkedHashMap<>(overrides);
        // The workers' lease, so check() allows the run more a lease that lapsed on a loaded machine causes.
        String lease = overrides.get("delivery.lease");
        if (lease != null) {
            leaseMillis = io.sergeant.spi.PluginOptions.parseDuration(lease).toMillis();
        }
        all.put("backend", workerBackend());
        return SupervisorConfig.builder(HistoryWorker.class.getName(), workers).workerJvmOptions(workerJvm())
                .configOverrides(all).gracePeriod(Duration.ofSeconds(15)).classpath(workerClasspath())
                .respawnBackoff(FAULT_RESPAWN_BACKOFF);
    }

    /** The backend URI the workers use: the run's backend behind the recording proxy. */
    String workerBackend() {
        return RecordingBackendFactory.SCHEME + ":" + backend;
    }

    /** This JVM's class path plus the recording backend's services directory. */
    String workerClasspath() {
        Path plugin = RecordingBackendFactory.pluginDirectory(history.getParent().resolve("recording-plugin"));
        return System.getProperty("java.class.path") + java.io.File.pathSeparator + plugin;
    }

    /** Starts a supervisor on a thread of its own. */
    Supervisor startSupervisor(SupervisorConfig config) {
        Supervisor supervisor = new Supervisor(config);
        supervisors.add(new Running(supervisor, BackgroundCall.start("supervisor-under-test", supervisor::run)));
        return supervisor;
    }

    /** Starts a producer in this JVM. */
    Producer startProducer(Broker broker, Producer.Plan plan) {
        Producer producer = new Producer(broker, testLog, plan, random.nextLong()).start();
        producers.add(producer);
        return producer;
    }

    /**
     * Starts a thread that SIGKILLs one random worker of the supervisor (with its descendants) every
     * {@code every}, choosing among workers that have been working for at least {@code minAge} (since
     * their first task record in the history: a JVM still starting holds nothing, and on a loaded machine it
     * may take longer to start than {@code every}, so counting from the spawn would kill the pool before it
     * ever works), until {@code until} says stop or {@link #stopKilling()}.
     */
    void startKiller(Supervisor supervisor, Duration every, Duration minAge, BooleanSupplier until) {
        Thread killer = new Thread(() -> {
            long next = System.nanoTime() + every.toNanos();
            while (!stopKilling && !until.getAsBoolean()) {
                long now = System.nanoTime();
                if (now - next >= 0) {
                    Map<Long, Long> working = workingSinceMillis();
                    long nowMillis = System.currentTimeMillis();
                    List<Long> candidates = supervisor.workerPids().stream().filter(working::containsKey)
                            .filter(pid -> nowMillis - working.get(pid) >= minAge.toMillis()).toList();
                    if (!candidates.isEmpty()) {
                        kill(candidates.get(random.nextInt(candidates.size())));
                        next = now + every.toNanos();
                    }
                }
                sleep(now - next >= 0 ? 250 : 50);
            }
        }, "killer");
        killer.setDaemon(true);
        killer.start();
        killers.add(killer);
    }

    /**
     * Starts a thread that records as killed ({@code X}) every worker that leaves the supervisor's pool (killed by
     * the supervisor for its memory, or dead on its own), once it has left: the supervisor removes a worker
     * after it has been reaped, so every record of it precedes the kill record. The history then holds the
     * supervisor's faults as they happened, instead of a kill the test inferred for one worker (a death the
     * test did not expect is recorded too, and its redeliveries are not counted as the queue's faults). Polls
     * every 20 ms until {@link #stopKilling()} (called by {@link #stopSupervisors()} before the graceful stop,
     * whose departures are not faults), with a last poll then; {@link #departed()} lists the pids recorded.
     */
    void recordPoolDepartures(Supervisor supervisor) {
        Thread watcher = new Thread(() -> {
            Set<Long> known = new HashSet<>(supervisor.workerPids());
            while (true) {
                boolean last = stopKilling;
                List<Long> now = supervisor.workerPids();
                for (Long pid : known) {
                    if (!now.contains(pid)) {
                        testLog.killed(pid);
                        departed.add(pid);
                    }
                }
                known = new HashSet<>(now);
                if (last) {
                    return;
                }
                sleep(20);
            }
        }, "pool-departures");
        watcher.setDaemon(true);
        watcher.start();
        killers.add(watcher);
    }

    /** The workers {@link #recordPoolDepartures} recorded as killed, in the order they left the pool. */
    List<Long> departed() {
        return List.copyOf(departed);
    }

    /**
     * Per process, when it began taking tasks: its first fetch, start or completion in the history (a
     * child's records count for its parent). A worker that only reaps is still starting.
     */
    Map<Long, Long> workingSinceMillis() {
        Map<Long, Long> first = new java.util.HashMap<>();
        for (HistoryRecord record : History.read(history).records()) {
            HistoryRecord.Kind kind = record.kind();
            if (kind != HistoryRecord.Kind.FETCHED && kind != HistoryRecord.Kind.STARTED && kind != HistoryRecord.Kind.COMPLETED) {
                continue;
            }
            first.merge(record.pid(), record.millis(), Math::min);
            if (record.ppid() > 0) {
                first.merge(record.ppid(), record.millis(), Math::min);
            }
        }
        return first;
    }

    /** Stops every killer thread; a later {@link #startKiller} starts killing again. */
    void stopKilling() {
        stopKilling = true;
        for (Thread killer : killers) {
            try {
                killer.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        killers.clear();
        stopKilling = false;
    }

    /**
     * SIGKILLs (with its descendants) a worker of the supervisor that has a task running now (a start
     * without a completion in the history, by the worker or a child of it), waiting up to {@code bound}
     * for one; returns the victim's pid, or -1 if no worker ran a task in that time.
     */
    long killOneRunning(Supervisor supervisor, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            Set<Long> workers = new HashSet<>(supervisor.workerPids());
            Map<String, Long> open = new java.util.HashMap<>();
            for (HistoryRecord record : History.read(history).records()) {
                long owner = workers.contains(record.pid()) ? record.pid() : workers.contains(record.ppid()) ? record.ppid() : -1;
                if (owner < 0) {
                    continue;
                }
                if (record.kind() == HistoryRecord.Kind.STARTED) {
                    open.put(record.id(), owner);
                } else if (record.kind() == HistoryRecord.Kind.COMPLETED) {
                    open.remove(record.id());
                }
            }
            if (!open.isEmpty()) {
                List<Long> running = open.values().stream().distinct().toList();
                long victim = running.get(random.nextInt(running.size()));
                kill(victim);
                return victim;
            }
            sleep(20);
        }
        return -1;
    }

    /**
     * SIGKILLs the process and every descendant it has now, then records the kill. Recorded after the
     * signals, so every record of the victim precedes the kill's time even when this thread is descheduled
     * between the two (on a loaded machine a record written first could precede records of the victim by
     * a scheduling delay, and a task it started in between would not count as caught by the kill).
     */
    void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(handle -> {
            List<ProcessHandle> descendants = handle.descendants().toList();
            handle.destroyForcibly();
            descendants.forEach(ProcessHandle::destroyForcibly);
            testLog.killed(pid);
        });
    }

    /** Waits until every id has completed at least once; returns whether it happened in time. */
    boolean awaitCompleted(Set<String> ids, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            if (completedIds().containsAll(ids)) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            sleep(250);
        }
    }

    /** Waits until no new completion appeared for {@code quiet}, at most {@code bound}. */
    void awaitQuiet(Duration quiet, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        long last = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() - deadline < 0) {
            long now = taskRecords();
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > quiet.toNanos()) {
                return;
            }
            sleep(250);
        }
    }

    /**
     * Waits until the queue has nothing ready, delayed or in flight (leases of killed workers reaped and
     * run again, acks flushed) and the history stopped growing for a second; returns whether it did.
     */
    boolean awaitSettled(io.sergeant.api.Broker broker, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            QueueStats stats = stats(broker);
            if (stats.ready() == 0 && stats.delayed() == 0 && stats.inFlight() == 0) {
                long before = taskRecords();
                sleep(1_000);
                if (taskRecords() == before && stats(broker).inFlight() == 0) {
                    return true;
                }
                continue;
            }
            sleep(200);
        }
        return false;
    }

    /** How many records of the history are about tasks: all but reaps, which a live worker writes on its own every reap interval. */
    private long taskRecords() {
        return History.read(history).records().stream().filter(record -> record.kind() != HistoryRecord.Kind.REAPED).count();
    }

    /** The ids completed so far. */
    Set<String> completedIds() {
        return completedIds(history);
    }

    /** Stops every supervisor gracefully (as SIGTERM does) and returns their exit codes. */
    List<Integer> stopSupervisors() {
        stopKilling();
        List<Integer> codes = new ArrayList<>();
        for (Running running : supervisors) {
            running.supervisor().requestStop();
        }
        for (Running running : supervisors) {
            try {
                codes.add(running.exit().get(60, TimeUnit.SECONDS));
            } catch (Exception e) {
                throw new IllegalStateException("a supervisor did not stop within 60 s: " + e, e);
            }
        }
        supervisors.clear();
        return codes;
    }

    /** Ids of the dead letters of the queue, decoded with the broker's encoder. */
    static Set<String> deadLetterIds(DefaultBroker broker) {
        Set<String> ids = new HashSet<>();
        for (DeadLetter letter : broker.deadLetters(HistoryWorker.QUEUE, 10_000)) {
            Task task = broker.encoder().decode(letter.payload());
            ids.add(String.valueOf(task.kwargs().get("id")));
        }
        return ids;
    }

    /** The queue's sizes. */
    static QueueStats stats(Broker broker) {
        return broker.stats(HistoryWorker.QUEUE);
    }

    /**
     * Starts a {@link WorkerMain} JVM (no supervisor) running {@code workerClass} with {@link #WORKER_JVM},
     * then {@code options} (system properties such as {@code -Dsergeant.config.…}), on this JVM's class
     * path; its stdout and stderr go to {@code output}. The caller stops the process.
     */
    static Process startWorkerMain(Class<?> workerClass, Path output, List<String> options) throws IOException {
        return startWorkerMain(workerClass, output, options, System.getProperty("java.class.path"));
    }

    private static Process startWorkerMain(Class<?> workerClass, Path output, List<String> options, String classpath)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(WORKER_JVM);
        command.addAll(options);
        command.addAll(List.of("-cp", classpath, WorkerMain.class.getName(),
                "--worker-class", workerClass.getName()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    /**
     * Starts a {@link WorkerMain} JVM running {@link HistoryWorker} on {@code backend}, recording into
     * {@code history}, with these further options (see {@link #startWorkerMain}).
     */
    static Process startHistoryWorker(Path history, String backend, Path output, List<String> options) throws IOException {
        List<String> all = new ArrayList<>(List.of("-D" + HistoryWorker.HISTORY_PROPERTY + "=" + history,
                "-Dsergeant.config.backend=" + backend));
        all.addAll(options);
        return startWorkerMain(HistoryWorker.class, output, all);
    }

    /**
     * {@link #startHistoryWorker}, the worker reaching {@code backend} through {@link RecordingBackendFactory}
     * ({@code recorded:<backend>}, its services file on this worker's class path only), so its deliveries
     * carry identities ({@code F}, {@code K} records and the delivery tokens of its {@code S}, {@code C}).
     */
    static Process startRecordedHistoryWorker(Path history, String backend, Path output, List<String> options) throws IOException {
        List<String> all = new ArrayList<>(List.of("-D" + HistoryWorker.HISTORY_PROPERTY + "=" + history,
                "-Dsergeant.config.backend=" + RecordingBackendFactory.SCHEME + ":" + backend));
        all.addAll(options);
        Path plugin = RecordingBackendFactory.pluginDirectory(history.getParent().resolve("recording-plugin"));
        return startWorkerMain(HistoryWorker.class, output, all,
                System.getProperty("java.class.path") + java.io.File.pathSeparator + plugin);
    }

    /**
     * Pushes {@code count} {@link HistoryWorker} tasks ids {@code prefix-0…} that each take {@code millis},
     * at-least-once through a broker of its own on {@code backend}, recording each attempt and push in the
     * history log {@code logName}; returns the ids.
     */
    static List<String> pushTasks(Path history, String backend, String logName, String prefix, int count, int millis) {
        WorkerConfig config = HistoryWorker.baseConfig().backend(backend).delivery(DeliveryMode.AT_LEAST_ONCE).build();
        Sergeant sergeant = Sergeant.create();
        WorkerConfig valid = sergeant.validate(config);
        List<String> ids = new ArrayList<>();
        try (DefaultBroker broker = sergeant.openBroker(valid, sergeant.pluginContext(valid));
             HistoryLog log = HistoryLog.open(history, logName)) {
            for (int i = 0; i < count; i++) {
                Task task = Task.of(Map.of("id", prefix + "-" + i, "ms", millis));
                log.attempted(List.of(task), 0);
                broker.pushTask(HistoryWorker.QUEUE, task, Priority.NORMAL, null);
                log.pushed(List.of(task), 0);
                ids.add(prefix + "-" + i);
            }
        }
        return ids;
    }

    /**
     * Waits until every id has completed at least once in the history directory, polling every 100 ms;
     * returns whether it happened within {@code bound}.
     */
    static boolean awaitCompleted(Path history, Collection<String> ids, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (completedIds(history).containsAll(ids)) {
                return true;
            }
            sleep(100);
        }
        return false;
    }

    /** The ids completed so far in the history directory. */
    static Set<String> completedIds(Path history) {
        Set<String> ids = new HashSet<>();
        for (HistoryRecord record : History.read(history).records()) {
            if (record.kind() == HistoryRecord.Kind.COMPLETED) {
                ids.add(record.id());
            }
        }
        return ids;
    }

    /** The last 4,000 characters of a process's output, for an assertion message. */
    static String tail(String text) {
        return text.length() <= 4000 ? text : "…" + text.substring(text.length() - 4000);
    }

    /**
     * Checks the history, and that every verdict on what a fault caught in flight was reached by delivery
     * identity ({@link HistoryReport#judgedByTime()} empty: the workers' records name their deliveries).
     */
    HistoryReport check(Set<String> deadLettered) {
        HistoryReport report = identified(new HistoryChecker(HistoryChecker.DEFAULT_ACK_WINDOW_MILLIS, leaseMillis)
                .check(History.read(history), deadLettered));
        // A lapse is a worker stalled past its lease; many would rather mean broken lease extension or refused acks.
        int lapsed = report.lapsedLeases().values().stream().mapToInt(Integer::intValue).sum();
        if (lapsed > MAX_LAPSED_LEASES) {
            throw new AssertionError(lapsed + " deliveries lost their lease with no fault (at most " + MAX_LAPSED_LEASES
                    + " expected from a loaded machine): " + report.lapsedLeases() + "\n" + report);
        }
        return report;
    }

    /** The most lapsed leases ({@link HistoryReport#lapsedLeases()}) a run may show before it fails. */
    static final int MAX_LAPSED_LEASES = 3;

    /** The report, after checking that no in-flight verdict was estimated from timestamps. */
    static HistoryReport identified(HistoryReport report) {
        if (!report.judgedByTime().isEmpty()) {
            throw new AssertionError("in-flight verdicts estimated by time, the starts naming no delivery (a worker not"
                    + " behind the recording backend?): " + report.judgedByTime());
        }
        return report;
    }

    /** Prints a run's figures and appends them to {@code target/reliability-figures.txt}. */
    static void figures(String name, String line) {
        String text = String.format("%s %s: %s%n", java.time.Instant.now(), name, line);
        System.out.print("[reliability] " + text);
        try {
            Path file = Path.of("target", "reliability-figures.txt");
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        // Joined before the stop, so a departure watcher records no graceful exit as a kill.
        stopKilling();
        producers.forEach(Producer::close);
        for (Running running : supervisors) {
            running.supervisor().requestStop();
        }
        for (Running running : supervisors) {
            List<Long> pids = running.supervisor().workerPids();
            try {
                running.exit().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(handle -> {
                    handle.descendants().forEach(ProcessHandle::destroyForcibly);
                    handle.destroyForcibly();
                }));
            }
        }
        brokers.forEach(Broker::close);
        testLog.close();
        restoreOutput();
        keepHistory();
    }

    /**
     * With {@code -Dsergeant.it.keepHistory=true}, copies the history directory (and the output of
     * {@link #captureOutput}, into {@code output/}) to {@code target/fault-histories/} (the test's temporary
     * directory is deleted), for a look at a run that passed; {@link #keptOnFailure} keeps a failed one.
     */
    private void keepHistory() {
        if (!Boolean.getBoolean("sergeant.it.keepHistory")) {
            return;
        }
        Path target = Path.of("target", "fault-histories", history.getParent().getFileName().toString());
        try {
            copyDirectory(history, target);
            if (output != null) {
                copyDirectory(output, target.resolve("output"));
            }
            System.out.println("[reliability] history kept in " + target.toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the history in " + target, e);
        }
    }
}
