package io.sergeant.it.reliability;

import io.sergeant.testkit.servers.RedisServerProcess;
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
import java.util.List;
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
        List<String> options = new ArrayList<>(List.of("-Dsergeant.config.backend.option.timeout=1s",
                "-Dsergeant.config.backend.option.connectTimeout=1s", "-Dsergeant.config.delivery.maxDeliveries=2"));
        options.addAll(FaultRun.AT_LEAST_ONCE_WORKER);
        worker = FaultRun.startHistoryWorker(history, healthy.uri() + "," + doomed.uri(), output, options);

        List<String> warmUp = FaultRun.pushTasks(history, healthy.uri(), "producer-warm", "warm", 10, 1);
        assertThat(FaultRun.awaitCompleted(history, warmUp, Duration.ofSeconds(40))).as("the worker runs").isTrue();

        // Slow tasks on the second node only: the worker is running some when the node dies, and their acks
        // (and the pops that carry them) then fail on it.
        List<String> onDoomed = FaultRun.pushTasks(history, doomed.uri(), "producer-doomed", "doomed", 6, 1_500);
        awaitStarted(history, onDoomed, Duration.ofSeconds(30));
        doomed.kill();

        List<String> after = FaultRun.pushTasks(history, healthy.uri(), "producer-after", "after", 40, 20);
        boolean ran = FaultRun.awaitCompleted(history, after, Duration.ofSeconds(40));
        FaultRun.sleep(3_000); // a lease (2 s) and a reap: a dropped delivery would now be counted or dead-lettered
        String text = Files.readString(output, StandardCharsets.UTF_8);
        String dead = RedisServerProcess.command(healthy.port(), "EXISTS", "__sergeant__:{" + HistoryWorker.QUEUE + "}:dead");
        HistoryReport report = new HistoryChecker().check(History.read(history));
        long ackFailures = text.lines().filter(line -> line.contains("could not ack")).count();
        FaultRun.figures("worker on two independent Redis nodes, one SIGKILLed holding its tasks", "ran-40-on-healthy="
                + ran + " dead-letters-on-healthy=" + dead + " ack-failure-lines=" + ackFailures + " alive="
                + worker.isAlive() + " " + report.figures());

        assertThat(ran).as("every task of the healthy node ran while the other was down\n%s", FaultRun.tail(text)).isTrue();
        assertThat(worker.isAlive()).as("the same worker carried on").isTrue();
        assertThat(dead).as("no task of the healthy node was dead-lettered\n%s", FaultRun.tail(text)).isEqualTo("0");
        assertThat(ackFailures).as("the worker said it could not ack the dead node's tasks\n%s", FaultRun.tail(text)).isPositive();
        assertThat(report.overRun()).isEmpty();
        assertThat(report.unexpected()).isEmpty();
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
}
