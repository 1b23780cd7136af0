package io.sergeant.dashboard;

import io.sergeant.api.Broker;
import io.sergeant.api.DeadLetterInfo;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.QueueStats;
import io.sergeant.api.QueuedTask;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.WorkerStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
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

    /**
     * The most payload bytes one dead-letter page or answer reads from the backend (or
     * {@code kwargsMaxBytes}, when larger): with {@link #MAX_LIMIT} letters just under the kwargs cap, the
     * page would otherwise read 500 of them.
     */
    static final long PAYLOAD_BUDGET_BYTES = 16L << 20;

    /** The longest kwargs JSON text sent whole per task or dead letter; a longer one is sent as a preview of this many characters. */
    static final int KWARGS_MAX_CHARS = 8_192;

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
            row.put("perMinuteLastMinute", lastMinute(points));
            queues.add(row);
        }
        Map<String, Object> model = header();
        model.put("sampleEverySeconds", options.sampleEvery().toMillis() / 1000.0);
        model.put("workersOnline", workers.size());
        model.put("queues", queues);
        return model;
    }

    /**
     * {@code GET /api/queues/{q}}: the counts and the next {@code limit} waiting tasks, decoded. As on the
     * dead-letter page, only payloads of at most {@code kwargsMaxBytes} are read, while the page's reads stay
     * within {@link #PAYLOAD_BUDGET_BYTES} (or the cap, when larger): the backend lists the others by size
     * ({@link Broker#peekTasks(String, int, long, long)}) and they are shown with {@code kwargsNotLoaded}.
     */
    Map<String, Object> queue(String queue, int limit) {
        Map<String, Object> model = header();
        model.putAll(counts(queue, broker.stats(queue)));
        List<Map<String, Object>> tasks = new ArrayList<>();
        String unavailable = null;
        long cap = options.kwargsMaxBytes();
        try {
            List<QueuedTask> items = broker.peekTasks(queue, limit, cap, Math.max(PAYLOAD_BUDGET_BYTES, cap));
            long read = items.stream().filter(QueuedTask::loaded).mapToLong(QueuedTask::payloadBytes).sum();
            for (QueuedTask item : items) {
                Map<String, Object> task;
                if (item.loaded()) {
                    task = decoded(item.payload());
                } else if (item.payloadBytes() > cap) {
                    task = undecoded(item.payloadBytes(), "not loaded: the payload of " + count(item.payloadBytes())
                            + " bytes is over the dashboard's kwargs cap of " + count(cap) + " bytes (--kwargs-max-bytes)");
                } else {
                    task = undecoded(item.payloadBytes(), "not loaded: this page already reads " + count(read)
                            + " bytes of payloads, its most; list fewer (?limit=)");
                }
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

    /**
     * {@code GET /api/dead-letters/{q}}: the oldest {@code limit} dead letters and the total. The letters are
     * listed with their sizes first; then only the payloads of those of at most {@code kwargsMaxBytes} are
     * read (by id), oldest first, while the answer's reads stay within {@link #PAYLOAD_BUDGET_BYTES}: the
     * others are listed with {@code kwargsNotLoaded} saying why, and nothing of their payload is fetched.
     */
    Map<String, Object> deadLetters(String queue, int limit) {
        Map<String, Object> model = header();
        model.put("queue", queue);
        model.put("total", broker.stats(queue).deadLetters());
        List<DeadLetterInfo> infos = broker.deadLetterInfos(queue, limit);
        Map<String, String> notLoaded = new HashMap<>();
        List<String> toLoad = new ArrayList<>();
        long budget = Math.max(PAYLOAD_BUDGET_BYTES, options.kwargsMaxBytes());
        long planned = 0;
        for (DeadLetterInfo info : infos) {
            if (info.payloadBytes() > options.kwargsMaxBytes()) {
                notLoaded.put(info.id(), "not loaded: the payload of " + count(info.payloadBytes())
                        + " bytes is over the dashboard's kwargs cap of " + count(options.kwargsMaxBytes())
                        + " bytes (--kwargs-max-bytes)");
            } else if (planned + info.payloadBytes() > budget) {
                notLoaded.put(info.id(), "not loaded: this page already reads " + count(planned)
                        + " bytes of payloads, its most; list fewer (?limit=) or requeue or delete the older ones");
            } else {
                planned += info.payloadBytes();
                toLoad.add(info.id());
            }
        }
        Map<String, byte[]> payloads = new HashMap<>();
        if (!toLoad.isEmpty()) {
            broker.deadLettersById(queue, toLoad).forEach(letter -> payloads.put(letter.id(), letter.payload()));
        }
        List<Map<String, Object>> letters = new ArrayList<>();
        for (DeadLetterInfo info : infos) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", info.id());
            row.put("reason", info.reason());
            row.put("deliveryCount", info.deliveryCount());
            row.put("deadAt", Instant.ofEpochMilli(Math.round(info.deadAt() * 1000)));
            byte[] payload = payloads.get(info.id());
            if (payload != null) {
                row.putAll(decoded(payload));
            } else {
                row.putAll(undecoded(info.payloadBytes(), notLoaded.getOrDefault(info.id(),
                        "not loaded: requeued or deleted while listing")));
            }
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

    /** The mean of the samples that cover the last minute (all of them when they cover less), or null when none. */
    private Double lastMinute(List<Double> points) {
        if (points.isEmpty()) {
            return null;
        }
        long period = Math.max(1, options.sampleEvery().toMillis());
        int count = (int) Math.max(1, Math.min(points.size(), (60_000 + period - 1) / period));
        return points.subList(points.size() - count, points.size()).stream().mapToDouble(Double::doubleValue).average()
                .orElse(0);
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

    /**
     * A payload's decoded fields, or its size and why it did not decode. Kwargs whose JSON text is longer
     * than {@link #KWARGS_MAX_CHARS} are not sent whole: {@code kwargs} is null and {@code kwargsPreview}
     * holds the start of that text.
     */
    private Map<String, Object> decoded(byte[] payload) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("payloadBytes", payload.length);
        try {
            Task task = broker.decodeTask(payload);
            String text = Json.display(task.kwargs());
            boolean whole = text.length() <= KWARGS_MAX_CHARS;
            row.put("kwargs", whole ? task.kwargs() : null);
            row.put("kwargsPreview", whole ? null : preview(text));
            row.put("kwargsNotLoaded", null);
            row.put("traceId", task.traceId());
            row.put("runCount", task.runCount());
            row.put("date", Instant.ofEpochMilli(Math.round(task.date() * 1000)));
            row.put("error", null);
        } catch (SergeantException e) {
            row.putAll(undecoded(payload.length, null));
            row.put("error", "undecodable: " + e.getMessage());
        }
        return row;
    }

    /** The fields of a payload not decoded: its size, and why it was not read ({@code null}: it was). */
    private static Map<String, Object> undecoded(long payloadBytes, String notLoaded) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("payloadBytes", payloadBytes);
        row.put("kwargs", null);
        row.put("kwargsPreview", null);
        row.put("kwargsNotLoaded", notLoaded);
        row.put("traceId", null);
        row.put("runCount", null);
        row.put("date", null);
        row.put("error", null);
        return row;
    }

    /** The first {@link #KWARGS_MAX_CHARS} characters of a long kwargs text (no surrogate pair cut), then how long it is. */
    private static String preview(String text) {
        int end = KWARGS_MAX_CHARS;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + "… (" + count(text.length()) + " characters in all)";
    }

    private static String count(long value) {
        return String.format(java.util.Locale.ROOT, "%,d", value);
    }

    private static long seconds(Instant since, Instant now) {
        return Math.max(0, Duration.between(since, now).toSeconds());
    }
}
