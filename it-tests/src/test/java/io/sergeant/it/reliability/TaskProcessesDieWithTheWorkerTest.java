package io.sergeant.it.reliability;

import io.sergeant.api.Broker;
import io.sergeant.core.Sergeant;
import io.sergeant.testkit.workers.Events;
import io.sergeant.testkit.workers.ScriptWorker;
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
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 13 §3, "processes a task starts die with its child or worker": a worker process with the process
 * executor runs a task that starts {@code sleep 1000} through a shell that exits at once (re-parented, so
 * no longer a descendant of the child JVM), and is SIGKILLed. Nobody is left to end the child's process
 * group but the child itself, which sees its channel close.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TaskProcessesDieWithTheWorkerTest {

    @TempDir
    Path dir;

    private Process worker;
    private final List<ProcessHandle> started = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        if (worker != null && worker.isAlive()) {
            worker.destroyForcibly();
            worker.waitFor();
        }
        started.forEach(ProcessHandle::destroyForcibly); // what this test started, by pid, if it outlived the test
    }

    @Test
    @DisplayName("a process a task started, re-parented away from the child JVM, dies when the worker is SIGKILLed")
    void aTaskProcessDiesWhenTheWorkerIsKilled() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setsid")) || Files.isExecutable(Path.of("/bin/setsid")),
                "process groups need setsid");
        try (Broker broker = Sergeant.create().broker(ScriptWorker.baseConfig(dir).build())) {
            broker.pushTask(ScriptWorker.QUEUE, Map.of("id", 1, "action", "spawn-detached"));
        }
        Path output = dir.resolve("worker.log");
        worker = FaultRun.startWorkerMain(ScriptWorker.class, output, List.of("-D" + ScriptWorker.DIR_PROPERTY + "=" + dir,
                "-Dsergeant.config.executor.kind=process", "-Dsergeant.config.executor.concurrency=1",
                "-Dsergeant.config.executor.option.jvmOptions=" + FaultRun.CHILD_JVM));
        Events events = new Events(dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (events.of("spawned", 1).isEmpty() && worker.isAlive() && System.nanoTime() - deadline < 0) {
            Thread.sleep(50);
        }
        assertThat(events.of("spawned", 1)).as("the task started its sleep\n%s", read(output)).hasSize(1);
        String[] marker = events.of("spawned", 1).get(0).split("-");
        long sleepPid = Long.parseLong(marker[2]);
        long childPid = Long.parseLong(marker[3]);
        ProcessHandle sleep = ProcessHandle.of(sleepPid).orElseThrow(() -> new AssertionError("the sleep is gone already"));
        ProcessHandle child = ProcessHandle.of(childPid).orElseThrow(() -> new AssertionError("the child is gone already"));
        started.add(sleep);
        started.add(child);
        assertThat(child.descendants().map(ProcessHandle::pid)).as("the sleep was re-parented").doesNotContain(sleepPid);
        assertThat(worker.descendants().map(ProcessHandle::pid)).as("the child runs under the worker").contains(childPid);

        worker.destroyForcibly(); // SIGKILL: the worker ends nothing itself
        worker.waitFor();

        assertThat(exits(child)).as("the child JVM ends when its worker is gone\n%s", read(output)).isTrue();
        assertThat(exits(sleep)).as("the sleep its task started ends with it\n%s", read(output)).isTrue();
    }

    /** Whether the process exits within 30 s (the child takes up to 5 s to finalize its worker first). */
    private static boolean exits(ProcessHandle process) throws InterruptedException {
        try {
            process.onExit().get(30, TimeUnit.SECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    private static String read(Path output) throws IOException {
        return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
    }
}
