package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.Task;
import io.sergeant.api.WorkerStatus;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.spi.backend.BackendMonitoring;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sergeant top} against a real SQLite backend, and its rendering at 80 columns. */
class TopCommandTest {

    @TempDir
    Path directory;

    private String backend() {
        return "sqlite:" + directory.resolve("queue.db");
    }

    @Test
    @DisplayName("top shows every queue's counts and each live worker with its running task, within 80 columns, frame after frame")
    void framesOfARealBackend() {
        Instant now = Instant.now();
        WorkerStatus worker = new WorkerStatus("host-a:4242:emails:1", "host-a", 4242, "emails", "thread", 2,
                now.minusSeconds(90), now, 1234, 5, List.of(new WorkerStatus.RunningTask("7", "trace-xyz", now.minusSeconds(3))),
                -1, "0.1.0");
        try (Broker broker = Sergeant.create().broker(WorkerConfig.builder("emails").backend(backend()).build())) {
            broker.pushTasks("emails", List.of(Task.of(Map.of()), Task.of(Map.of()), Task.of(Map.of())), Priority.NORMAL, null);
            broker.pushTask("reports-with-a-rather-long-queue-name-that-cannot-fit", Task.of(Map.of()), Priority.NORMAL,
                    now.plusSeconds(3600));
            BackendMonitoring registry = ((DefaultBroker) broker).backend().monitoringRole().orElseThrow();
            registry.heartbeat(worker.id(), worker.encode(), Duration.ofSeconds(60));
        }

        CommandRun run = CommandRun.of("top", "--backend", backend(), "--iterations", "2", "--interval", "100ms", "--width", "80");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines.stream().filter(line -> line.startsWith("sergeant top"))).as(run.out()).hasSize(2);
        assertThat(lines).allSatisfy(line -> {
            assertThat(line.length()).as(line).isLessThan(80);
            assertThat(line.chars()).as(line).allMatch(c -> c >= ' ');
        });
        assertThat(lines).anySatisfy(line -> assertThat(line.split("\\s+")).startsWith("emails", "3", "0", "0", "0"));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("reports-with").contains("~"));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("host-a:4242").contains("emails", "thread x2", "1m30s",
                "1234"));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("  running trace trace-xyz for "));
    }

    @Test
    @DisplayName("rates compare two samples: tasks done per second and the backlog's growth")
    void rates() {
        Instant t0 = Instant.parse("2026-12-05T06:00:00Z");
        WorkerStatus before = new WorkerStatus("w", "h", 1, "q", "thread", 1, t0, t0, 100, 0, List.of(), -1, "v");
        WorkerStatus after = new WorkerStatus("w", "h", 1, "q", "thread", 1, t0, t0, 150, 0, List.of(), -1, "v");
        TopScreen.Sample first = new TopScreen.Sample(t0, Map.of("q", new QueueStats(1000, 0, 1, 0)), List.of(before));
        TopScreen.Sample second = new TopScreen.Sample(t0.plusSeconds(2), Map.of("q", new QueueStats(900, 20, 1, 0)),
                List.of(after));

        assertThat(TopScreen.render(null, first, 80)).anySatisfy(line ->
                assertThat(line.split("\\s+")).containsExactly("q", "1000", "0", "1", "0", "-", "-"));
        assertThat(TopScreen.render(first, second, 80)).anySatisfy(line ->
                assertThat(line.split("\\s+")).containsExactly("q", "900", "20", "1", "0", "25", "-40"));
        assertThat(TopScreen.compact(123_456_789)).isEqualTo("123.5M");
    }

    @Test
    @DisplayName("top on a SQLite path that does not exist fails without creating it")
    void neverCreatesADatabase() {
        CommandRun run = CommandRun.of("top", "--once", "--backend", "sqlite:" + directory.resolve("missing/queue.db"));

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains("no SQLite database at");
        assertThat(directory.resolve("missing")).doesNotExist();
    }
}
