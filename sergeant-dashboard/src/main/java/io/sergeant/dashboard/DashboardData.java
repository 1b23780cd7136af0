package io.sergeant.dashboard;

import io.sergeant.api.Broker;
import io.sergeant.api.DeadLetter;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.QueueStats;
import io.sergeant.api.QueuedTask;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.WorkerStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reads the backend and builds the models behind every page and every {@code /api} answer: plain maps
 * and lists in the JSON shape documented in {@code docs/dashboard.md}. Pages render the same models,
 * so the page and its API never disagree. Task data stays data here; escaping is the renderer's job.
 */
final class DashboardData {

    /** The most tasks or dead letters one page or answer lists. */
    static final int MAX_LIMIT = 500;

    private final Broker broker;
    private final ThroughputSampler sampler;
    private final DashboardOptions options;

    DashboardData(Broker broker, ThroughputSampler sampler, DashboardOptions options) {
        this.broker = broker;
        this.sampler = sampler;
        this.options = options;
    }

    /** The registry's workers, or none when the backend has no registry. */
    static List<WorkerStatus> workersOrEmpty(Broker broker) {
        try {
            return broker.workers();
        } catch (SergeantException e) {
            if (e.code() == ErrorCode.BACKEND_ROLE_MISSING) {
                return List.of();
            }
            throw e;
        }
    }

    /** Every queue the backend lists, plus every queue a live worker consumes; sorted. */
    static List<String> queueNames(Broker broker, List<WorkerStatus> workers) {
        TreeSet<String> names = new TreeSet<>();
        try {
            names.addAll(broker.queues());
        } catch (SergeantException e) {
            if (e.code() != ErrorCode.BACKEND_ROLE_MISSING) {
                throw e;
            }
        }
        workers.forEach(worker -> names.add(worker.queue()));
        return new ArrayList<>(names);
    }

    /** {@code GET /api/queues}: the backend, every queue with its counts, throughput series and workers. */
    Map<String, Object> overview() {
        List<WorkerStatus> workers = workersOrEmpty(broker);
        Map<String, List<Double>> series = sampler.series();
        List<Map<String, Object>> queues = new ArrayList<>();
        for (String queue : queueNames(broker, workers)) {
            Map<String, Object> row = counts(queue, broker.stats(queue));
            row.put("workers", workers.stream().filter(worker -> worker.queue().equals(queue)).count());
            List<Double> points = series.getOrDefault(queue, List.of());
            row.put("throughputPerMinute", points);
            row.put("lastPerMinute", points.isEmpty() ? null : points.get(points.size() - 1));
            queues.add(row);
        }
        Map<String, Object> model = header();
        model.put("sampleEverySeconds", options.sampleEvery().toMillis() / 1000.0);
        model.put("workersOnline", workers.size());
        model.put("queues", queues);
        return model;
    }

    /** {@code GET /api/queues/{q}}: the counts and the next {@code limit} waiting tasks, decoded. */
    Map<String, Object> queue(String queue, int limit) {
        Map<String, Object> model = header();
        model.putAll(counts(queue, broker.stats(queue)));
        List<Map<String, Object>> tasks = new ArrayList<>();
        String unavailable = null;
        try {
            for (QueuedTask item : broker.peekTasks(queue, limit)) {
                Map<String, Object> task = decoded(item.payload());
                task.put("priority", item.priority() == null ? null : item.priority().name());
                task.put("dueAt", item.dueAt());
                tasks.add(task);
            }
        } catch (SergeantException e) {
            if (e.code() != ErrorCode.BACKEND_ROLE_MISSING) {
                throw e;
            }
            unavailable = e.getMessage();
        }
        model.put("tasks", tasks);
        model.put("tasksUnavailable", unavailable);
        return model;
    }

    /** {@code GET /api/dead-letters/{q}}: the oldest {@code limit} dead letters, decoded, and the total. */
    Map<String, Object> deadLetters(String queue, int limit) {
        Map<String, Object> model = header();
        model.put("queue", queue);
        model.put("total", broker.stats(queue).deadLetters());
        List<Map<String, Object>> letters = new ArrayList<>();
        for (DeadLetter letter : broker.deadLetters(queue, limit)) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", letter.id());
            row.put("reason", letter.reason());
            row.put("deliveryCount", letter.deliveryCount());
            row.put("deadAt", Instant.ofEpochMilli(Math.round(letter.deadAt() * 1000)));
            row.putAll(decoded(letter.payload()));
            letters.add(row);
        }
        model.put("deadLetters", letters);
        return model;
    }

    /** {@code GET /api/workers}: every live worker with its running tasks and their age. */
    Map<String, Object> workers() {
        Instant now = Instant.now();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (WorkerStatus worker : workersOrEmpty(broker)) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", worker.id());
            row.put("queue", worker.queue());
            row.put("host", worker.host());
            row.put("pid", worker.pid());
            row.put("executor", worker.executor());
            row.put("concurrency", worker.concurrency());
            row.put("startedAt", worker.startedAt());
            row.put("uptimeSeconds", seconds(worker.startedAt(), now));
            row.put("heartbeatAt", worker.heartbeatAt());
            row.put("tasksDone", worker.tasksDone());
            row.put("tasksFailed", worker.tasksFailed());
            row.put("rssBytes", worker.rssBytes() < 0 ? null : worker.rssBytes());
            row.put("version", worker.version());
            List<Map<String, Object>> running = new ArrayList<>();
            for (WorkerStatus.RunningTask task : worker.running()) {
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("id", task.id());
                item.put("traceId", task.traceId());
                item.put("startedAt", task.startedAt());
                item.put("ageSeconds", seconds(task.startedAt(), now));
                running.add(item);
            }
            row.put("running", running);
            rows.add(row);
        }
        Map<String, Object> model = header();
        model.put("workers", rows);
        return model;
    }

    private Map<String, Object> header() {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("backend", options.backendLabel());
        model.put("readOnly", options.readOnly());
        model.put("generatedAt", Instant.now());
        return model;
    }

    private static Map<String, Object> counts(String queue, QueueStats stats) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("queue", queue);
        row.put("ready", stats.ready());
        row.put("delayed", stats.delayed());
        row.put("inFlight", stats.inFlight());
        row.put("deadLetters", stats.deadLetters());
        return row;
    }

    /** A payload's decoded fields, or its size and why it did not decode. */
    private Map<String, Object> decoded(byte[] payload) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("payloadBytes", payload.length);
        try {
            Task task = broker.decodeTask(payload);
            row.put("kwargs", task.kwargs());
            row.put("traceId", task.traceId());
            row.put("runCount", task.runCount());
            row.put("date", Instant.ofEpochMilli(Math.round(task.date() * 1000)));
            row.put("error", null);
        } catch (SergeantException e) {
            row.put("kwargs", null);
            row.put("traceId", null);
            row.put("runCount", null);
            row.put("date", null);
            row.put("error", "undecodable: " + e.getMessage());
        }
        return row;
    }

    private static long seconds(Instant since, Instant now) {
        return Math.max(0, Duration.between(since, now).toSeconds());
    }
}
