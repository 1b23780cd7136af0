package io.sergeant.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryConfig;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.WorkerRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A real worker run on the local backend, observed by {@link SergeantMetrics}. */
class SergeantMetricsTest {

    @TempDir
    Path dir;

    /** Task "ok" succeeds, "fail" fails, "retry" retries once (then succeeds), "requeue" requeues once. */
    public static final class MixedWorker extends Worker {
        private final WorkerConfig config;
        private final java.util.concurrent.atomic.AtomicBoolean requeued = new java.util.concurrent.atomic.AtomicBoolean();

        MixedWorker(WorkerConfig config) {
            this.config = config;
        }

        @Override
        public WorkerConfig config() {
            return config;
        }

        @Override
        public Object work(Task task) throws Exception {
            Thread.sleep(5);
            return switch ((String) task.kwargs().get("kind")) {
                case "fail" -> throw new IllegalStateException("failing on purpose");
                case "retry" -> {
                    if (task.runCount() == 0) {
                        throw retry(task);
                    }
                    yield "retried";
                }
                case "requeue" -> {
                    if (requeued.compareAndSet(false, true)) {
                        throw requeue(task);
                    }
                    yield "requeued";
                }
                default -> "ok";
            };
        }
    }

    @Test
    void aWorkerRunIsCountedByOutcomeTimedAndItsQueueDepthSampled() throws Exception {
        WorkerConfig config = WorkerConfig.builder("jobs").backend("sqlite:" + dir.resolve("q.db"))
                .pollInterval(Duration.ofMillis(20)).tasksPerTransaction(3).maxTasksPerRun(7)
                .delivery(DeliveryConfig.DEFAULT.withLease(Duration.ofSeconds(5)).withReapInterval(Duration.ofMillis(100)))
                .build();
        MeterRegistry registry = new SimpleMeterRegistry();
        try (SergeantMetrics metrics = new SergeantMetrics(registry, Duration.ofMillis(100))) {
            Sergeant sergeant = Sergeant.create().withListeners(metrics);
            try (Broker broker = sergeant.broker(config)) {
                for (String kind : List.of("ok", "ok", "fail", "retry")) {
                    broker.pushTask("jobs", Map.of("kind", kind));
                }
                broker.pushTask("jobs", Task.of(Map.of("kind", "requeue")), Priority.NORMAL, null);
                broker.pushTask("jobs", Task.of(Map.of("kind", "later")), Priority.NORMAL, Instant.now().plusSeconds(3600));
            }
            assertThat(metrics.health().ready()).isFalse();
            try (WorkerRuntime runtime = new WorkerRuntime(new MixedWorker(config), sergeant, List.of())) {
                runtime.run();
            }

            assertThat(count(registry, "started")).isEqualTo(7);
            assertThat(count(registry, "succeeded")).isEqualTo(4);
            assertThat(count(registry, "failed")).isEqualTo(1);
            assertThat(count(registry, "retried")).isEqualTo(1);
            assertThat(count(registry, "requeued")).isEqualTo(1);
            assertThat(registry.get("sergeant.tasks.pushed").tag("queue", "jobs").counter().count()).isEqualTo(8);
            assertThat(registry.get("sergeant.task.duration").tags("queue", "jobs", "outcome", "succeeded").timer().count()).isEqualTo(4);
            assertThat(registry.get("sergeant.task.duration").tags("queue", "jobs", "outcome", "succeeded").timer()
                    .totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(4 * 5);
            assertThat(registry.get("sergeant.pop.batch.size").tag("queue", "jobs").summary().totalAmount()).isEqualTo(7);
            assertThat(registry.get("sergeant.backend.latency").tags("operation", "pop", "result", "ok").timer().count()).isPositive();
            assertThat(registry.get("sergeant.backend.latency").tags("operation", "ack", "result", "ok").timer().count()).isPositive();
            assertThat(registry.find("sergeant.leases.reaped").tags("result", "redelivered").counter()).isNotNull();
            // Depths were sampled on the schedule while the worker ran: the delayed task is still there.
            assertThat(registry.get("sergeant.queue.depth").tags("queue", "jobs", "state", "delayed").gauge().value()).isEqualTo(1);
            assertThat(registry.get("sergeant.queue.depth").tags("queue", "jobs", "state", "dead_letters").gauge().value()).isZero();
            // The worker has stopped: not ready any more.
            assertThat(metrics.health().notReadyReason()).isEqualTo("no worker loop is running");
        }
    }

    private static double count(MeterRegistry registry, String outcome) {
        return registry.get("sergeant.tasks").tags("queue", "jobs", "outcome", outcome).counter().count();
    }
}
