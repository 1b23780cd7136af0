package io.sergeant.cli;

import io.sergeant.cli.console.ProgressBar;
import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.cli.demo.DemoWorker;
import io.sergeant.cli.demo.ExecutionLog;
import io.sergeant.core.Sergeant;
import io.sergeant.core.config.WorkerConfigProperties;
import io.sergeant.core.supervisor.Supervisor;
import io.sergeant.core.supervisor.SupervisorConfig;
import io.sergeant.spi.backend.BackendSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * {@code sergeant demo}: the embedded default end to end. It starts a {@link Supervisor} of
 * {@link DemoWorker} processes on a fresh local SQLite file (or the given backend, whose demo queue is
 * reset), pushes {@code --tasks} tasks in bulk, shows the progress while they drain, stops the workers
 * and checks from the workers' execution logs that every task ran exactly once. Exits 0 only then.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Pushes tasks through worker processes on the embedded SQLite backend and checks that "
                + "every task ran exactly once.",
                "Prints the throughput; exits 0 only if every task ran exactly once."})
final class DemoCommand implements Callable<Integer> {

    private static final int PUSH_CHUNK = 5_000;
    private static final long POLL_MILLIS = 100;

    @Spec
    CommandSpec spec;

    @Option(names = "--tasks", defaultValue = "100000", paramLabel = "N", description = "Tasks to push (default: ${DEFAULT-VALUE}).")
    int tasks;

    @Option(names = "--workers", defaultValue = "2", paramLabel = "N", description = "Worker processes (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N",
            description = "Executor threads per worker process (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--batch", defaultValue = "100", paramLabel = "N",
            description = "Tasks a worker pops per transaction (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--delivery", defaultValue = "at-least-once", paramLabel = "MODE",
            description = "at-least-once or at-most-once (default: ${DEFAULT-VALUE}).")
    String delivery;

    @Option(names = "--backend", paramLabel = "URI",
            description = "Backend URI (default: a fresh SQLite file in a temporary directory); the demo queue "
                    + "'" + DemoWorker.QUEUE + "' is purged first.")
    String backend;

    @Option(names = "--timeout", defaultValue = "60s", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Give up when no task ran for this long (default: ${DEFAULT-VALUE}).")
    Duration stallTimeout;

    @Option(names = "--worker-jvm-options", paramLabel = "OPTIONS",
            description = "JVM options of the worker processes, space separated (default: \"-XX:+UseSerialGC -Xmx256m\").")
    String workerJvmOptions = "-XX:+UseSerialGC -Xmx256m";

    @Option(names = "--keep", description = "Keep the demo directory (database and execution logs) and print its path.")
    boolean keep;

    @Option(names = "--verbose", description = "Show the supervisor's and workers' INFO logs.")
    boolean verbose;

    @Override
    public Integer call() throws IOException, InterruptedException {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path directory = Files.createTempDirectory("sergeant-demo-");
        try {
            return run(directory, out, err);
        } finally {
            if (keep) {
                out.println("kept the demo directory " + directory);
            } else {
                deleteRecursively(directory);
            }
            out.flush();
        }
    }

    private void validate() {
        CommandLine commandLine = spec.commandLine();
        if (tasks < 1) {
            throw new CommandLine.ParameterException(commandLine, "--tasks must be at least 1, got " + tasks);
        }
        if (workers < 1) {
            throw new CommandLine.ParameterException(commandLine, "--workers must be at least 1, got " + workers);
        }
        if (threads < 1) {
            throw new CommandLine.ParameterException(commandLine, "--threads must be at least 1, got " + threads);
        }
        if (batch < 1) {
            throw new CommandLine.ParameterException(commandLine, "--batch must be at least 1, got " + batch);
        }
        try {
            DeliveryMode.parse(delivery);
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(commandLine, "--delivery must be at-least-once or at-most-once, got '"
                    + delivery + "'");
        }
    }

    private int run(Path directory, PrintWriter out, PrintWriter err) throws InterruptedException {
        String uri = backend != null ? backend : "sqlite:" + directory.resolve("demo.db");
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("backend", uri);
        if (backend == null) {
            // The demo's own fresh file is never shared with Python Sergeant, so it takes the faster WAL
            // journal instead of the default rollback journal (BENCHMARKS.md, "SQLite journal modes").
            overrides.put("backend.option.journalMode", "WAL");
        }
        overrides.put("tasksPerTransaction", Integer.toString(batch));
        overrides.put("executor.concurrency", Integer.toString(threads));
        overrides.put("delivery.mode", delivery);
        overrides.put("pollInterval", "100ms");
        overrides.put("logging.summary", Boolean.toString(verbose));
        WorkerConfig config = WorkerConfigProperties.apply(new DemoWorker().config(), overrides);
        List<String> jvmOptions = new ArrayList<>();
        if (!workerJvmOptions.isBlank()) {
            jvmOptions.addAll(List.of(workerJvmOptions.trim().split("\\s+")));
        }
        jvmOptions.add("-D" + DemoWorker.DIRECTORY_PROPERTY + "=" + directory);
        if (!verbose) {
            jvmOptions.add("-D" + Logging.LEVEL_PROPERTY + "=WARN");
            Logging.quietSergeantLoggers();
        }
        try (Broker broker = Sergeant.create().broker(config)) {
            broker.purgeTasks(DemoWorker.QUEUE);
            broker.purgeDeadLetters(DemoWorker.QUEUE);
            out.println("sergeant demo: " + Formats.count(tasks) + " tasks, " + workers + " worker process"
                    + (workers == 1 ? "" : "es") + " x " + threads + " thread" + (threads == 1 ? "" : "s") + ", batches of "
                    + batch + ", " + config.delivery().mode().toString().toLowerCase(Locale.ROOT).replace('_', '-')
                    + ", backend " + BackendSpec.maskSecrets(uri));
            out.flush();
            Supervisor supervisor = new Supervisor(new SupervisorConfig(DemoWorker.class.getName(), workers, null, null,
                    jvmOptions, List.of(), overrides, Duration.ofSeconds(10), null));
            AtomicInteger supervisorExit = new AtomicInteger(-1);
            Thread supervising = new Thread(() -> supervisorExit.set(supervisor.run()), "sergeant-demo-supervisor");
            supervising.start();
            try {
                Outcome outcome = pushAndDrain(broker, directory, err, supervising);
                return report(outcome, directory, out, supervisorExit, supervisor, supervising);
            } finally {
                supervisor.requestStop();
                supervising.join();
            }
        }
    }

    private Outcome pushAndDrain(Broker broker, Path directory, PrintWriter err, Thread supervising) throws InterruptedException {
        ProgressBar progress = ProgressBar.on(err, "executed", tasks);
        long start = System.nanoTime();
        int pushed = 0;
        while (pushed < tasks) {
            int size = Math.min(PUSH_CHUNK, tasks - pushed);
            List<Task> chunk = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                chunk.add(Task.of(Map.of(DemoWorker.ID, (long) (pushed + i))));
            }
            broker.pushTasks(DemoWorker.QUEUE, chunk, Priority.NORMAL, null);
            pushed += size;
            progress.update(ExecutionLog.executions(directory), "pushed " + Formats.count(pushed));
        }
        long pushNanos = System.nanoTime() - start;
        long executed = 0;
        long lastProgress = System.nanoTime();
        String detail = "";
        while (true) {
            long now = System.nanoTime();
            long count = ExecutionLog.executions(directory);
            if (count != executed) {
                executed = count;
                lastProgress = now;
            }
            QueueStats stats = broker.stats(DemoWorker.QUEUE);
            detail = "ready " + Formats.count(stats.ready()) + ", in flight " + Formats.count(stats.inFlight())
                    + (stats.deadLetters() == 0 ? "" : ", dead letters " + Formats.count(stats.deadLetters()));
            boolean drained = stats.ready() == 0 && stats.delayed() == 0 && stats.inFlight() == 0;
            if (executed >= tasks && drained) {
                progress.finish(executed, detail);
                return new Outcome(pushNanos, now - start, true, "");
            }
            if (!supervising.isAlive()) {
                progress.finish(executed, detail);
                return new Outcome(pushNanos, now - start, false, "the supervisor ended before the tasks were done");
            }
            if (now - lastProgress > stallTimeout.toNanos()) {
                progress.finish(executed, detail);
                return new Outcome(pushNanos, now - start, false, "no task ran for " + stallTimeout.toSeconds()
                        + " s; gave up");
            }
            progress.update(executed, detail);
            Thread.sleep(POLL_MILLIS);
        }
    }

    private int report(Outcome outcome, Path directory, PrintWriter out, AtomicInteger supervisorExit, Supervisor supervisor,
                       Thread supervising) throws InterruptedException {
        supervisor.requestStop();
        supervising.join();
        ExecutionLog.Verdict verdict = ExecutionLog.verify(directory, tasks);
        out.println("pushed   " + Formats.count(tasks) + " tasks in " + Formats.seconds(outcome.pushNanos()) + " ("
                + Formats.rate(tasks, outcome.pushNanos()) + " tasks/s)");
        out.println("executed " + Formats.count(verdict.executions()) + " tasks in " + Formats.seconds(outcome.totalNanos())
                + " from the first push: " + Formats.rate(verdict.executions(), outcome.totalNanos()) + " tasks/s");
        String counts = Formats.count(verdict.distinct()) + " distinct, " + Formats.count(verdict.duplicates()) + " duplicate"
                + (verdict.duplicates() == 1 ? "" : "s") + ", " + Formats.count(verdict.missing()) + " missing"
                + (verdict.unexpected() == 0 ? "" : ", " + Formats.count(verdict.unexpected()) + " unexpected")
                + ", recorded by " + verdict.processes() + " worker process" + (verdict.processes() == 1 ? "" : "es");
        boolean success = outcome.drained() && verdict.exactlyOnce();
        out.println("exactly once: " + (verdict.exactlyOnce() ? "yes" : "NO") + " (" + counts + ")");
        if (!outcome.drained()) {
            out.println("demo failed: " + outcome.problem());
        }
        if (supervisorExit.get() != 0) {
            out.println("the supervisor exited with code " + supervisorExit.get());
        }
        out.println(success ? "demo succeeded" : "demo FAILED");
        out.flush();
        return success ? 0 : SergeantCommand.EXIT_FAILURE;
    }

    private static void deleteRecursively(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the demo directory " + directory, e);
        }
    }

    private record Outcome(long pushNanos, long totalNanos, boolean drained, String problem) {
    }
}
