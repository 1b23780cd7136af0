package io.sergeant.executor.process;

import io.sergeant.api.Broker;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.ExecutorConfig;
import io.sergeant.api.config.Starvation;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.core.worker.WorkerRuntime;
import io.sergeant.testkit.workers.Events;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static io.sergeant.testkit.workers.ScriptWorker.task;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 item 1 with the process executor: a configuration overridden in code (a {@link WorkerRuntime}
 * built with an explicit effective configuration, as the Spring Boot starter and the test harness build
 * theirs) reaches the actions and hooks that run in the child JVMs, not only the parent's loop. The worker
 * class ({@link RetryingWorker}) declares {@code maxRetries = 3}; runs are counted by marker files, since
 * they happen in other processes.
 */
class OverridesReachChildrenTest {

    private static final long PARENT = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    @Test
    @DisplayName("maxRetries=1 set in code bounds retry() in the children: an always failing task runs twice, not four times")
    void maxRetriesOverriddenInCodeBoundsRetriesInTheChildren() {
        Events events = new Events(dir);

        RunSummary summary = run(builder -> builder.maxRetries(1), List.of(task(1, "fail-then-retry")));

        assertThat(events.pids("ran", 1)).as("one run and one retry, both in children (declared maxRetries is %d)",
                RetryingWorker.DECLARED_MAX_RETRIES).hasSize(2).doesNotContain(PARENT);
        assertThat(events.pids("maxretries", 1)).as("onMaxRetries ran once, in a child").hasSize(1).doesNotContain(PARENT);
        assertThat(summary.outcomes()).containsEntry("retry", 1L).containsEntry("max_retries", 1L);
        assertThat(events.of("seen", 1)).hasSize(2);
        for (String marker : events.of("seen", 1)) {
            assertThat(content(marker)).as("effectiveConfig() in the child").endsWith("|1");
        }
    }

    @Test
    @DisplayName("queue name, backend and serializer set in code are what the children decode with, read and retry to")
    void queueBackendAndSerializerOverriddenInCodeReachTheChildren() {
        Events events = new Events(dir);
        String backend = "sqlite:" + dir.resolve("effective.sqlite3");

        RunSummary summary = run(builder -> builder.name("renamed").backend(backend).encoder("pickle", "zlib"),
                List.of(task(2, "retry-once")));

        assertThat(events.pids("ran", 2)).as("the first run failed and retried, the retry ran from the overridden queue")
                .hasSize(2).doesNotContain(PARENT);
        assertThat(events.pids("success", 2)).hasSize(1);
        assertThat(events.pids("failure", 2)).hasSize(1);
        assertThat(summary.outcomes()).containsEntry("retry", 1L).containsEntry("success", 1L).doesNotContainKey("failure");
        for (String marker : events.of("seen", 2)) {
            assertThat(content(marker)).as("effectiveConfig() in the child").isEqualTo("renamed|" + backend + "|pickle|3");
        }
        assertThat(dir.resolve("queue.sqlite3")).as("nothing touched the backend the class declares").doesNotExist();
    }

    /**
     * Runs {@link RetryingWorker} with the process executor (one child) and the configuration its class
     * declares, overridden in code by {@code overrides}, until its queue stays empty.
     */
    private RunSummary run(UnaryOperator<WorkerConfig.Builder> overrides, List<Map<String, Object>> tasks) {
        UnaryOperator<WorkerConfig.Builder> processExecutor = builder -> builder
                .executor(new ExecutorConfig("process", 1, null, Map.of(ProcessExecutorFactory.JVM_OPTIONS,
                        ProcessExecutorFactory.DEFAULT_JVM_OPTIONS + " -XX:TieredStopAtLevel=1 -D"
                                + RetryingWorker.DIR_PROPERTY + "=" + dir)))
                .starvation(new Starvation(3)).delivery(DeliveryMode.AT_LEAST_ONCE);
        Sergeant sergeant = Sergeant.create();
        RetryingWorker worker = new RetryingWorker(dir, processExecutor);
        WorkerConfig effective = overrides.apply(worker.config().toBuilder()).build();
        try (Broker broker = sergeant.broker(effective)) {
            tasks.forEach(kwargs -> broker.pushTask(effective.name(), kwargs));
        }
        try (WorkerRuntime runtime = new WorkerRuntime(worker, effective, sergeant, List.of())) {
            return runtime.run();
        }
    }

    private String content(String marker) {
        try {
            return java.nio.file.Files.readString(dir.resolve("events").resolve(marker));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
