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
 * Issue 13 §2, several independent nodes with one down mid-work, through a real worker process: a worker
 * on two Redis nodes holds tasks of the second when it is SIGKILLed. Its settle-and-pop calls then fail on
 * that node for as long as it is down, yet every task pushed to the healthy node runs (once), none is
 * dead-lettered, and the worker stays up. Before settle-and-pop kept what the healthy node did, each call
 * threw at the dead node: what the healthy node had just leased was dropped, came back only when the lease
 * expired (counted as a delivery), and reached the dead letters without having run.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IndependentNodeDownTest {

    @TempDir
    Path dir;

    private RedisServerProcess healthy;
    private RedisServerProcess doomed;
    private Process worker;

    @AfterEach
    void stop() throws InterruptedException {
        if (worker != null && worker.isAlive()) {
            worker.destroyForcibly();
            worker.waitFor();
        }
        for (RedisServerProcess redis : new RedisServerProcess[] {healthy, doomed}) {
            if (redis != null) {
                redis.close();
            }
        }
    }

    @Test
    @DisplayName("a worker on two independent nodes runs every task of the healthy one while the other is down,"
            + " holding receipts of the dead node, and dead-letters none")
    void healthyNodeKeepsRunning() throws Exception {
        healthy = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always");
        doomed = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always");
        Path history = dir.resolve("history");
        Path output = dir.resolve("worker.log");
        worker = startWorker(history, healthy.uri() + "," + doomed.uri(), output);

        List<String> warmUp = push(history, healthy.uri(), "warm", 10, 1);
        assertThat(awaitCompleted(history, warmUp, Duration.ofSeconds(40))).as("the worker runs").isTrue();

        // Slow tasks on the second node only: the worker is running some when the node dies, and their acks
        // (and the pops that carry them) then fail on it.
        List<String> onDoomed = push(history, doomed.uri(), "doomed", 6, 1_500);
        awaitStarted(history, onDoomed, Duration.ofSeconds(30));
        doomed.kill();

        List<String> after = push(history, healthy.uri(), "after", 40, 20);
        boolean ran = awaitCompleted(history, after, Duration.ofSeconds(40));
        FaultRun.sleep(3_000); // a lease (2 s) and a reap: a dropped delivery would now be counted or dead-lettered
        String text = Files.readString(output, StandardCharsets.UTF_8);
        String dead = RedisServerProcess.command(healthy.port(), "EXISTS", "__sergeant__:{" + HistoryWorker.QUEUE + "}:dead");
        HistoryReport report = new HistoryChecker().check(History.read(history));
        long ackFailures = text.lines().filter(line -> line.contains("could not ack")).count();
        FaultRun.figures("worker on two independent Redis nodes, one SIGKILLed holding its tasks", "ran-40-on-healthy="
                + ran + " dead-letters-on-healthy=" + dead + " ack-failure-lines=" + ackFailures + " alive="
                + worker.isAlive() + " " + report.figures());

        assertThat(ran).as("every task of the healthy node ran while the other was down\n%s", tail(text)).isTrue();
        assertThat(worker.isAlive()).as("the same worker carried on").isTrue();
        assertThat(dead).as("no task of the healthy node was dead-lettered\n%s", tail(text)).isEqualTo("0");
        assertThat(ackFailures).as("the worker said it could not ack the dead node's tasks\n%s", tail(text)).isPositive();
        assertThat(report.overRun()).isEmpty();
        assertThat(report.unexpected()).isEmpty();
    }

    private static List<String> push(Path history, String backend, String prefix, int count, int millis) {
        WorkerConfig config = HistoryWorker.baseConfig().backend(backend).delivery(DeliveryMode.AT_LEAST_ONCE).build();
        Sergeant sergeant = Sergeant.create();
        WorkerConfig valid = sergeant.validate(config);
        List<String> ids = new ArrayList<>();
        try (DefaultBroker broker = sergeant.openBroker(valid, sergeant.pluginContext(valid));
             HistoryLog log = HistoryLog.open(history, "producer-" + prefix)) {
            for (int i = 0; i < count; i++) {
                Task task = Task.of(Map.of("id", prefix + "-" + i, "ms", millis));
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
                "-Dsergeant.config.backend=" + backend, "-Dsergeant.config.backend.option.timeout=1s",
                "-Dsergeant.config.backend.option.connectTimeout=1s", "-Dsergeant.config.delivery.mode=at-least-once",
                "-Dsergeant.config.delivery.lease=2s", "-Dsergeant.config.delivery.reapInterval=500ms",
                "-Dsergeant.config.delivery.maxDeliveries=2",
                "-Dsergeant.config.tasksPerTransaction=4", "-Dsergeant.config.executor.concurrency=2",
                "-cp", System.getProperty("java.class.path"), WorkerMain.class.getName(),
                "--worker-class", HistoryWorker.class.getName()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    private static void awaitStarted(Path history, List<String> ids, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            boolean started = History.read(history).records().stream()
                    .anyMatch(record -> record.kind() == HistoryRecord.Kind.STARTED && ids.contains(record.id()));
            if (started) {
                return;
            }
            FaultRun.sleep(50);
        }
        throw new AssertionError("none of " + ids + " started");
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

    private static String tail(String text) {
        return text.length() <= 4000 ? text : "…" + text.substring(text.length() - 4000);
    }
}
