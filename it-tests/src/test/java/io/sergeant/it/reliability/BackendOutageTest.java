package io.sergeant.it.reliability;

import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.core.worker.WorkerMain;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker process outlives a Redis outage in any phase, at-least-once: started while Redis is down, it
 * waits (retrying with backoff) and then runs the tasks pushed after Redis is back, in the same process;
 * running when Redis dies for a few seconds, it backs off and logs once per backoff step (not once per
 * 50 ms poll), and carries on in the same process once Redis is back.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BackendOutageTest {

    /** Failed pulls a 5 s outage may log: steps of 0.25, 0.5, 1, 2, 3 s, plus slack for a slow reconnect. */
    private static final int MAX_PULL_FAILURE_LINES = 8;

    @TempDir
    Path dir;

    private RedisServerProcess redis;
    private Process worker;

    @AfterEach
    void stop() throws InterruptedException {
        if (worker != null && worker.isAlive()) {
            worker.destroyForcibly();
            worker.waitFor();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @DisplayName("a worker started while Redis is down waits for it and then runs tasks, in the same process")
    void startedDuringAnOutage() throws Exception {
        redis = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always");
        redis.kill();
        Path history = dir.resolve("history");
        Path output = dir.resolve("worker.log");
        worker = startWorker(history, redis.uri(), output);
        FaultRun.sleep(3_000);
        boolean aliveDuringOutage = worker.isAlive();
        redis.restart();

        List<String> ids = push(history, redis.uri(), "s", 40);
        boolean ran = awaitCompleted(history, ids, Duration.ofSeconds(30));
        boolean aliveAfterwards = worker.isAlive();
        String text = Files.readString(output, StandardCharsets.UTF_8);
        long connectFailures = text.lines().filter(line -> line.contains("could not connect to the backend")).count();
        HistoryReport report = new HistoryChecker().check(History.read(history));
        FaultRun.figures("worker started during a Redis outage", "alive-during-outage=" + aliveDuringOutage
                + " connect-failures-logged=" + connectFailures + " " + report.figures());

        assertThat(aliveDuringOutage).as("the worker waits out the outage instead of exiting\n%s", text).isTrue();
        assertThat(ran).as("the tasks pushed after the outage ran: %s\n%s", report, text).isTrue();
        assertThat(aliveAfterwards).as("the same process ran them").isTrue();
        assertThat(connectFailures).as("connection failures are logged once per backoff step\n%s", text)
                .isBetween(1L, (long) MAX_PULL_FAILURE_LINES);
        assertThat(report.lost()).isEmpty();
        assertThat(report.overRun()).isEmpty();
    }

    @Test
    @DisplayName("a worker polling a dead Redis logs once per backoff step, and carries on in the same process")
    void pollingADeadBackend() throws Exception {
        redis = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always");
        Path history = dir.resolve("history");
        Path output = dir.resolve("worker.log");
        worker = startWorker(history, redis.uri(), output);
        List<String> before = push(history, redis.uri(), "b", 20);
        assertThat(awaitCompleted(history, before, Duration.ofSeconds(30))).as("the worker runs").isTrue();

        redis.kill();
        FaultRun.sleep(5_000);
        redis.restart();
        long healed = System.nanoTime();
        List<String> after = push(history, redis.uri(), "a", 20);
        boolean ran = awaitCompleted(history, after, Duration.ofSeconds(30));
        long recoveryMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healed);
        String text = Files.readString(output, StandardCharsets.UTF_8);
        long pullFailures = text.lines().filter(line -> line.contains("could not pull tasks")).count();
        long leaseFailures = text.lines().filter(line -> line.contains("could not extend leases")
                || line.contains("could not reap expired leases")).count();
        FaultRun.figures("worker polling a dead Redis (5 s)", "pull-failures-logged=" + pullFailures
                + " lease-failures-logged=" + leaseFailures + " recovered-and-ran-20-ms=" + recoveryMillis
                + " alive=" + worker.isAlive());

        assertThat(ran).as("the tasks pushed after the outage ran\n%s", text).isTrue();
        assertThat(worker.isAlive()).as("the same process carried on").isTrue();
        assertThat(pullFailures).as("failed pulls logged once per backoff step, not once per 50 ms poll\n%s", text)
                .isBetween(1L, (long) MAX_PULL_FAILURE_LINES);
        assertThat(leaseFailures).as("lease keeper failures logged once per doubling\n%s", text)
                .isLessThanOrEqualTo(2L * MAX_PULL_FAILURE_LINES);
    }

    private static List<String> push(Path history, String backend, String prefix, int count) {
        WorkerConfig config = HistoryWorker.baseConfig().backend(backend).delivery(DeliveryMode.AT_LEAST_ONCE).build();
        Sergeant sergeant = Sergeant.create();
        WorkerConfig valid = sergeant.validate(config);
        List<String> ids = new ArrayList<>();
        try (DefaultBroker broker = sergeant.openBroker(valid, sergeant.pluginContext(valid));
             HistoryLog log = HistoryLog.open(history, "producer")) {
            for (int i = 0; i < count; i++) {
                Task task = Task.of(Map.of("id", prefix + "-" + i, "ms", 1));
                log.attempted(List.of(task), 0);
                broker.pushTask(HistoryWorker.QUEUE, task, Priority.NORMAL, null);
                log.pushed(List.of(task), 0);
                ids.add(prefix + "-" + i);
            }
        }
        return ids;
    }

    private static Process startWorker(Path history, String backend, Path output) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(FaultRun.WORKER_JVM);
        command.addAll(List.of("-D" + HistoryWorker.HISTORY_PROPERTY + "=" + history,
                "-Dsergeant.config.backend=" + backend, "-Dsergeant.config.delivery.mode=at-least-once",
                "-Dsergeant.config.delivery.lease=2s", "-Dsergeant.config.delivery.reapInterval=500ms",
                "-Dsergeant.config.tasksPerTransaction=4", "-Dsergeant.config.executor.concurrency=2",
                "-cp", System.getProperty("java.class.path"), WorkerMain.class.getName(),
                "--worker-class", HistoryWorker.class.getName()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    private static boolean awaitCompleted(Path history, List<String> ids, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            Set<String> done = new HashSet<>();
            History.read(history).records().stream().filter(record -> record.kind() == HistoryRecord.Kind.COMPLETED)
                    .forEach(record -> done.add(record.id()));
            if (done.containsAll(ids)) {
                return true;
            }
            FaultRun.sleep(100);
        }
        return false;
    }
}
