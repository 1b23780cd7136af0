package io.sergeant.test.memory;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.Task;
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

/**
 * Core picks the plugin up by its URI scheme, with no change to core: a broker from
 * {@code Sergeant.create()} pushes to {@code memory:demo} and a worker run in this JVM consumes it.
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
        WorkerConfig config = WorkerConfig.builder("q").backend("memory:demo").build();

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
            assertThat(broker.stats("q")).as("every lease acked").isEqualTo(new QueueStats(0, 0, 0, 0));
        }
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
