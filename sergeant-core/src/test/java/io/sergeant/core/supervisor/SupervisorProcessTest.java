package io.sergeant.core.supervisor;

import io.sergeant.api.Broker;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.core.Sergeant;
import io.sergeant.testkit.workers.BrokenConfigWorker;
import io.sergeant.testkit.workers.Events;
import io.sergeant.testkit.workers.FailingInitializeWorker;
import io.sergeant.testkit.workers.ScriptWorker;
import io.sergeant.testkit.workers.ThrowingConstructorWorker;
import io.sergeant.testkit.workers.UnloadableWorker;
import io.sergeant.testkit.execution.BackgroundCall;
import io.sergeant.testkit.execution.Eventually;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.sergeant.testkit.workers.ScriptWorker.task;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The supervisor with real worker JVMs (core's WorkerMain hosting test workers) on the local SQLite
 * backend: the exit-code contract of docs/python-compat.md §6.2, the memory limit, a worker killed with SIGKILL in
 * at-least-once mode. The workers are the testkit's scripted ones ({@link ScriptWorker}), which the
 * executor tests share. A graceful SIGTERM of a supervisor process whose workers run the process
 * executor is tested in sergeant-executor-process (core cannot have that plugin on its test path).
 */
class SupervisorProcessTest {

    private static final Duration GENEROUS = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<Supervisor> running = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        running.forEach(Supervisor::requestStop);
    }

    @Test
    void aWorkerThatEndsNormallyIsRespawnedAndTheCountStaysAtN() throws Exception {
        Events events = new Events(dir);
        push(DeliveryMode.AT_LEAST_ONCE, List.of(task(1, "succeed"), task(2, "succeed"), task(3, "succeed")));
        Supervisor supervisor = new Supervisor(config(ScriptWorker.class, 1).maxTasksPerWorker(1).build());

        CompletableFuture<Integer> exit = start(supervisor);

        assertThat(Eventually.holds(GENEROUS, () -> events.ids("success").size() == 3)).as("all three tasks ran").isTrue();
        Set<Long> pids = new HashSet<>();
        for (int id = 1; id <= 3; id++) {
            pids.addAll(events.pids("ran", id));
        }
        assertThat(pids).as("each worker ran one task (exit 0) and was respawned").hasSize(3);
        assertThat(Eventually.holds(GENEROUS, () -> supervisor.liveWorkers() == 1)).isTrue();
        supervisor.requestStop();
        assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
        assertThat(supervisor.liveWorkers()).isZero();
    }

    @Test
    void aWorkerThatAsksToRespawnIsReplaced() throws Exception {
        Events events = new Events(dir);
        push(DeliveryMode.AT_LEAST_ONCE, List.of(task(1, "respawn")));
        Supervisor supervisor = new Supervisor(config(ScriptWorker.class, 1).build());

        CompletableFuture<Integer> exit = start(supervisor);

        assertThat(Eventually.holds(GENEROUS, () -> !events.pids("ran", 1).isEmpty())).isTrue();
        long asked = events.pids("ran", 1).get(0);
        assertThat(Eventually.holds(GENEROUS, () -> events.lifecyclePids("initialize").stream().anyMatch(pid -> pid != asked)))
                .as("exit 4 is respawned: a fresh worker initialized").isTrue();
        assertThat(Eventually.holds(GENEROUS, () -> ProcessHandle.of(asked).map(ProcessHandle::isAlive).orElse(false).equals(false)))
                .isTrue();
        assertThat(supervisor.liveWorkers()).isEqualTo(1);
        supervisor.requestStop();
        assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void aWorkerWhoseInitializeFailsIsRespawned() throws Exception {
        Events events = new Events(dir);
        Supervisor supervisor = new Supervisor(config(FailingInitializeWorker.class, 1).build());

        CompletableFuture<Integer> exit = start(supervisor);

        assertThat(Eventually.holds(GENEROUS, () -> events.lifecyclePids("initialize").size() >= 2))
                .as("exit 6 is respawned").isTrue();
        assertThat(exit).isNotDone();
        supervisor.requestStop();
        assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void aWorkerWhoseRuntimeFailsIsRespawned() throws Exception {
        Supervisor supervisor = new Supervisor(config(BrokenConfigWorker.class, 1).build());
        Set<Long> seen = new TreeSet<>();

        CompletableFuture<Integer> exit = start(supervisor);

        assertThat(Eventually.holds(GENEROUS, () -> {
            seen.addAll(supervisor.workerPids());
            return seen.size() >= 3;
        })).as("exit 1 is respawned, again and again").isTrue();
        assertThat(exit).isNotDone();
        supervisor.requestStop();
        assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void aWorkerThatAsksToStopStopsEveryWorkerAndTheSupervisorExitsZero() throws Exception {
        Events events = new Events(dir);
        push(DeliveryMode.AT_LEAST_ONCE, List.of(task(1, "stop")));
        Supervisor supervisor = new Supervisor(config(ScriptWorker.class, 2).build());

        int code = start(supervisor).get(90, TimeUnit.SECONDS);

        assertThat(code).isZero();
        assertThat(events.pids("ran", 1)).hasSize(1);
        assertThat(supervisor.liveWorkers()).isZero();
        assertThat(events.lifecyclePids("initialize")).as("no worker was respawned").hasSizeLessThanOrEqualTo(2);
    }

    @Test
    void aMissingWorkerClassMakesTheSupervisorExitNonZero() throws Exception {
        Supervisor supervisor = new Supervisor(SupervisorConfig.builder("com.example.NoSuchWorker", 2)
                .workerJvmOptions(jvmOptions()).gracePeriod(Duration.ofSeconds(20)).build());

        int code = start(supervisor).get(90, TimeUnit.SECONDS);

        assertThat(code).as("exit 3 of the worker, not Python's 0").isEqualTo(3);
        assertThat(supervisor.liveWorkers()).isZero();
    }

    @Test
    void aWorkerClassThatCannotBeLoadedMakesTheSupervisorExitNonZero() throws Exception {
        Supervisor supervisor = new Supervisor(config(UnloadableWorker.class, 1).build());

        int code = start(supervisor).get(90, TimeUnit.SECONDS);

        assertThat(code).as("its static initializer threw: exit 7, as an import error in Python").isEqualTo(7);
    }

    @Test
    void aWorkerWhoseConstructorThrowsIsRespawnedAsAnAbnormalExit() throws Exception {
        Supervisor supervisor = new Supervisor(config(ThrowingConstructorWorker.class, 1).build());
        Set<Long> seen = new TreeSet<>();

        CompletableFuture<Integer> exit = start(supervisor);

        assertThat(Eventually.holds(GENEROUS, () -> {
            seen.addAll(supervisor.workerPids());
            return seen.size() >= 3;
        })).as("exit 1 (not 7) is respawned, as Python respawns a worker whose __init__ raised").isTrue();
        assertThat(exit).isNotDone();
        supervisor.requestStop();
        assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void aWorkerOverTheMemoryLimitIsKilledAndReplacedKeepingNWorkers() throws Exception {
        Events events = new Events(dir);
        push(DeliveryMode.AT_MOST_ONCE, List.of(task(1, "allocate", "megabytes", 600)));
        Supervisor supervisor = new Supervisor(config(ScriptWorker.class, 2).maxWorkerMemoryBytes(400L << 20)
                .configOverride("delivery.mode", "at-most-once").build());

        CompletableFuture<Integer> exit = start(supervisor);

        assertThat(Eventually.holds(GENEROUS, () -> !events.pids("ran", 1).isEmpty())).isTrue();
        long hog = events.pids("ran", 1).get(0);
        assertThat(Eventually.holds(GENEROUS, () -> !supervisor.workerPids().contains(hog) && supervisor.liveWorkers() == 2))
                .as("the worker past the limit was killed and replaced").isTrue();
        assertThat(ProcessHandle.of(hog).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        supervisor.requestStop();
        assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void aWorkerKilledWithSigkillLosesNoTaskInAtLeastOnceMode() throws Exception {
        Events events = new Events(dir);
        int count = 30;
        push(DeliveryMode.AT_LEAST_ONCE, tasks(count, 100));
        Supervisor supervisor = new Supervisor(config(ScriptWorker.class, 2)
                .configOverride("delivery.lease", "2s").configOverride("delivery.reapInterval", "500ms")
                .configOverride("tasksPerTransaction", "4").build());

        CompletableFuture<Integer> exit = start(supervisor);
        assertThat(Eventually.holds(GENEROUS, () -> events.ids("success").size() >= 4)).isTrue();
        long victim = events.pids("ran", events.ids("ran").iterator().next()).get(0);
        ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly);

        assertThat(Eventually.holds(GENEROUS, () -> events.ids("success").size() == count))
                .as("every task ran once its lease expired").isTrue();
        assertThat(Eventually.holds(GENEROUS, () -> supervisor.liveWorkers() == 2 && !supervisor.workerPids().contains(victim)))
                .as("the killed worker was respawned").isTrue();
        supervisor.requestStop();
        assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
    }

    private static List<Map<String, Object>> tasks(int count, int millis) {
        List<Map<String, Object>> tasks = new ArrayList<>();
        for (int id = 1; id <= count; id++) {
            tasks.add(task(id, "sleep", "millis", millis));
        }
        return tasks;
    }

    private void push(DeliveryMode mode, List<Map<String, Object>> tasks) {
        try (Broker broker = Sergeant.create().broker(ScriptWorker.baseConfig(dir).delivery(mode).build())) {
            for (Map<String, Object> kwargs : tasks) {
                broker.pushTask(ScriptWorker.QUEUE, kwargs);
            }
        }
    }

    private SupervisorConfig.Builder config(Class<?> workerClass, int workers) {
        return SupervisorConfig.builder(workerClass.getName(), workers).workerJvmOptions(jvmOptions())
                .gracePeriod(Duration.ofSeconds(20));
    }

    private List<String> jvmOptions() {
        return List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx1g", "-D" + ScriptWorker.DIR_PROPERTY + "=" + dir);
    }

    private CompletableFuture<Integer> start(Supervisor supervisor) {
        running.add(supervisor);
        return BackgroundCall.start("supervisor-under-test", supervisor::run);
    }
}
