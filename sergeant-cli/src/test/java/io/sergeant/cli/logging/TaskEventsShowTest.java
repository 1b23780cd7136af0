package io.sergeant.cli.logging;

import io.sergeant.api.Broker;
import io.sergeant.api.Task;
import io.sergeant.api.config.LoggingConfig;
import io.sergeant.api.config.LoggingEvents;
import io.sergeant.api.config.Starvation;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.WorkerRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With the logging configuration the {@code sergeant} jar ships, every task event a worker's
 * {@code logging.events} enables is printed at its level (issue 14 item 10), a failure with its stack
 * trace; the configured level hides the events below it.
 */
class TaskEventsShowTest {

    @TempDir
    Path dir;

    /** Each task's "action" kwarg says what it does; starvation pushes the task that stops the worker. */
    public static final class EventfulWorker extends Worker {
        private final WorkerConfig config;
        private final AtomicBoolean requeued = new AtomicBoolean();
        private final AtomicBoolean starved = new AtomicBoolean();

        EventfulWorker(WorkerConfig config) {
            this.config = config;
        }

        @Override
        public WorkerConfig config() {
            return config;
        }

        @Override
        public Object work(Task task) throws Exception {
            switch ((String) task.kwargs().get("action")) {
                case "fail" -> throw new IllegalStateException("the mail server said no");
                case "retry" -> throw retry(task);
                case "requeue" -> {
                    if (requeued.compareAndSet(false, true)) {
                        throw requeue(task);
                    }
                    return "requeued once";
                }
                case "sleep" -> Thread.sleep(30_000);
                case "stop" -> throw stop();
                default -> {
                    return "ok";
                }
            }
            return null;
        }

        @Override
        public void onStarvation(int timeWithNoTasks) {
            if (starved.compareAndSet(false, true)) {
                pushTask(Map.of("action", "stop"));
            }
        }
    }

    private String runWithShippedLogging(String level) {
        WorkerConfig config = WorkerConfig.builder("events").backend("sqlite:" + dir.resolve(level + ".db"))
                .pollInterval(Duration.ofMillis(20)).maxRetries(1).timeout(Duration.ofMillis(300))
                .starvation(new Starvation(2))
                .logging(new LoggingConfig(new LoggingEvents(true, true, true, true, true, true, true, true), false))
                .build();
        Sergeant sergeant = Sergeant.create();
        try (Broker broker = sergeant.broker(config)) {
            for (String action : List.of("succeed", "fail", "retry", "requeue", "sleep")) {
                broker.pushTask("events", Map.of("action", action));
            }
        }
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        ShippedLogback logging = ShippedLogback.with(Map.of("sergeant.log.level", level, "sergeant.log.appender", "TEXT"));
        try (logging) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try (WorkerRuntime runtime = new WorkerRuntime(new EventfulWorker(config), sergeant, List.of())) {
                runtime.run();
            }
        } finally {
            System.setErr(originalErr);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyEnabledTaskEventShowsAtInfoWithTheFailuresStackTrace() {
        String err = runWithShippedLogging("INFO");

        assertThat(err).contains("INFO", "task has finished successfully", "task has retried", "task has requeued");
        assertThat(err).contains("ERROR", "task has failed", "task has reached max retries", "task has timedout");
        assertThat(err).contains("WARN", "worker is starving", "task has stopped");
        // The failure's stack trace follows its line, down to the worker's frame.
        assertThat(err).contains("java.lang.IllegalStateException: the mail server said no")
                .contains("at " + EventfulWorker.class.getName() + ".work");
        assertThat(err).contains("sergeant.worker.events".substring("sergeant.worker.".length()) + ": task has failed");
    }

    @Test
    void theConfiguredLevelHidesTheEventsBelowIt() {
        String err = runWithShippedLogging("WARN");

        assertThat(err).contains("task has failed", "task has reached max retries", "task has timedout",
                "worker is starving", "task has stopped");
        assertThat(err).doesNotContain("task has finished successfully", "task has retried", "task has requeued");
    }
}
