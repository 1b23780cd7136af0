package io.sergeant.executor.process;

import io.sergeant.api.Broker;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.core.Sergeant;
import io.sergeant.core.supervisor.SupervisorMain;
import io.sergeant.testkit.execution.Eventually;
import io.sergeant.testkit.workers.Events;
import io.sergeant.testkit.workers.ScriptWorker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static io.sergeant.testkit.workers.ScriptWorker.task;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A supervisor process whose workers run the process executor, stopped with SIGTERM under load: it
 * exits 0 within its grace period, no worker or child JVM outlives it, and no task is lost. The rest
 * of the supervisor's tests live with the supervisor in sergeant-core ({@code SupervisorProcessTest});
 * this one needs the process executor on the workers' class path, which core's tests cannot have.
 */
class SupervisedProcessExecutorTest {

    private static final Duration GENEROUS = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Process supervisorProcess;

    @AfterEach
    void stopEverything() throws InterruptedException {
        if (supervisorProcess != null && supervisorProcess.isAlive()) {
            supervisorProcess.descendants().forEach(ProcessHandle::destroyForcibly);
            supervisorProcess.destroyForcibly();
            supervisorProcess.waitFor();
        }
    }

    @Test
    void sigtermStopsASupervisorProcessGracefullyUnderLoadWithoutLosingATaskOrLeavingAProcess() throws Exception {
        Events events = new Events(dir);
        int count = 60;
        pushSleeps(count, 200);
        Path log = dir.resolve("supervisor.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                SupervisorMain.class.getName(), "--worker-class", ScriptWorker.class.getName(), "--concurrent-workers", "2",
                "--worker-jvm-options", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx1g -D" + ScriptWorker.DIR_PROPERTY + "=" + dir, "--grace-period", "20s",
                "-D", "delivery.mode=at-least-once", "-D", "executor.kind=process",
                "-D", "executor.option.jvmOptions=-XX:+UseSerialGC -XX:TieredStopAtLevel=1"));
        supervisorProcess = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();

        assertThat(Eventually.holds(GENEROUS, () -> events.ids("success").size() >= 4))
                .as("tasks succeed under the supervisor\n%s", Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "").isTrue();
        List<ProcessHandle> tree = supervisorProcess.descendants().toList();
        long signalled = System.nanoTime();
        supervisorProcess.destroy();

        assertThat(supervisorProcess.waitFor(40, TimeUnit.SECONDS)).as("exited within the grace period").isTrue();
        Duration stopping = Duration.ofNanos(System.nanoTime() - signalled);
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(supervisorProcess.exitValue()).as(output).isZero();
        assertThat(stopping).isLessThan(Duration.ofSeconds(25));
        System.out.printf("supervisor: SIGTERM to exit 0 under load took %d ms%n", stopping.toMillis());
        assertThat(output).contains("spawned a new worker at pid").contains("SIGTERM was received")
                .doesNotContain("killing a worker");
        assertThat(tree).as("two workers, each with a child JVM of the process executor").hasSizeGreaterThanOrEqualTo(4);
        assertThat(Eventually.holds(Duration.ofSeconds(10), () -> tree.stream().noneMatch(ProcessHandle::isAlive)))
                .as("no worker or child process outlives the supervisor").isTrue();
        Set<Long> childPids = new TreeSet<>();
        events.ids("ran").forEach(id -> childPids.addAll(events.pids("ran", id)));
        assertThat(events.lifecyclePids("finalize")).as("children that ran tasks finalized on the graceful stop")
                .containsAll(childPids);
        Set<Integer> accounted = new TreeSet<>(events.ids("success"));
        accounted.addAll(remainingIds());
        assertThat(accounted).as("each task either ran or is back in the queue").hasSize(count);
    }

    private Set<Integer> remainingIds() {
        Set<Integer> ids = new TreeSet<>();
        try (Broker broker = Sergeant.create().broker(ScriptWorker.baseConfig(dir).delivery(DeliveryMode.AT_MOST_ONCE).build())) {
            for (List<Task> batch; !(batch = broker.popTasks(ScriptWorker.QUEUE, 100)).isEmpty(); ) {
                batch.forEach(task -> ids.add(((Number) task.kwargs().get("id")).intValue()));
            }
        }
        return ids;
    }

    private void pushSleeps(int count, int millis) {
        try (Broker broker = Sergeant.create().broker(ScriptWorker.baseConfig(dir).delivery(DeliveryMode.AT_LEAST_ONCE).build())) {
            for (int id = 1; id <= count; id++) {
                broker.pushTask(ScriptWorker.QUEUE, task(id, "sleep", "millis", millis));
            }
        }
    }
}
