package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.WorkerStatus;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.spi.backend.BackendMonitoring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sergeant workers} lists the worker registry; {@code sergeant stats} without queues lists every queue. */
class WorkersCommandTest {

    @TempDir
    Path directory;

    private String backend() {
        return "sqlite:" + directory.resolve("queue.db");
    }

    private Broker broker() {
        return Sergeant.create().broker(WorkerConfig.builder("jobs").backend(backend()).build());
    }

    @Test
    void workersListsEachLiveWorkerWithItsRunningTasksAndForgetsADeregisteredOne() {
        Instant now = Instant.now();
        WorkerStatus status = new WorkerStatus("host-a:4242:emails:1a2b3c4d", "host-a", 4242, "emails", "process", 4,
                now.minusSeconds(125), now, 1234, 5,
                List.of(new WorkerStatus.RunningTask("7", "trace-xyz", now.minusSeconds(42))), 512L * 1024 * 1024, "0.1.0");
        try (Broker broker = broker()) {
            BackendMonitoring registry = ((DefaultBroker) broker).backend().monitoringRole().orElseThrow();
            registry.heartbeat(status.id(), status.encode(), Duration.ofSeconds(60));

            CommandRun run = CommandRun.of("workers", "--backend", backend());
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.out()).contains("QUEUE", "HOST:PID", "emails", "host-a:4242", "process x4", "2m05s", "1,234",
                    "512M", "0.1.0", "running trace trace-xyz for 42s (delivery 7)", "1 worker(s)");

            assertThat(registry.deregister(status.id())).isTrue();
            CommandRun after = CommandRun.of("workers", "--backend", backend());
            assertThat(after.exitCode()).as(after.toString()).isZero();
            assertThat(after.out()).contains("no workers alive").doesNotContain("host-a");
        }
    }

    @Test
    void statsWithoutQueueNamesShowsEveryQueueOfTheBackend() {
        try (Broker broker = broker()) {
            broker.pushTasks("alpha", List.of(Task.of(Map.of()), Task.of(Map.of())), Priority.NORMAL, null);
            broker.pushTask("beta", Task.of(Map.of()), Priority.NORMAL, Instant.now().plusSeconds(3600));
        }
        CommandRun run = CommandRun.of("stats", "--backend", backend());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).startsWith("alpha").contains(" 2 ");
        assertThat(lines.get(2)).startsWith("beta").contains(" 1 ");

        // An existing database without queues (stats never creates one: NoDatabaseCreatedTest).
        String emptyBackend = "sqlite:" + directory.resolve("empty.db");
        Sergeant.create().broker(WorkerConfig.builder("none").backend(emptyBackend).build()).close();
        CommandRun empty = CommandRun.of("stats", "--backend", emptyBackend);
        assertThat(empty.exitCode()).as(empty.toString()).isZero();
        assertThat(empty.out()).contains("no queues");
    }
}
