package io.sergeant.it.reliability;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker paused with SIGSTOP past its lease while it runs a task, then resumed (a long GC pause, a
 * frozen VM): the task's lease expires, another worker runs it, and when the paused worker wakes up and
 * finishes, its ack is refused (its receipt is stale), so it settles nothing that is not its own. The
 * checker counts the pause as a fault: the second run is explained, nothing runs a third time.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class PausedWorkerTest {

    private static final long LEASE_MILLIS = 2_000;
    private static final int MAX_REPAUSES = 10;

    @TempDir
    Path dir;

    private RedisServerProcess redis;
    private final List<Process> workers = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process worker : workers) {
            signal("CONT", worker.pid());
            worker.destroyForcibly();
            worker.waitFor();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @DisplayName("SQLite: a worker paused past its lease has its ack refused, and the task ran once more elsewhere")
    void sqlite() throws Exception {
        run("sqlite", "sqlite:" + dir.resolve("queue.sqlite3"));
    }

    @Test
    @DisplayName("Redis: a worker paused past its lease has its ack refused, and the task ran once more elsewhere")
    void redis() throws Exception {
        redis = RedisServerProcess.start();
        run("redis", redis.uri());
    }

    private void run(String name, String backend) throws Exception {
        Path history = dir.resolve("history");
        WorkerConfig config = HistoryWorker.baseConfig().backend(backend).delivery(DeliveryMode.AT_LEAST_ONCE).build();
        Sergeant sergeant = Sergeant.create();
        WorkerConfig valid = sergeant.validate(config);
        try (DefaultBroker broker = sergeant.openBroker(valid, sergeant.pluginContext(valid));
             HistoryLog log = HistoryLog.open(history, "test")) {
            Path pausedLog = dir.resolve("paused.log");
            Process paused = startWorker(history, backend, pausedLog);
            Task slow = Task.of(Map.of("id", "slow", "ms", 4_000));
            log.attempted(List.of(slow), 0);
            broker.pushTask(HistoryWorker.QUEUE, slow, Priority.NORMAL, null);
            log.pushed(List.of(slow), 0);
            assertThat(awaitRecord(history, HistoryRecord.Kind.STARTED, "slow", paused.pid(), Duration.ofSeconds(30)))
                    .as("the first worker started the task").isTrue();

            log.paused(paused.pid());
            signal("STOP", paused.pid());
            int repaused = name.equals("sqlite") ? pauseOutsideTheWriteLock(backend, paused.pid()) : 0;
            long pausedAt = System.nanoTime();
            Process other = startWorker(history, backend, dir.resolve("other.log"));
            // A bound for liveness only: at load 8 on two cores a fresh worker JVM once took more than 30 s to start,
            // reap the expired lease and run the 4 s task.
            boolean ranElsewhere = awaitRecord(history, HistoryRecord.Kind.COMPLETED, "slow", other.pid(), Duration.ofSeconds(60));
            long pausedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pausedAt);
            signal("CONT", paused.pid());
            boolean pausedFinished = awaitRecord(history, HistoryRecord.Kind.COMPLETED, "slow", paused.pid(), Duration.ofSeconds(30));
            String text = awaitLog(pausedLog, "acks refused", Duration.ofSeconds(10));
            QueueStats stats = broker.stats(HistoryWorker.QUEUE);
            HistoryReport report = FaultRun.identified(new HistoryChecker().check(History.read(history)));
            FaultRun.figures("SIGSTOP past the lease " + name, "paused-ms=" + pausedMillis + " re-paused=" + repaused
                    + " ran-elsewhere=" + ranElsewhere
                    + " paused-worker-finished=" + pausedFinished + " ack-refused=" + text.contains("acks refused")
                    + " " + report.figures() + " stats=" + stats);

            assertThat(pausedMillis).as("paused past the lease").isGreaterThan(LEASE_MILLIS);
            assertThat(ranElsewhere).as("the other worker ran the task after the lease expired").isTrue();
            assertThat(pausedFinished).as("the paused worker resumed and finished its run").isTrue();
            assertThat(text).as("the resumed worker's ack was refused\n%s", text).contains("acks refused");
            assertThat(report.startCounts()).containsEntry("slow", 2);
            assertThat(report.pauses()).isEqualTo(1);
            assertThat(report.acks()).as("acks recorded: the other worker's settled its delivery").isPositive();
            assertThat(report.inFlightAtKills()).as("the task the paused worker held unacknowledged at the pause")
                    .containsExactly("slow");
            assertThat(report.overRun()).as("ran once more elsewhere, not more").isEmpty();
            assertThat(report.lost()).isEmpty();
            assertThat(report.rerunRedeliveries()).singleElement()
                    .satisfies(redelivery -> assertThat(redelivery.started()).isTrue());
            assertThat(stats).isEqualTo(new QueueStats(0, 0, 0, 0));
            assertThat(paused.isAlive()).as("the resumed worker carries on").isTrue();
        }
    }

    private Process startWorker(Path history, String backend, Path output) throws IOException {
        Process process = FaultRun.startRecordedHistoryWorker(history, backend, output, List.of("-Dsergeant.config.delivery.mode=at-least-once",
                "-Dsergeant.config.delivery.lease=" + LEASE_MILLIS + "ms", "-Dsergeant.config.delivery.reapInterval=500ms",
                "-Dsergeant.config.tasksPerTransaction=1", "-Dsergeant.config.executor.concurrency=1"));
        workers.add(process);
        return process;
    }

    /**
     * Makes sure the stopped worker holds no lock on the SQLite file, resuming it briefly and stopping it again
     * (at most {@value #MAX_REPAUSES} times) while a write from here cannot get through; returns how many times.
     * A process stopped inside a statement keeps its lock on the file (SQLite's locks belong to the process), so
     * every other process waits for it and, after {@code busyTimeout}, fails with {@code BACKEND_UNAVAILABLE}
     * (docs/guarantees.md). On a loaded machine a statement lasts long enough for the stop to land inside one;
     * this test is about a paused worker's lease, not about that, so it pauses the worker between statements.
     */
    private int pauseOutsideTheWriteLock(String backend, long pid) throws IOException, InterruptedException {
        WorkerConfig probe = HistoryWorker.baseConfig().backend(backend).backendOptions(Map.of("busyTimeout", "1s"))
                .delivery(DeliveryMode.AT_LEAST_ONCE).build();
        Sergeant sergeant = Sergeant.create();
        WorkerConfig valid = sergeant.validate(probe);
        try (DefaultBroker broker = sergeant.openBroker(valid, sergeant.pluginContext(valid))) {
            for (int repaused = 0; ; repaused++) {
                try {
                    // A write that commits: it needs the file's exclusive lock, which no stopped reader or writer holds.
                    broker.pushTask("lock-probe", Task.of(Map.of("n", repaused)), Priority.NORMAL, null);
                    broker.purgeTasks("lock-probe");
                    return repaused;
                } catch (io.sergeant.api.SergeantException locked) {
                    if (repaused == MAX_REPAUSES) {
                        throw new AssertionError("the stopped worker kept the SQLite file locked at " + MAX_REPAUSES
                                + " stops in a row", locked);
                    }
                }
                signal("CONT", pid);
                FaultRun.sleep(50 + 50L * repaused);
                signal("STOP", pid);
            }
        }
    }

    private static void signal(String name, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true).start();
        kill.getInputStream().readAllBytes();
        kill.waitFor(10, TimeUnit.SECONDS);
    }

    private static boolean awaitRecord(Path history, HistoryRecord.Kind kind, String id, long pid, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (History.read(history).records().stream()
                    .anyMatch(record -> record.kind() == kind && record.id().equals(id) && record.pid() == pid)) {
                return true;
            }
            FaultRun.sleep(50);
        }
        return false;
    }

    private static String awaitLog(Path file, String text, Duration bound) throws IOException {
        long deadline = System.nanoTime() + bound.toNanos();
        String content = Files.readString(file, StandardCharsets.UTF_8);
        while (!content.contains(text) && System.nanoTime() - deadline < 0) {
            FaultRun.sleep(100);
            content = Files.readString(file, StandardCharsets.UTF_8);
        }
        return content;
    }

}
