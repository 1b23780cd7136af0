package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.api.WorkerStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sergeant workers [--backend URI]}: the workers alive now, from the backend's worker registry
 * (each worker's last heartbeat): queue, host and pid, executor and concurrency, uptime, tasks done and
 * failed, resident memory, the tasks running now with their age, and the worker's version.
 */
@Command(name = "workers", mixinStandardHelpOptions = true,
        description = "Lists the workers alive now (from their heartbeats), with the tasks they are running.")
final class WorkersCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions configOptions;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<WorkerStatus> workers;
        try (Broker broker = configOptions.openExistingBroker("workers", Map.of())) {
            workers = broker.workers();
        }
        if (workers.isEmpty()) {
            out.println("no workers alive (none has sent a heartbeat within its TTL)");
            out.flush();
            return 0;
        }
        int queueWidth = Math.max("QUEUE".length(), workers.stream().mapToInt(w -> w.queue().length()).max().orElse(0));
        int hostWidth = Math.max("HOST:PID".length(),
                workers.stream().mapToInt(w -> (w.host() + ":" + w.pid()).length()).max().orElse(0));
        String format = "%-" + queueWidth + "s  %-" + hostWidth + "s  %-14s  %9s  %10s  %10s  %9s  %7s  %s%n";
        out.printf(Locale.ROOT, format, "QUEUE", "HOST:PID", "EXECUTOR", "UPTIME", "DONE", "FAILED", "RSS", "RUNNING",
                "VERSION");
        Instant now = Instant.now();
        for (WorkerStatus worker : workers) {
            out.printf(Locale.ROOT, format, worker.queue(), worker.host() + ":" + worker.pid(),
                    worker.executor() + " x" + worker.concurrency(), age(worker.startedAt(), now),
                    Formats.count(worker.tasksDone()), Formats.count(worker.tasksFailed()), megabytes(worker.rssBytes()),
                    worker.running().size(), worker.version());
            for (WorkerStatus.RunningTask task : worker.running()) {
                out.printf(Locale.ROOT, "    running %s for %s%s%n",
                        task.traceId().isEmpty() ? "a task" : "trace " + task.traceId(), age(task.startedAt(), now),
                        task.id().isEmpty() ? "" : " (delivery " + task.id() + ")");
            }
        }
        out.printf(Locale.ROOT, "%d worker(s)%n", workers.size());
        out.flush();
        return 0;
    }

    /** {@code 42s}, {@code 3m05s}, {@code 2h07m}. */
    static String age(Instant since, Instant now) {
        long seconds = Math.max(0, Duration.between(since, now).toSeconds());
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
    }

    private static String megabytes(long bytes) {
        return bytes < 0 ? "-" : String.format(Locale.ROOT, "%.0fM", bytes / 1048576.0);
    }
}
