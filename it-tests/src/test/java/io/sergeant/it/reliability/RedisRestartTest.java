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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis ({@code --appendonly yes --appendfsync always}) killed with SIGKILL and restarted two seconds
 * later under a running producer and two running workers, at-least-once: no acknowledged push is lost,
 * the same worker processes reconnect by themselves and carry on, nothing unexpected runs.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisRestartTest {

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
    @DisplayName("a SIGKILLed and restarted Redis with appendfsync always loses no acknowledged push, and workers carry on")
    void redisKilledAndRestarted() throws Exception {
        redis = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always");
        try (FaultRun run = new FaultRun(dir, redis.uri(), 11)) {
            DefaultBroker broker = run.broker(DeliveryMode.AT_LEAST_ONCE);
            Supervisor supervisor = run.startSupervisor(run.supervisorConfig(2, Map.of("delivery.mode", "at-least-once",
                    "delivery.lease", "5s", "delivery.reapInterval", "500ms", "tasksPerTransaction", "10",
                    "executor.kind", "thread", "executor.concurrency", "4")).build());
            Producer producer = run.startProducer(broker, new Producer.Plan("r", 3000, 20, 60, 8, 0));
            assertThat(run.awaitCompleted(Set.of("r-000100"), Duration.ofSeconds(30))).as("workers started").isTrue();
            List<Long> workersBefore = supervisor.workerPids();

            long killedAt = System.currentTimeMillis();
            redis.kill();
            FaultRun.sleep(2_000);
            redis.restart();
            long restartedAt = System.currentTimeMillis();

            producer.await(60_000);
            boolean drained = run.awaitCompleted(producer.acknowledged(), Duration.ofSeconds(30));
            boolean settled = run.awaitSettled(broker, Duration.ofSeconds(20));
            List<Long> workersAfter = supervisor.workerPids();
            assertThat(run.stopSupervisors()).containsOnly(0);
            QueueStats stats = FaultRun.stats(broker);
            HistoryReport report = run.check(Set.of());
            long completionsAfterRestart = History.read(run.history()).records().stream()
                    .filter(record -> record.kind() == HistoryRecord.Kind.COMPLETED && record.millis() > restartedAt).count();
            FaultRun.figures("redis kill+restart (appendfsync always)", "outage-ms=" + (restartedAt - killedAt)
                    + " failed-pushes=" + producer.failedPushes() + " completions-after-restart=" + completionsAfterRestart
                    + " workers-replaced=" + !workersAfter.equals(workersBefore) + " " + report.figures() + " stats=" + stats);

            assertThat(drained).as("every acknowledged push completed: %s", report).isTrue();
            assertThat(settled).isTrue();
            assertThat(report.lost()).as("acknowledged pushes lost").isEmpty();
            assertThat(report.unexpected()).isEmpty();
            assertThat(report.overRun()).as("tasks run more than 1 + the faults that caught them running").isEmpty();
            assertThat(report.corrupted()).as("deliveries whose kwargs differ from the pushed ones").isEmpty();
            assertThat(workersAfter).as("the same worker processes reconnected and carried on").isEqualTo(workersBefore);
            assertThat(completionsAfterRestart).as("tasks completed after the restart").isPositive();
            assertThat(stats).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }
}
