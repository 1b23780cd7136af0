package io.sergeant.core.internal.runtime;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.WorkerStatus;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.internal.QueueOnlyBackend;
import io.sergeant.core.internal.plugin.PluginRegistry;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.execution.Outcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The worker's record in the registry: its stored form, and the heartbeats of a worker on a real SQLite file. */
class WorkerHeartbeatTest {

    @TempDir
    Path dir;

    private Backend backend;
    private BackendMonitoring registry;

    @BeforeEach
    void open() {
        backend = PluginRegistry.discover().backends().forScheme("sqlite")
                .create(new BackendSpec("sqlite:" + dir.resolve("registry.db"), Map.of()), PluginContext.defaults());
        registry = backend.monitoringRole().orElseThrow();
    }

    @AfterEach
    void close() {
        backend.close();
    }

    @Test
    void theProductPeriodIsFiveSecondsWithAFifteenSecondTtlUnlessATestSetsIt() {
        // The property only shortens the wait of tests (WorkerRegistryTest); unset, the constants hold.
        String saved = System.getProperty(WorkerHeartbeat.INTERVAL_MILLIS_PROPERTY);
        try {
            System.clearProperty(WorkerHeartbeat.INTERVAL_MILLIS_PROPERTY);
            assertThat(WorkerHeartbeat.INTERVAL).isEqualTo(Duration.ofSeconds(5));
            assertThat(WorkerHeartbeat.TTL).isEqualTo(Duration.ofSeconds(15));
            assertThat(WorkerHeartbeat.interval()).isEqualTo(WorkerHeartbeat.INTERVAL);
            System.setProperty(WorkerHeartbeat.INTERVAL_MILLIS_PROPERTY, "not a number");
            assertThat(WorkerHeartbeat.interval()).isEqualTo(WorkerHeartbeat.INTERVAL);
            System.setProperty(WorkerHeartbeat.INTERVAL_MILLIS_PROPERTY, "0");
            assertThat(WorkerHeartbeat.interval()).isEqualTo(WorkerHeartbeat.INTERVAL);
            System.setProperty(WorkerHeartbeat.INTERVAL_MILLIS_PROPERTY, "2000");
            assertThat(WorkerHeartbeat.interval()).isEqualTo(Duration.ofSeconds(2));
        } finally {
            if (saved == null) {
                System.clearProperty(WorkerHeartbeat.INTERVAL_MILLIS_PROPERTY);
            } else {
                System.setProperty(WorkerHeartbeat.INTERVAL_MILLIS_PROPERTY, saved);
            }
        }
    }

    @Test
    void aRecordSurvivesItsStoredFormFieldForField() {
        Instant now = Instant.parse("2026-12-04T18:00:00.123456Z");
        WorkerStatus status = new WorkerStatus("h:1:q=x:ab", "h\u00e9st \\ name", 1, "q=x: #1", "thread", 8,
                now.minusSeconds(60), now, 10, 2, List.of(new WorkerStatus.RunningTask("12", null, now.minusSeconds(3)),
                new WorkerStatus.RunningTask(null, "trace\nline", now)), 123_456_789L, "0.1.0");

        byte[] stored = status.encode();
        assertThat(new String(stored, StandardCharsets.UTF_8)).doesNotStartWith("#").contains("queue=q\\=x\\:");
        assertThat(WorkerStatus.decode(stored)).isEqualTo(new WorkerStatus(status.id(), status.host(), 1, status.queue(),
                "thread", 8, status.startedAt(), now, 10, 2,
                List.of(new WorkerStatus.RunningTask("12", "", now.minusSeconds(3)), new WorkerStatus.RunningTask("", "trace\nline", now)),
                123_456_789L, "0.1.0"));
    }

    @Test
    void somethingThatIsNotAWorkerRecordIsAMalformedPayload() {
        assertThatThrownBy(() -> WorkerStatus.decode("hello=world\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(SergeantException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_PAYLOAD))
                .hasMessageContaining("'id' is missing");
        assertThatThrownBy(() -> WorkerStatus.decode("id=a\nqueue=q\nstartedAt=yesterday\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(SergeantException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_PAYLOAD));
    }

    @Test
    void aWorkerIsListedWithItsCountsAndRunningTasksWhileItRunsAndDeregistersWhenItCloses() throws Exception {
        WorkerConfig config = WorkerConfig.builder("mail").executor("thread", 3).build();
        RunState state = new RunState();
        Delivery running = new Delivery(new byte[] {1}, new Receipt("41", "token", 1));
        RunState.ExecutorBatch batch = state.handedToExecutor(List.of(running), List.of(Task.of(Map.of(), "trace-1")));
        state.countOutcome(Outcome.SUCCESS);
        state.countOutcome(Outcome.SUCCESS);
        state.countOutcome(Outcome.TIMEOUT);

        WorkerHeartbeat heartbeat = WorkerHeartbeat.start(backend, config, state, Duration.ofMillis(100), Duration.ofSeconds(30));
        WorkerStatus first = await(heartbeat.id(), status -> true);
        assertThat(first.queue()).isEqualTo("mail");
        assertThat(first.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(first.executor()).isEqualTo("thread");
        assertThat(first.concurrency()).isEqualTo(3);
        assertThat(first.tasksDone()).isEqualTo(2);
        assertThat(first.tasksFailed()).isEqualTo(1);
        assertThat(first.running()).singleElement().satisfies(task -> {
            assertThat(task.id()).isEqualTo("41");
            assertThat(task.traceId()).isEqualTo("trace-1");
        });

        state.leftExecutor(batch);
        state.countOutcome(Outcome.SUCCESS);
        WorkerStatus later = await(heartbeat.id(), status -> status.running().isEmpty());
        assertThat(later.tasksDone()).isEqualTo(3);
        assertThat(later.heartbeatAt()).isAfter(first.heartbeatAt());
        assertThat(later.startedAt()).isEqualTo(first.startedAt());

        heartbeat.close();
        assertThat(find(heartbeat.id())).as("deregistered on close").isEmpty();
        heartbeat.close();
    }

    @Test
    void onABackendWithoutTheMonitoringRoleNothingIsPublishedAndNothingFails() {
        Backend queueOnly = new QueueOnlyBackend(backend);
        try (WorkerHeartbeat heartbeat = WorkerHeartbeat.start(queueOnly, WorkerConfig.builder("mail").build(), new RunState(),
                Duration.ofMillis(50), Duration.ofSeconds(5))) {
            assertThat(heartbeat.status().queue()).isEqualTo("mail");
        }
        assertThat(registry.workers()).isEmpty();
    }

    private Optional<WorkerStatus> find(String id) {
        return registry.workers().stream().map(WorkerStatus::decode).filter(status -> status.id().equals(id)).findFirst();
    }

    private WorkerStatus await(String id, java.util.function.Predicate<WorkerStatus> done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<WorkerStatus> status = find(id);
            if (status.isPresent() && done.test(status.get())) {
                return status.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no matching heartbeat of " + id + " within 20 s; last: " + find(id));
    }
}
