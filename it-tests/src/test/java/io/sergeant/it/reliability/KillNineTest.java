package io.sergeant.it.reliability;

import io.sergeant.api.QueueStats;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.core.broker.DefaultBroker;
import io.sergeant.core.supervisor.Supervisor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 of worker processes every few seconds while a producer pushes a few thousand tasks, on SQLite
 * and Redis, with the thread and the process executor. At-least-once: nothing lost, nothing unexpected,
 * duplicates only of tasks a killed worker held, each redelivered within lease + reap interval + 1 s.
 * At-most-once: no duplicates, and the losses (reported) stay within what the killed workers held.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KillNineTest {

    static final long LEASE_MILLIS = 2_000;
    static final long REAP_MILLIS = 500;

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
    @DisplayName("SQLite, thread executor, at-least-once: kill -9 loses nothing")
    void sqliteThreadAtLeastOnce() throws Exception {
        atLeastOnce("sqlite-thread", sqlite(), Executor.THREAD);
    }

    @Test
    @DisplayName("SQLite, process executor, at-least-once: kill -9 of worker trees loses nothing")
    void sqliteProcessAtLeastOnce() throws Exception {
        atLeastOnce("sqlite-process", sqlite(), Executor.PROCESS);
    }

    @Test
    @DisplayName("Redis, thread executor, at-least-once: kill -9 loses nothing")
    void redisThreadAtLeastOnce() throws Exception {
        atLeastOnce("redis-thread", redis(), Executor.THREAD);
    }

    @Test
    @DisplayName("Redis, process executor, at-least-once: kill -9 of worker trees loses nothing")
    void redisProcessAtLeastOnce() throws Exception {
        atLeastOnce("redis-process", redis(), Executor.PROCESS);
    }

    @Test
    @DisplayName("SQLite, thread executor, at-most-once: kill -9 duplicates nothing and loses at most what the victims held")
    void sqliteThreadAtMostOnce() throws Exception {
        atMostOnce("sqlite-thread", sqlite());
    }

    @Test
    @DisplayName("Redis, thread executor, at-most-once: kill -9 duplicates nothing and loses at most what the victims held")
    void redisThreadAtMostOnce() throws Exception {
        atMostOnce("redis-thread", redis());
    }

    /** How the workers run tasks, and the load that suits it on two cores. */
    enum Executor {
        THREAD("thread", 4, 10, 3000, 30, Duration.ofMillis(2500), Duration.ofMillis(1500)),
        PROCESS("process", 2, 4, 1500, 15, Duration.ofSeconds(4), Duration.ofSeconds(3));

        final String kind;
        final int concurrency;
        final int batch;
        final int tasks;
        final int pushBatch;
        final Duration killEvery;
        final Duration minAge;

        Executor(String kind, int concurrency, int batch, int tasks, int pushBatch, Duration killEvery, Duration minAge) {
            this.kind = kind;
            this.concurrency = concurrency;
            this.batch = batch;
            this.tasks = tasks;
            this.pushBatch = pushBatch;
            this.killEvery = killEvery;
            this.minAge = minAge;
        }

        Map<String, String> overrides(DeliveryMode mode) {
            Map<String, String> overrides = new java.util.LinkedHashMap<>(Map.of(
                    "delivery.mode", mode.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                    "delivery.lease", LEASE_MILLIS + "ms", "delivery.reapInterval", REAP_MILLIS + "ms",
                    "tasksPerTransaction", Integer.toString(batch), "executor.kind", kind,
                    "executor.concurrency", Integer.toString(concurrency)));
            if (this == PROCESS) {
                overrides.put("executor.option.jvmOptions", FaultRun.CHILD_JVM);
            }
            return overrides;
        }
    }

    private void atLeastOnce(String name, String backend, Executor executor) throws Exception {
        try (FaultRun run = new FaultRun(dir, backend, name.hashCode())) {
            DefaultBroker broker = run.broker(DeliveryMode.AT_LEAST_ONCE);
            Supervisor supervisor = run.startSupervisor(run.supervisorConfig(2, executor.overrides(DeliveryMode.AT_LEAST_ONCE)).build());
            Producer producer = run.startProducer(broker, new Producer.Plan("t", executor.tasks, executor.pushBatch, 100, 8, 0));
            run.startKiller(supervisor, executor.killEvery, executor.minAge, producer::done);

            producer.await(60_000);
            run.stopKilling();
            boolean drained = run.awaitCompleted(producer.acknowledged(), Duration.ofSeconds(30));
            // Completed-but-unacknowledged tasks of the last victim are still leased: let them come back.
            boolean settled = run.awaitSettled(broker, Duration.ofMillis(LEASE_MILLIS + REAP_MILLIS + 10_000));
            assertThat(run.stopSupervisors()).containsOnly(0);
            QueueStats stats = FaultRun.stats(broker);
            HistoryReport report = run.check(Set.of());
            FaultRun.figures("kill-9 at-least-once " + name, report.figures() + " stats=" + stats);

            assertThat(drained).as("every acknowledged push completed: %s", report).isTrue();
            assertThat(settled).as("the queue settled: %s", stats).isTrue();
            assertThat(report.lost()).as("lost").isEmpty();
            assertThat(report.unexpected()).as("unexpected").isEmpty();
            assertThat(report.duplicatesOutsideKills()).as("duplicates of tasks no killed worker held").isEmpty();
            assertThat(report.kills()).as("kills").isGreaterThanOrEqualTo(2);
            assertThat(report.redeliveries()).as("redeliveries").allMatch(HistoryReport.Redelivery::rerun);
            assertThat(report.maxRedeliveryMillis()).as("slowest redelivery after a kill, ms: %s", report)
                    .isLessThanOrEqualTo(LEASE_MILLIS + REAP_MILLIS + 1_000);
            assertThat(stats).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    private void atMostOnce(String name, String backend) throws Exception {
        Executor executor = Executor.THREAD;
        try (FaultRun run = new FaultRun(dir, backend, name.hashCode())) {
            DefaultBroker broker = run.broker(DeliveryMode.AT_MOST_ONCE);
            Supervisor supervisor = run.startSupervisor(run.supervisorConfig(2, executor.overrides(DeliveryMode.AT_MOST_ONCE)).build());
            Producer producer = run.startProducer(broker, new Producer.Plan("t", executor.tasks, executor.pushBatch, 100, 8, 0));
            run.startKiller(supervisor, executor.killEvery, executor.minAge, producer::done);

            producer.await(60_000);
            run.stopKilling();
            run.awaitSettled(broker, Duration.ofSeconds(20));
            assertThat(run.stopSupervisors()).containsOnly(0);
            QueueStats stats = FaultRun.stats(broker);
            HistoryReport report = run.check(Set.of());
            long lostStarted = report.lost().stream().filter(id -> report.startCounts().containsKey(id)).count();
            FaultRun.figures("kill-9 at-most-once " + name, report.figures() + " lost-after-start=" + lostStarted + " stats=" + stats);

            int heldPerWorker = executor.batch + executor.concurrency;
            assertThat(report.kills()).as("kills").isGreaterThanOrEqualTo(2);
            assertThat(report.duplicated()).as("at-most-once never runs a task twice").isEmpty();
            assertThat(report.unexpected()).as("unexpected").isEmpty();
            assertThat(report.lost().size()).as("lost tasks are at most what the killed workers held: %s", report)
                    .isLessThanOrEqualTo(report.kills() * heldPerWorker);
            assertThat(report.completed() + report.lost().size()).as("every acknowledged push is completed or lost")
                    .isEqualTo(report.pushed());
            assertThat(stats.ready() + stats.inFlight()).as("nothing left in the queue").isZero();
        }
    }

    private String sqlite() {
        return "sqlite:" + dir.resolve("queue.sqlite3");
    }

    private String redis() {
        redis = RedisServerProcess.start();
        return redis.uri();
    }
}
