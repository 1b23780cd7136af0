package io.sergeant.it.reliability;

import io.sergeant.api.Task;
import io.sergeant.api.config.ExecutorConfig;
import io.sergeant.api.config.Timeouts;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A one-thread worker whose task {@code {"kind": "stuck"}} ignores its interrupt for ever (issue 14 item 4),
 * with batches of three and a 300 ms timeout and grace period; {@code {"kind": "sleep"}} sleeps a minute,
 * answering its interrupt. It marks {@code started} in the directory
 * named by {@value #DIR_PROPERTY} when the stuck task begins, and {@code ran-<id>} for every other task;
 * backend, delivery mode and timeouts may be overridden by {@code sergeant.config.*} properties.
 */
public class StuckTaskWorker extends Worker {

    /** The directory for markers and the SQLite file. */
    public static final String DIR_PROPERTY = "sergeant.it.stuck.dir";
    /** The queue. */
    public static final String QUEUE = "stuck";

    private final Path dir = Path.of(System.getProperty(DIR_PROPERTY, "stuck-dir-not-set"));

    @Override
    public WorkerConfig config() {
        return WorkerConfig.builder(QUEUE).backend("sqlite:" + dir.resolve("queue.sqlite3"))
                .pollInterval(Duration.ofMillis(50)).tasksPerTransaction(3)
                .executor(new ExecutorConfig("thread", 1, null, Map.of()))
                .timeouts(new Timeouts(Duration.ofMillis(300), Duration.ofMillis(300))).build();
    }

    @Override
    public Object work(Task task) throws InterruptedException {
        if ("sleep".equals(task.kwargs().get("kind"))) {
            mark("started");
            Thread.sleep(60_000); // answers its interrupt
        }
        if ("stuck".equals(task.kwargs().get("kind"))) {
            mark("started");
            while (true) {
                Thread.interrupted(); // ignores every interrupt
                Thread.onSpinWait();
            }
        }
        mark("ran-" + task.kwargs().get("id"));
        return null;
    }

    private void mark(String name) {
        try {
            Files.writeString(dir.resolve(name), "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
