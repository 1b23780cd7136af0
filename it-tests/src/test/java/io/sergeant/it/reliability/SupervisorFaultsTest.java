package io.sergeant.it.reliability;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.core.supervisor.Supervisor;
import io.sergeant.core.supervisor.SupervisorMain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The supervisor's own faults seen from the delivery history, at-least-once on SQLite: a worker killed
 * for passing the memory limit (its tasks come back, the hog among them, nothing is lost), and SIGTERM to
 * a supervisor process under load (a graceful stop: running tasks finish, fetched ones are handed back,
 * so no task runs twice and every task not run is back in the queue).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SupervisorFaultsTest {

    @TempDir
    Path dir;

    private Process supervisorProcess;

    @AfterEach
    void killSupervisorProcess() throws InterruptedException {
        if (supervisorProcess != null && supervisorProcess.isAlive()) {
            supervisorProcess.descendants().forEach(ProcessHandle::destroyForcibly);
            supervisorProcess.destroyForcibly();
            supervisorProcess.waitFor();
        }
    }

    @Test
    @DisplayName("a worker killed for its memory loses no task: the hog and its neighbours run again elsewhere")
    void memoryLimitKill() throws Exception {
        // A failure keeps the history, the supervisor's log and the workers' output and GC logs in target/.
        FaultRun run = new FaultRun(dir, "sqlite:" + dir.resolve("queue.sqlite3"), 19).captureOutput();
        try (run) {
            DefaultBroker broker = run.broker(DeliveryMode.AT_LEAST_ONCE);
            Supervisor supervisor = run.startSupervisor(run.supervisorConfig(2, Map.of("delivery.mode", "at-least-once",
                    "delivery.lease", "2s", "delivery.reapInterval", "500ms", "tasksPerTransaction", "10",
                    "executor.kind", "thread", "executor.concurrency", "4"))
                    .workerJvmOptions(run.workerJvm("-Xmx700m")).maxWorkerMemoryBytes(350L << 20).build());
            // Every worker that leaves the pool is recorded as killed, once it has left (not only the one the test
            // expects): the history holds the supervisor's kills as they happened.
            run.recordPoolDepartures(supervisor);
            Producer producer = run.startProducer(broker, new Producer.Plan("m", 1500, 15, 60, 8, 0));
            assertThat(run.awaitCompleted(Set.of("m-000050"), Duration.ofSeconds(30))).isTrue();
            Task hogTask = Task.of(Map.of("id", "hog", "action", "hog", "mb", 500));
            run.testLog().attempted(List.of(hogTask), 0);
            broker.pushTask(HistoryWorker.QUEUE, hogTask, Priority.HIGH, null);
            run.testLog().pushed(List.of(hogTask), 0);

            long hog = awaitStartedBy("hog", run.history(), Duration.ofSeconds(30));
            assertThat(awaitGone(supervisor, hog, Duration.ofSeconds(30))).as("the hog's worker was killed").isTrue();

            producer.await(60_000);
            boolean drained = run.awaitCompleted(producer.acknowledged(), Duration.ofSeconds(30));
            boolean hogDone = run.awaitCompleted(Set.of("hog"), Duration.ofSeconds(10));
            boolean settled = run.awaitSettled(broker, Duration.ofSeconds(15));
            assertThat(run.stopSupervisors()).containsOnly(0);
            QueueStats stats = FaultRun.stats(broker);
            // The hog's worker spends its last seconds in garbage collection, so tasks it completed then may
            // never have been acknowledged, however long before the kill: the workers record their acks, and
            // the checker counts exactly the completed-but-unacknowledged tasks as in flight (a time window
            // before the kill, 3 s here once, was exceeded on a loaded machine: 18 tasks "ran twice").
            HistoryReport report = run.check(Set.of());
            // Who ran the hog, in start order: the same pid twice is the hog's worker re-running it after losing its lease.
            List<Long> hogRunners = History.read(run.history()).records().stream()
                    .filter(record -> record.kind() == HistoryRecord.Kind.STARTED && record.id().equals("hog"))
                    .sorted(java.util.Comparator.comparingLong(HistoryRecord::millis)).map(HistoryRecord::pid).toList();
            FaultRun.figures("supervisor memory-limit kill", "hog-deliveries=" + report.startCounts().get("hog")
                    + " hog-runners=" + hogRunners + " killed=" + run.departed() + " " + report.figures() + " stats=" + stats);

            assertThat(run.departed()).as("workers that left the pool (recorded as killed): the hog's first runner only")
                    .containsExactly(hog);
            assertThat(report.activeAfterKill()).as("killed workers with records after their kill: %s", report).isEmpty();
            assertThat(drained).as("%s", report).isTrue();
            assertThat(hogDone).as("the hog ran again and completed").isTrue();
            assertThat(settled).isTrue();
            assertThat(report.startCounts().get("hog")).isEqualTo(2);
            assertThat(report.inFlightAtKills()).as("the hog, unacknowledged when its worker was killed").contains("hog");
            assertThat(report.acks()).as("acks recorded by the workers (what decides which tasks were in flight)").isPositive();
            assertThat(report.lost()).isEmpty();
            assertThat(report.unexpected()).isEmpty();
            assertThat(report.overRun()).as("tasks run more than 1 + the faults that caught them running").isEmpty();
            assertThat(report.corrupted()).as("deliveries whose kwargs differ from the pushed ones").isEmpty();
            assertThat(report.duplicatesOutsideKills()).isEmpty();
            KillNineRuns.assertRedeliveredInTime(report);
            assertThat(stats).isEqualTo(new QueueStats(0, 0, 0, 0));
        } catch (Throwable failure) {
            throw run.keptOnFailure("SupervisorFaultsTest.memoryLimitKill", failure);
        }
    }

    @Test
    @DisplayName("SIGTERM to a supervisor process under load: no task runs twice, and every task not run is back in the queue")
    void sigtermUnderLoad() throws Exception {
        String backend = "sqlite:" + dir.resolve("queue.sqlite3");
        FaultRun run = new FaultRun(dir, backend, 23).captureOutput();
        try (run) {
            DefaultBroker broker = run.broker(DeliveryMode.AT_LEAST_ONCE);
            Producer producer = run.startProducer(broker, new Producer.Plan("g", 3000, 100, 0, 20, 0));
            producer.await(30_000);
            Path log = run.outputDirectory().resolve("supervisor.log");
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), SupervisorMain.class.getName(),
                    "--worker-class", HistoryWorker.class.getName(), "--concurrent-workers", "2",
                    "--worker-jvm-options", String.join(" ", run.workerJvm()), "--grace-period", "20s",
                    "-D", "backend=" + backend, "-D", "delivery.mode=at-least-once",
                    // A lease far above any stall a loaded machine causes: this test is about the graceful stop, and with
                    // 2 s a worker JVM starting at load 12 once acked its first batch after the lease ended, so the batch
                    // ran twice (at-least-once allows that; this test's "no task twice" does not).
                    "-D", "delivery.lease=20s", "-D", "delivery.reapInterval=500ms",
                    "-D", "tasksPerTransaction=10", "-D", "executor.kind=thread", "-D", "executor.concurrency=4"));
            supervisorProcess = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertThat(awaitCompletions(run, 500, Duration.ofSeconds(40))).as("workers are busy").isTrue();

            long signalled = System.nanoTime();
            supervisorProcess.destroy();
            assertThat(supervisorProcess.waitFor(40, TimeUnit.SECONDS)).as("the supervisor exited").isTrue();
            long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
            String output = Files.readString(log, StandardCharsets.UTF_8);
            QueueStats stats = FaultRun.stats(broker);
            HistoryReport report = run.check(Set.of());
            Set<String> queued = drain(broker);
            Set<String> accounted = new HashSet<>(run.completedIds());
            accounted.addAll(queued);
            FaultRun.figures("supervisor SIGTERM under load", "stop-ms=" + stopMillis + " still-queued=" + queued.size()
                    + " " + report.figures() + " stats-after-stop=" + stats);

            assertThat(supervisorProcess.exitValue()).as(output).isZero();
            assertThat(output).contains("SIGTERM was received").doesNotContain("killing a worker");
            assertThat(report.duplicated()).as("a graceful stop runs no task twice").isEmpty();
            assertThat(report.unexpected()).isEmpty();
            assertThat(report.overRun()).as("tasks run more than 1 + the faults that caught them running").isEmpty();
            assertThat(report.corrupted()).as("deliveries whose kwargs differ from the pushed ones").isEmpty();
            assertThat(report.startCounts().values()).as("no task started twice").allMatch(count -> count == 1);
            assertThat(stats.inFlight()).as("nothing left leased").isZero();
            assertThat(queued).as("tasks back in the queue were never completed").doesNotContainAnyElementsOf(run.completedIds());
            assertThat(accounted).as("every pushed task either ran or is back in the queue").containsAll(producer.acknowledged());
            assertThat(queued).as("the stop came under load").isNotEmpty();
        } catch (Throwable failure) {
            throw run.keptOnFailure("SupervisorFaultsTest.sigtermUnderLoad", failure);
        }
    }

    private static boolean awaitCompletions(FaultRun run, int count, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (run.completedIds().size() >= count) {
                return true;
            }
            FaultRun.sleep(100);
        }
        return false;
    }

    private static Set<String> drain(DefaultBroker broker) {
        Set<String> ids = new HashSet<>();
        for (List<Task> batch; !(batch = broker.popTasks(HistoryWorker.QUEUE, 500)).isEmpty(); ) {
            batch.forEach(task -> ids.add(String.valueOf(task.kwargs().get("id"))));
        }
        return ids;
    }

    private static long awaitStartedBy(String id, Path history, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            // The earliest start, not the first in file order: on a loaded machine the task may already have
            // run again elsewhere (the stalled hog's lease expired) by the time the history is read.
            java.util.Optional<HistoryRecord> first = History.read(history).records().stream()
                    .filter(record -> record.kind() == HistoryRecord.Kind.STARTED && record.id().equals(id))
                    .min(java.util.Comparator.comparingLong(HistoryRecord::millis));
            if (first.isPresent()) {
                return first.get().pid();
            }
            FaultRun.sleep(100);
        }
        throw new AssertionError(id + " did not start within " + bound);
    }

    private static boolean awaitGone(Supervisor supervisor, long pid, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (!supervisor.workerPids().contains(pid)) {
                return true;
            }
            FaultRun.sleep(20);
        }
        return false;
    }
}
