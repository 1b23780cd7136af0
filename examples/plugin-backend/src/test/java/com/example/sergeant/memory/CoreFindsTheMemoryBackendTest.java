package com.example.sergeant.memory;

import io.sergeant.api.Broker;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.core.worker.WorkerRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Core picks the plugin up by its URI scheme, with no change to core: a broker from
 * {@code Sergeant.create()} pushes to {@code memory:demo} and an at-most-once worker run in this JVM
 * consumes it; an at-least-once worker is refused with the role it would need.
 */
class CoreFindsTheMemoryBackendTest {

    private static final int TASKS = 50;

    @AfterEach
    void dropStore() {
        MemoryStores.drop("demo");
    }

    @Test
    void aBrokerPushesToMemoryDemoAndAnInProcessWorkerRunsEveryTaskOnce() {
        Sergeant sergeant = Sergeant.create();
        assertThat(sergeant.registry().backends().schemes()).contains("memory");
        WorkerConfig config = WorkerConfig.builder("q").backend("memory:demo").delivery(DeliveryMode.AT_MOST_ONCE).build();

        try (Broker broker = sergeant.broker(config)) {
            List<Task> tasks = new ArrayList<>();
            for (int id = 0; id < TASKS; id++) {
                tasks.add(Task.of(Map.of("id", id)));
            }
            broker.pushTasks("q", tasks, Priority.NORMAL, null);
            assertThat(broker.numberOfEnqueuedTasks("q", false)).isEqualTo(TASKS);
        }

        CountingWorker worker = new CountingWorker(config.toBuilder().executor("thread", 4).tasksPerTransaction(10)
                .maxTasksPerRun(TASKS).pollInterval(Duration.ofMillis(20)).build());
        RunSummary summary;
        try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
            summary = runtime.run();
        }

        assertThat(summary.exitCode()).isZero();
        assertThat(summary.outcomes()).containsEntry("success", (long) TASKS);
        assertThat(worker.runs).hasSize(TASKS).allSatisfy((id, runs) -> assertThat(runs.get()).as("runs of task " + id).isEqualTo(1));
        try (Broker broker = sergeant.broker(config)) {
            assertThat(broker.stats("q")).as("every task taken").isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    @Test
    void anAtLeastOnceWorkerFailsAtOnceSayingWhichRoleThePluginLacksAndWhatToDo() {
        Sergeant sergeant = Sergeant.create();
        WorkerConfig config = WorkerConfig.builder("q").backend("memory:demo").delivery(DeliveryMode.AT_LEAST_ONCE).build();

        assertThatThrownBy(() -> new WorkerRuntime(new CountingWorker(config), sergeant, List.of()).close())
                .isInstanceOfSatisfying(SergeantException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_ROLE_MISSING))
                .hasMessageContaining("delivery mode at-least-once needs the lease role")
                .hasMessageContaining("io.sergeant.spi.backend.BackendLeases")
                .hasMessageContaining("MemoryBackend[memory:demo]")
                .hasMessageContaining("delivery.mode=at-most-once");
    }

    /** Counts how often each task id ran. */
    static final class CountingWorker extends Worker {

        final Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
        private final WorkerConfig config;

        CountingWorker(WorkerConfig config) {
            this.config = config;
        }

        @Override
        public WorkerConfig config() {
            return config;
        }

        @Override
        public Object work(Task task) {
            int id = ((Number) task.kwargs().get("id")).intValue();
            return runs.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet();
        }
    }
}
