package io.sergeant.it.reliability;

import io.sergeant.testkit.servers.RedisServerProcess;

import io.sergeant.api.QueueStats;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.core.supervisor.Supervisor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Delayed tasks with random due times (up to 6 s ahead) while workers are killed with SIGKILL every few
 * seconds, at-least-once: none lost, none started before it was due, duplicates only of tasks the
 * victims held.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DelayedTasksUnderKillsTest {

    @TempDir
    Path dir;

    private RedisServerProcess redis;

    @AfterEach
    void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @DisplayName("SQLite: delayed tasks under kill -9 are neither lost nor run early")
    void sqlite() throws Exception {
        run("sqlite", "sqlite:" + dir.resolve("queue.sqlite3"));
    }

    @Test
    @DisplayName("Redis: delayed tasks under kill -9 are neither lost nor run early")
    void redis() throws Exception {
        redis = RedisServerProcess.start();
        run("redis", redis.uri());
    }

    private void run(String name, String backend) throws Exception {
        try (FaultRun run = new FaultRun(dir, backend, name.hashCode())) {
            DefaultBroker broker = run.broker(DeliveryMode.AT_LEAST_ONCE);
            Supervisor supervisor = run.startSupervisor(run.supervisorConfig(2, Map.of("delivery.mode", "at-least-once",
                    "delivery.lease", "2s", "delivery.reapInterval", "500ms", "tasksPerTransaction", "10",
                    "executor.kind", "thread", "executor.concurrency", "4")).build());
            Producer producer = run.startProducer(broker, new Producer.Plan("d", 2000, 5, 25, KillNineTest.MAX_WORK_MILLIS, 6_000));
            long killUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(14);
            run.startKiller(supervisor, Duration.ofMillis(2500), Duration.ofMillis(1500), () -> System.nanoTime() - killUntil > 0);

            producer.await(60_000);
            // The random kills may all have fallen between tasks, and a worker seen running a task may finish it
            // before the kill lands: push more (due at once) and kill a worker seen running one, for at most
            // KillNineRuns.MAX_EXTRA_ROUNDS rounds (the assertion below then says whether one caught a task).
            Set<String> acknowledged = new HashSet<>(producer.acknowledged());
            for (int extra = 1; extra <= KillNineRuns.MAX_EXTRA_ROUNDS && run.check(Set.of()).inFlightAtKills().isEmpty(); extra++) {
                Producer more = run.startProducer(broker, new Producer.Plan("e" + extra, 300, 5, 25, KillNineTest.MAX_WORK_MILLIS, 0));
                run.killOneRunning(supervisor, Duration.ofSeconds(20));
                more.await(60_000);
                acknowledged.addAll(more.acknowledged());
            }
            boolean drained = run.awaitCompleted(acknowledged, Duration.ofSeconds(40));
            run.stopKilling();
            boolean settled = run.awaitSettled(broker, Duration.ofSeconds(15));
            assertThat(run.stopSupervisors()).containsOnly(0);
            QueueStats stats = FaultRun.stats(broker);
            HistoryReport report = run.check(Set.of());
            FaultRun.figures("delayed under kill-9 " + name, report.figures() + " stats=" + stats);

            assertThat(drained).as("every delayed task ran: %s", report).isTrue();
            assertThat(settled).isTrue();
            assertThat(report.earlyRuns()).as("tasks started before they were due").isEmpty();
            assertThat(report.lost()).isEmpty();
            assertThat(report.unexpected()).isEmpty();
            assertThat(report.overRun()).as("tasks run more than 1 + the faults that caught them running").isEmpty();
            assertThat(report.corrupted()).as("deliveries whose kwargs differ from the pushed ones").isEmpty();
            assertThat(report.duplicatesOutsideKills()).isEmpty();
            assertThat(report.kills()).isGreaterThanOrEqualTo(2);
            assertThat(report.inFlightAtKills()).as("tasks a kill caught unacknowledged: %s", report).isNotEmpty();
            KillNineRuns.assertRedeliveredInTime(report);
            assertThat(stats).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }
}
