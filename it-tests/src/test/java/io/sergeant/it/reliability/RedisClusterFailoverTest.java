package io.sergeant.it.reliability;

import io.sergeant.testkit.servers.RedisServerProcess;

import io.sergeant.api.config.DeliveryMode;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.core.supervisor.Supervisor;
import io.sergeant.testkit.servers.RedisClusterProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Redis Cluster master (3 masters, 3 replicas, node timeout 2 s) killed with SIGKILL under a producer
 * and two workers, at-least-once. Redis replicates asynchronously, so writes acknowledged by the dead
 * master just before it died may be missing on the promoted replica: what the failover lost is counted
 * and reported, not hidden. Asserted: the cluster fails over, the queue keeps flowing afterwards, every
 * push acknowledged after the failover completes, nothing unexpected runs.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisClusterFailoverTest {

    @TempDir
    Path dir;

    private RedisClusterProcess cluster;

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @DisplayName("a Redis Cluster master killed under load: the queue keeps flowing after failover, losses are reported")
    void masterKilledUnderLoad() throws Exception {
        cluster = RedisClusterProcess.start(3, 1);
        try (FaultRun run = new FaultRun(dir, cluster.uri(), 13)) {
            DefaultBroker broker = run.broker(DeliveryMode.AT_LEAST_ONCE);
            Supervisor supervisor = run.startSupervisor(run.supervisorConfig(2, Map.of("delivery.mode", "at-least-once",
                    "delivery.lease", "5s", "delivery.reapInterval", "500ms", "tasksPerTransaction", "10",
                    "executor.kind", "thread", "executor.concurrency", "4")).build());
            Producer producer = run.startProducer(broker, new Producer.Plan("c", 3000, 20, 60, 8, 0));
            assertThat(run.awaitCompleted(Set.of("c-000100"), Duration.ofSeconds(30))).as("workers started").isTrue();

            RedisServerProcess victim = cluster.masters().get(0);
            long killedAt = System.currentTimeMillis();
            victim.kill();
            FaultRun.sleep(500);
            boolean failedOver = awaitHealthy(Duration.ofSeconds(30));
            long healthyAt = System.currentTimeMillis();

            String stall = diagnoseStall(run, healthyAt, supervisor);
            producer.await(90_000);
            run.awaitCompleted(producer.acknowledged(), Duration.ofSeconds(20));
            run.awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(15));
            assertThat(run.stopSupervisors()).containsOnly(0);
            HistoryReport report = run.check(Set.of());
            Set<String> pushedAfterFailover = new HashSet<>();
            long completionsAfterFailover = 0;
            for (HistoryRecord record : History.read(run.history()).records()) {
                if (record.kind() == HistoryRecord.Kind.PUSHED && record.millis() > healthyAt) {
                    pushedAfterFailover.add(record.id());
                }
                if (record.kind() == HistoryRecord.Kind.COMPLETED && record.millis() > healthyAt) {
                    completionsAfterFailover++;
                }
            }
            Set<String> lostAfterFailover = new HashSet<>(report.lost());
            lostAfterFailover.retainAll(pushedAfterFailover);
            FaultRun.figures("redis-cluster master kill", "failover-ms=" + (healthyAt - killedAt) + " failed-pushes="
                    + producer.failedPushes() + " lost-in-failover=" + report.lost().size() + " lost-pushed-after-failover="
                    + lostAfterFailover.size() + " completions-after-failover=" + completionsAfterFailover + " " + report.figures()
                    + (stall.isEmpty() ? "" : "\n    STALL after failover, worker threads: " + stall));

            assertThat(failedOver).as("the cluster failed over to a replica").isTrue();
            assertThat(completionsAfterFailover).as("the queue kept flowing after the failover").isPositive();
            assertThat(lostAfterFailover).as("pushes acknowledged after the failover that never ran").isEmpty();
            assertThat(report.unexpected()).isEmpty();
            assertThat(report.pushed()).as("most pushes were acknowledged").isGreaterThan(2000);
        }
    }

    /**
     * If no task completes within 15 s of the failover, dumps the workers' threads (jcmd) to a file and
     * returns its path, so a stall in CI leaves evidence; otherwise returns an empty string.
     */
    private String diagnoseStall(FaultRun run, long healthyAt, Supervisor workers) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() - deadline < 0) {
            boolean completed = History.read(run.history()).records().stream()
                    .anyMatch(record -> record.kind() == HistoryRecord.Kind.COMPLETED && record.millis() > healthyAt);
            if (completed) {
                return "";
            }
            FaultRun.sleep(200);
        }
        Path dump = Path.of("target", "cluster-stall-" + System.currentTimeMillis() + ".txt").toAbsolutePath();
        StringBuilder text = new StringBuilder();
        for (long pid : workers.workerPids()) {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(pid), "Thread.print").redirectErrorStream(true).start();
            text.append("=== worker ").append(pid).append('\n')
                    .append(new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            jcmd.waitFor(20, TimeUnit.SECONDS);
        }
        java.nio.file.Files.createDirectories(dump.getParent());
        java.nio.file.Files.writeString(dump, text);
        return dump.toString();
    }

    private boolean awaitHealthy(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (cluster.masters().size() == 3 && cluster.healthy()) {
                return true;
            }
            FaultRun.sleep(100);
        }
        return false;
    }
}
