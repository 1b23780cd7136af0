package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.api.QueueStats;
import io.sergeant.api.WorkerStatus;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code sergeant top} shows: a {@link Sample} of the backend (every queue's counts and the live
 * workers, through {@link Broker#queues()}, {@link Broker#stats} and {@link Broker#workers()}) and its
 * rendering as lines that fit a terminal of a given width. Rates compare two samples: DONE/S is how fast
 * the queue's live workers finish tasks (from their heartbeat counters), BACKLOG/S how fast the queue's
 * ready and delayed tasks grow (negative: it drains). Stateless.
 */
final class TopScreen {

    /** The narrowest terminal rendered. */
    static final int MIN_WIDTH = 40;

    private TopScreen() {
    }

    /** One look at the backend. */
    record Sample(Instant at, Map<String, QueueStats> queues, List<WorkerStatus> workers) {
        Sample {
            Objects.requireNonNull(at, "at is null");
            queues = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(queues));
            workers = List.copyOf(workers);
        }

        /** Reads every queue's counts and the live workers. */
        static Sample of(Broker broker, Instant now) {
            Map<String, QueueStats> queues = new LinkedHashMap<>();
            for (String queue : broker.queues()) {
                queues.put(queue, broker.stats(queue));
            }
            List<WorkerStatus> workers = broker.workers();
            // A queue with live workers but nothing stored yet still deserves a line.
            workers.forEach(worker -> queues.computeIfAbsent(worker.queue(), broker::stats));
            return new Sample(now, new java.util.TreeMap<>(queues), workers);
        }

        long tasksDone(String queue) {
            return workers.stream().filter(worker -> worker.queue().equals(queue)).mapToLong(WorkerStatus::tasksDone).sum();
        }
    }

    /**
     * The screen for {@code current}, with rates against {@code previous} (null: the first sample, no
     * rates yet); every line shorter than {@code width} characters (so the terminal never wraps it) and free
     * of control characters.
     */
    static List<String> render(Sample previous, Sample current, int width) {
        int room = Math.max(MIN_WIDTH, width) - 1;
        List<String> lines = new ArrayList<>();
        lines.add("sergeant top - " + current.at().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " - "
                + current.queues().size() + " queue(s), " + current.workers().size() + " worker(s)");
        lines.add("");
        int numbers = 6 * 10;
        int nameWidth = Math.max(5, room - numbers);
        String format = "%-" + nameWidth + "s%10s%10s%10s%10s%10s%10s";
        lines.add(String.format(Locale.ROOT, format, "QUEUE", "READY", "DELAYED", "IN FLIGHT", "DEAD", "DONE/S", "BACKLOG/S"));
        if (current.queues().isEmpty()) {
            lines.add("(no queues: the backend holds no tasks)");
        }
        double seconds = previous == null ? 0 : java.time.Duration.between(previous.at(), current.at()).toMillis() / 1000.0;
        current.queues().forEach((queue, stats) -> {
            String done = "-";
            String backlog = "-";
            QueueStats before = previous == null ? null : previous.queues().get(queue);
            if (before != null && seconds > 0) {
                done = rate(Math.max(0, current.tasksDone(queue) - previous.tasksDone(queue)) / seconds);
                backlog = rate(((stats.ready() + stats.delayed()) - (before.ready() + before.delayed())) / seconds);
            }
            lines.add(String.format(Locale.ROOT, format, cut(clean(queue), nameWidth - 1), compact(stats.ready()),
                    compact(stats.delayed()), compact(stats.inFlight()), compact(stats.deadLetters()), done, backlog));
        });
        lines.add("");
        lines.add(String.format(Locale.ROOT, "%-28s %-10s %-14s %8s %8s %8s", "WORKER", "QUEUE", "EXECUTOR", "UPTIME",
                "DONE", "FAILED"));
        if (current.workers().isEmpty()) {
            lines.add("(no workers alive)");
        }
        for (WorkerStatus worker : current.workers()) {
            lines.add(String.format(Locale.ROOT, "%-28s %-10s %-14s %8s %8s %8s", cut(clean(worker.host()) + ":" + worker.pid(), 28),
                    cut(clean(worker.queue()), 10), cut(clean(worker.executor()) + " x" + worker.concurrency(), 14),
                    WorkersCommand.age(worker.startedAt(), current.at()), compact(worker.tasksDone()),
                    compact(worker.tasksFailed())));
            for (WorkerStatus.RunningTask task : worker.running()) {
                lines.add("  running " + (task.traceId().isEmpty() ? "a task" : "trace " + clean(task.traceId())) + " for "
                        + WorkersCommand.age(task.startedAt(), current.at()));
            }
        }
        return lines.stream().map(line -> cut(line, room)).toList();
    }

    /** {@code 99999} as is, larger counts as {@code 123.4K}, {@code 12.3M}, {@code 1.2G}. */
    static String compact(long value) {
        if (Math.abs(value) < 100_000) {
            return Long.toString(value);
        }
        double magnitude = Math.abs((double) value);
        String[] units = {"K", "M", "G", "T"};
        int unit = -1;
        while (magnitude >= 1000 && unit < units.length - 1) {
            magnitude /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, "%s%.1f%s", value < 0 ? "-" : "", magnitude, units[unit]);
    }

    private static String rate(double perSecond) {
        if (Math.abs(perSecond) < 10) {
            return String.format(Locale.ROOT, "%.1f", perSecond);
        }
        return compact(Math.round(perSecond));
    }

    private static String clean(String text) {
        return text.replaceAll("\\p{Cntrl}", "?");
    }

    private static String cut(String text, int width) {
        return text.length() <= width ? text : text.substring(0, Math.max(0, width - 1)) + "~";
    }
}
