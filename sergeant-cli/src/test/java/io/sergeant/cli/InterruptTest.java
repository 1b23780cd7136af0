package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.api.QueueStats;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.cli.fixture.SlowWorker;
import io.sergeant.core.Sergeant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ctrl-C (SIGINT) on a real {@code sergeant worker} process: the first stops it gracefully, like
 * SIGTERM (the running task finishes, nothing is left in flight, exit 5 "asked to stop"); a second one
 * forces (exit 130).
 */
class InterruptTest {

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killWhatIsLeft() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    @DisplayName("Ctrl-C lets the running task finish, leaves the next one ready and nothing in flight, and exits 5")
    void firstCtrlCIsGraceful() throws Exception {
        String backend = "sqlite:" + dir.resolve("queue.db");
        push(backend, 1, 1500);
        push(backend, 2, 1500);
        Process worker = startWorker(backend);
        awaitFile(dir.resolve("started-1"), worker);

        signal(worker, "INT");

        assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("the worker exits").isTrue();
        assertThat(worker.exitValue()).as(output(worker)).isEqualTo(5);
        assertThat(dir.resolve("done-1")).as("the running task finished").exists();
        assertThat(dir.resolve("started-2")).as("no new task is taken after Ctrl-C").doesNotExist();
        QueueStats stats = stats(backend);
        assertThat(stats.inFlight()).as("nothing in flight").isZero();
        assertThat(stats.ready()).as("the second task waits for the next worker").isEqualTo(1);
    }

    @Test
    @DisplayName("a second Ctrl-C forces the worker to exit 130 without waiting for its task")
    void secondCtrlCForces() throws Exception {
        String backend = "sqlite:" + dir.resolve("queue.db");
        push(backend, 1, 600_000);
        Process worker = startWorker(backend);
        awaitFile(dir.resolve("started-1"), worker);

        signal(worker, "INT");
        awaitOutput(worker, "press Ctrl-C again to force");
        signal(worker, "INT");

        assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("the worker exits").isTrue();
        assertThat(worker.exitValue()).as(output(worker)).isEqualTo(130);
        assertThat(dir.resolve("done-1")).doesNotExist();
    }

    private Process startWorker(String backend) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(InheritedSignals.withDefaultSigint(List.of(java.toString(), "-cp",
                System.getProperty("java.class.path"), SergeantCommand.class.getName(), "worker", "--worker-class",
                SlowWorker.class.getName(), "--backend", backend, "-D", "pollInterval=50ms")))
                .redirectErrorStream(true).redirectOutput(dir.resolve("output.txt").toFile()).start();
        started.add(process);
        return process;
    }

    private void push(String backend, int id, int millis) {
        try (Broker broker = Sergeant.create().broker(WorkerConfig.builder(SlowWorker.QUEUE).backend(backend).build())) {
            broker.pushTask(SlowWorker.QUEUE, Map.of("dir", dir.toString(), "id", id, "millis", millis));
        }
    }

    private static QueueStats stats(String backend) {
        try (Broker broker = Sergeant.create().broker(WorkerConfig.builder(SlowWorker.QUEUE).backend(backend).build())) {
            return broker.stats(SlowWorker.QUEUE);
        }
    }

    private static void signal(Process process, String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    private void awaitFile(Path file, Process process) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(file)) {
            assertThat(process.isAlive()).as("the worker runs: " + output(process)).isTrue();
            assertThat(System.nanoTime() - deadline).as("waited for " + file + ": " + output(process)).isNegative();
            Thread.sleep(20);
        }
    }

    private void awaitOutput(Process process, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!output(process).contains(text)) {
            assertThat(process.isAlive()).as("the worker runs: " + output(process)).isTrue();
            assertThat(System.nanoTime() - deadline).as("waited for '" + text + "': " + output(process)).isNegative();
            Thread.sleep(20);
        }
    }

    private String output(Process process) throws IOException {
        return Files.readString(dir.resolve("output.txt"));
    }
}
