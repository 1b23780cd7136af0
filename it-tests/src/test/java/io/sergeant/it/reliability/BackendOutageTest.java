package io.sergeant.it.reliability;

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
import java.util.List;
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
    /** What a worker logs for each failed attempt to open its backend. */
    private static final String CONNECT_FAILURE = "could not connect to the backend";

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
        worker = FaultRun.startHistoryWorker(history, redis.uri(), output, FaultRun.AT_LEAST_ONCE_WORKER);
        // Until the worker has failed to connect twice (it tried, backed off and tried again), however long
        // its JVM takes to start: a fixed wait can end before a loaded machine has started the JVM at all.
        boolean retriedDuringOutage = awaitLines(output, CONNECT_FAILURE, 2, Duration.ofSeconds(60));
        boolean aliveDuringOutage = worker.isAlive();
        redis.restart();

        List<String> ids = FaultRun.pushTasks(history, redis.uri(), "producer", "s", 40, 1);
        boolean ran = FaultRun.awaitCompleted(history, ids, Duration.ofSeconds(30));
        boolean aliveAfterwards = worker.isAlive();
        String text = Files.readString(output, StandardCharsets.UTF_8);
        long connectFailures = text.lines().filter(line -> line.contains(CONNECT_FAILURE)).count();
        HistoryReport report = new HistoryChecker().check(History.read(history));
        FaultRun.figures("worker started during a Redis outage", "alive-during-outage=" + aliveDuringOutage
                + " connect-failures-logged=" + connectFailures + " " + report.figures());

        assertThat(retriedDuringOutage).as("the worker tried to connect again during the outage\n%s", text).isTrue();
        assertThat(aliveDuringOutage).as("the worker waits out the outage instead of exiting\n%s", text).isTrue();
        assertThat(ran).as("the tasks pushed after the outage ran: %s\n%s", report, text).isTrue();
        assertThat(aliveAfterwards).as("the same process ran them").isTrue();
        assertThat(connectFailures).as("connection failures are logged once per backoff step\n%s", text)
                .isBetween(1L, (long) MAX_PULL_FAILURE_LINES);
        assertThat(report.lost()).isEmpty();
        assertThat(report.overRun()).isEmpty();
    }

    /**
     * Waits until {@code output} has {@code count} lines containing {@code text}; returns whether it did
     * within {@code bound} (false at once if the worker exited).
     */
    private boolean awaitLines(Path output, String text, int count, Duration bound) throws IOException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (Files.exists(output)
                    && Files.readString(output, StandardCharsets.UTF_8).lines().filter(line -> line.contains(text)).count() >= count) {
                return true;
            }
            if (!worker.isAlive()) {
                return false;
            }
            FaultRun.sleep(100);
        }
        return false;
    }

    @Test
    @DisplayName("a worker polling a dead Redis logs once per backoff step, and carries on in the same process")
    void pollingADeadBackend() throws Exception {
        redis = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always");
        Path history = dir.resolve("history");
        Path output = dir.resolve("worker.log");
        worker = FaultRun.startHistoryWorker(history, redis.uri(), output, FaultRun.AT_LEAST_ONCE_WORKER);
        List<String> before = FaultRun.pushTasks(history, redis.uri(), "producer", "b", 20, 1);
        assertThat(FaultRun.awaitCompleted(history, before, Duration.ofSeconds(30))).as("the worker runs").isTrue();

        redis.kill();
        FaultRun.sleep(5_000);
        redis.restart();
        long healed = System.nanoTime();
        List<String> after = FaultRun.pushTasks(history, redis.uri(), "producer", "a", 20, 1);
        boolean ran = FaultRun.awaitCompleted(history, after, Duration.ofSeconds(30));
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
}
