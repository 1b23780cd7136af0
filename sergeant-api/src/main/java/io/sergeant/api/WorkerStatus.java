package io.sergeant.api;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

/**
 * One live worker as the worker registry holds it: written by the worker with every heartbeat, read
 * by {@code sergeant workers}, a dashboard or metrics. A worker whose heartbeats stop disappears from
 * the registry when its TTL passes.
 *
 * <p><b>Stored form</b> ({@link #encode()}): a UTF-8 {@link Properties} text, one {@code key=value}
 * per line, times as ISO-8601 instants: {@code id, host, pid, queue, executor, concurrency,
 * startedAt, heartbeatAt, tasksDone, tasksFailed, rssBytes, version, running.count} and, for each
 * running task {@code i}, {@code running.i.id, running.i.traceId, running.i.startedAt}. Readers
 * ({@link #decode}) ignore keys they do not know and take defaults for missing ones, so the record
 * can grow. Python Sergeant never reads it.
 *
 * @param id          unique per worker run: {@code host:pid:queue:random}
 * @param host        the host name
 * @param pid         the worker's process id
 * @param queue       the queue it consumes (its worker name)
 * @param executor    the executor kind ({@code thread}, {@code process}, ...)
 * @param concurrency the executor's concurrency
 * @param startedAt   when the worker started
 * @param heartbeatAt when this record was written
 * @param tasksDone   tasks finished successfully since start
 * @param tasksFailed tasks that failed or timed out since start
 * @param running     the tasks running now, with their start times
 * @param rssBytes    the worker process's resident memory (with its children's), or -1 if unknown
 * @param version     the Sergeant for Java version of the worker
 * @since 0.1
 */
public record WorkerStatus(String id, String host, long pid, String queue, String executor, int concurrency,
                           Instant startedAt, Instant heartbeatAt, long tasksDone, long tasksFailed,
                           List<RunningTask> running, long rssBytes, String version) {

    /**
     * A task a worker is running.
     *
     * @param id        the delivery's receipt id in at-least-once mode, or empty
     * @param traceId   the task's trace id, or empty
     * @param startedAt when the worker started running it
     */
    public record RunningTask(String id, String traceId, Instant startedAt) {

        /** Checks the fields; null ids become empty. */
        public RunningTask {
            id = id == null ? "" : id;
            traceId = traceId == null ? "" : traceId;
            Objects.requireNonNull(startedAt, "startedAt is null");
        }
    }

    /** Checks the fields and copies the running tasks. */
    public WorkerStatus {
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(host, "host is null");
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(executor, "executor is null");
        Objects.requireNonNull(startedAt, "startedAt is null");
        Objects.requireNonNull(heartbeatAt, "heartbeatAt is null");
        Objects.requireNonNull(version, "version is null");
        running = List.copyOf(running);
    }

    /** The stored form (see the class comment). */
    public byte[] encode() {
        Properties properties = new Properties();
        properties.setProperty("id", id);
        properties.setProperty("host", host);
        properties.setProperty("pid", Long.toString(pid));
        properties.setProperty("queue", queue);
        properties.setProperty("executor", executor);
        properties.setProperty("concurrency", Integer.toString(concurrency));
        properties.setProperty("startedAt", startedAt.toString());
        properties.setProperty("heartbeatAt", heartbeatAt.toString());
        properties.setProperty("tasksDone", Long.toString(tasksDone));
        properties.setProperty("tasksFailed", Long.toString(tasksFailed));
        properties.setProperty("rssBytes", Long.toString(rssBytes));
        properties.setProperty("version", version);
        properties.setProperty("running.count", Integer.toString(running.size()));
        for (int i = 0; i < running.size(); i++) {
            RunningTask task = running.get(i);
            properties.setProperty("running." + i + ".id", task.id());
            properties.setProperty("running." + i + ".traceId", task.traceId());
            properties.setProperty("running." + i + ".startedAt", task.startedAt().toString());
        }
        StringWriter text = new StringWriter();
        try {
            properties.store(text, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        StringBuilder lines = new StringBuilder();
        // Drop the date comment Properties writes, so the record holds data only.
        text.toString().lines().filter(line -> !line.startsWith("#")).forEach(line -> lines.append(line).append('\n'));
        return lines.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a stored record.
     *
     * @throws SergeantException {@code MALFORMED_PAYLOAD} if it is not a worker record (no id or queue,
     *         or a number or time that does not parse)
     */
    public static WorkerStatus decode(byte[] record) {
        Objects.requireNonNull(record, "record is null");
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(new String(record, StandardCharsets.UTF_8)));
            String id = required(properties, "id");
            int count = Integer.parseInt(properties.getProperty("running.count", "0"));
            List<RunningTask> running = new ArrayList<>(Math.max(0, Math.min(count, 10_000)));
            for (int i = 0; i < count && i < 10_000; i++) {
                running.add(new RunningTask(properties.getProperty("running." + i + ".id"),
                        properties.getProperty("running." + i + ".traceId"),
                        Instant.parse(required(properties, "running." + i + ".startedAt"))));
            }
            return new WorkerStatus(id, properties.getProperty("host", ""),
                    Long.parseLong(properties.getProperty("pid", "-1")), required(properties, "queue"),
                    properties.getProperty("executor", ""), Integer.parseInt(properties.getProperty("concurrency", "0")),
                    Instant.parse(required(properties, "startedAt")), Instant.parse(required(properties, "heartbeatAt")),
                    Long.parseLong(properties.getProperty("tasksDone", "0")),
                    Long.parseLong(properties.getProperty("tasksFailed", "0")), running,
                    Long.parseLong(properties.getProperty("rssBytes", "-1")), properties.getProperty("version", ""));
        } catch (IOException | IllegalArgumentException | DateTimeException e) {
            throw new SergeantException(ErrorCode.MALFORMED_PAYLOAD, "not a worker record: " + e.getMessage()
                    + "; the worker registry holds records written by WorkerStatus.encode()", e);
        }
    }

    private static String required(Properties properties, String key) {
        String value = properties.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException("'" + key + "' is missing");
        }
        return value;
    }
}
