package io.sergeant.it.reliability;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.ExitCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 item 4 through a real worker process: with one thread and a batch of three, a task that
 * ignores its interrupt no longer hangs the worker. Past its timeout and grace period the process exits
 * 4 (respawn), or 5 when it was asked to stop (SIGTERM), and the two tasks of the batch that never
 * started are kept (handed back, or leased until their lease expires), not run and not lost.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class StuckTaskWorkerProcessTest {

    @TempDir
    Path dir;

    private Process worker;

    @AfterEach
    void stop() throws InterruptedException {
        if (worker != null && worker.isAlive()) {
            worker.destroyForcibly();
            worker.waitFor();
        }
    }

    @Test
    @DisplayName("a one-thread worker whose task ignores its interrupt exits 4 to be respawned; the rest of the batch is kept")
    void exitsToBeRespawned() throws Exception {
        pushBatch();
        Path output = dir.resolve("worker.log");
        worker = start(output);

        assertThat(worker.waitFor(40, TimeUnit.SECONDS)).as("the worker exits\n%s", read(output)).isTrue();
        assertThat(worker.exitValue()).as("respawn\n%s", read(output)).isEqualTo(ExitCode.WORKER_ASKED_TO_RESPAWN.code());
        assertBatchHandedBack();
    }

    @Test
    @DisplayName("SIGTERM to a one-thread worker whose task ignores its interrupt ends it with 5; the rest of the batch is kept")
    void stopsOnSigterm() throws Exception {
        pushBatch();
        Path output = dir.resolve("worker.log");
        worker = start(output);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (!Files.exists(dir.resolve("started")) && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
        }
        assertThat(dir.resolve("started")).as("the stuck task started\n%s", read(output)).exists();
        worker.destroy(); // SIGTERM

        assertThat(worker.waitFor(40, TimeUnit.SECONDS)).as("the worker obeys SIGTERM\n%s", read(output)).isTrue();
        assertThat(worker.exitValue()).as("stop\n%s", read(output)).isEqualTo(ExitCode.WORKER_ASKED_TO_STOP.code());
        assertBatchHandedBack();
    }

    @Test
    @DisplayName("with -Dsergeant.worker.stop=interrupt, SIGTERM interrupts the running task, which is handed back unchanged (issue 14 item 15)")
    void sigtermInterruptsWhenAsked() throws Exception {
        try (Broker broker = Sergeant.create().broker(config())) {
            broker.pushTask(StuckTaskWorker.QUEUE, Task.of(Map.of("id", 0, "kind", "sleep")), Priority.NORMAL, null);
        }
        Path output = dir.resolve("worker.log");
        worker = start(output, "-Dsergeant.worker.stop=interrupt", "-Dsergeant.config.timeouts.timeout=120s");
        awaitStarted(output);
        long signalled = System.nanoTime();
        worker.destroy(); // SIGTERM

        assertThat(worker.waitFor(40, TimeUnit.SECONDS)).as("the worker obeys SIGTERM\n%s", read(output)).isTrue();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
        assertThat(worker.exitValue()).as("stop\n%s", read(output)).isEqualTo(ExitCode.WORKER_ASKED_TO_STOP.code());
        assertThat(tookMillis).as("the minute-long sleep was interrupted, not waited for").isLessThan(30_000);
        assertThat(dir.resolve("ran-0")).as("the interrupted task did not complete").doesNotExist();
        try (Broker broker = Sergeant.create().broker(config())) {
            QueueStats stats = broker.stats(StuckTaskWorker.QUEUE);
            assertThat(stats).as("handed back at once, not left leased").isEqualTo(new QueueStats(1, 0, 0, 0));
            assertThat(broker.popTasks(StuckTaskWorker.QUEUE, 10)).singleElement()
                    .satisfies(task -> assertThat(task.runCount()).as("unchanged").isZero());
        }
    }

    private void awaitStarted(Path output) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (!Files.exists(dir.resolve("started")) && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
        }
        assertThat(dir.resolve("started")).as("the task started\n%s", read(output)).exists();
    }

    private void pushBatch() {
        try (Broker broker = Sergeant.create().broker(config())) {
            broker.pushTasks(StuckTaskWorker.QUEUE, List.of(Task.of(Map.of("id", 0, "kind", "stuck")),
                    Task.of(Map.of("id", 1, "kind", "ok")), Task.of(Map.of("id", 2, "kind", "ok"))), Priority.NORMAL, null);
        }
    }

    private void assertBatchHandedBack() {
        assertThat(dir.resolve("ran-1")).as("never started").doesNotExist();
        assertThat(dir.resolve("ran-2")).as("never started").doesNotExist();
        try (Broker broker = Sergeant.create().broker(config())) {
            // Handed back, or still leased until their lease expires (the worker exits without waiting for
            // the stuck thread): not run and not lost either way.
            QueueStats stats = broker.stats(StuckTaskWorker.QUEUE);
            assertThat(stats.ready() + stats.inFlight()).as("the two unstarted tasks are kept: %s", stats)
                    .isGreaterThanOrEqualTo(2);
            assertThat(stats.deadLetters()).isZero();
        }
    }

    private WorkerConfig config() {
        System.setProperty(StuckTaskWorker.DIR_PROPERTY, dir.toString());
        try {
            return new StuckTaskWorker().config();
        } finally {
            System.clearProperty(StuckTaskWorker.DIR_PROPERTY);
        }
    }

    private Process start(Path output, String... jvmOptions) throws IOException {
        List<String> options = new ArrayList<>(List.of(jvmOptions));
        options.add("-D" + StuckTaskWorker.DIR_PROPERTY + "=" + dir);
        return FaultRun.startWorkerMain(StuckTaskWorker.class, output, options);
    }

    private static String read(Path output) throws IOException {
        return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
    }
}
