package io.sergeant.executor.process;

import io.sergeant.api.Broker;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.ExecutorConfig;
import io.sergeant.api.config.Timeouts;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.core.worker.WorkerRuntime;
import io.sergeant.testkit.workers.Events;
import io.sergeant.testkit.workers.ScriptWorker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

import static io.sergeant.testkit.workers.ScriptWorker.task;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The process executor under core's real worker runtime, with a real worker class hosted in child JVMs
 * and the local SQLite backend: what the executor compatibility suite checks in process, checked across
 * processes (outcomes, timeouts, kills, dead children, clean stdout, lifecycle in every child).
 */
class ProcessExecutorWorkerTest {

    private static final long PARENT = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    @Test
    void tasksRunInWarmChildrenEachInitializedAndFinalizedAndEveryOutcomeComesBack() {
        Events events = new Events(dir);
        List<Map<String, Object>> tasks = new java.util.ArrayList<>();
        for (int id = 1; id <= 10; id++) {
            tasks.add(task(id, "sleep", "millis", 20));
        }
        tasks.add(task(11, "fail"));

        RunSummary summary = run(2, Timeouts.DEFAULT, tasks);

        assertThat(summary.outcomes()).containsEntry("success", 10L).containsEntry("failure", 1L);
        Set<Long> children = new java.util.TreeSet<>(events.lifecyclePids("initialize"));
        children.remove(PARENT);
        assertThat(children).as("two warm children, each initialized once").hasSize(2);
        for (int id = 1; id <= 11; id++) {
            assertThat(events.pids("ran", id)).as("task %d ran exactly once, in a child", id).hasSize(1)
                    .allSatisfy(pid -> assertThat(children).contains(pid));
        }
        assertThat(events.content("failure", 11)).contains("scripted failure of task 11");
        assertThat(events.lifecyclePids("finalize")).as("every child finalized on close").containsAll(children);
    }

    @Test
    void aTaskThatIgnoresItsInterruptIsKilledAtTimeoutPlusGraceAndTheNextTaskRunsInAFreshChild() {
        Events events = new Events(dir);
        long start = System.nanoTime();

        RunSummary summary = run(1, new Timeouts(Duration.ofMillis(500), Duration.ofMillis(500)),
                List.of(task(1, "spin"), task(2, "succeed")));

        assertThat(summary.outcomes()).containsEntry("timeout", 1L).containsEntry("success", 1L);
        assertThat(events.pids("timeout", 1)).as("onTimeout ran once, in the parent, after the kill").containsExactly(PARENT);
        long spinner = events.pids("ran", 1).get(0);
        assertThat(events.pids("ran", 2)).singleElement().satisfies(pid -> assertThat(pid).isNotEqualTo(spinner));
        assertThat(ProcessHandle.of(spinner).map(ProcessHandle::isAlive).orElse(false)).as("the spinning child is gone").isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
    }

    @Test
    void aTaskThatAnswersItsInterruptTimesOutInsideItsChildWhichLivesOn() {
        Events events = new Events(dir);

        RunSummary summary = run(1, new Timeouts(Duration.ofMillis(300), Duration.ofSeconds(30)),
                List.of(task(1, "sleep", "millis", 60_000), task(2, "succeed")));

        assertThat(summary.outcomes()).containsEntry("timeout", 1L).containsEntry("success", 1L);
        long child = events.pids("ran", 1).get(0);
        assertThat(events.pids("timeout", 1)).as("onTimeout ran in the child").containsExactly(child);
        assertThat(events.pids("ran", 2)).as("the same child ran the next task").containsExactly(child);
    }

    @Test
    void aChildThatDiesOnItsOwnLosesTheDeliveryWhichRunsAgainInAFreshChildWithoutAnyHandler() {
        Events events = new Events(dir);

        // Three deliveries: task 1 (its child exits), task 1 again, task 2.
        RunSummary summary = run(1, Timeouts.DEFAULT, List.of(task(1, "exit-first", "code", 42), task(2, "succeed")),
                builder -> builder.maxTasksPerRun(3));

        assertThat(summary.outcomes()).containsEntry("lost", 1L).containsEntry("success", 2L).doesNotContainKey("failure");
        assertThat(events.pids("ran", 1)).as("task 1 ran twice, in two children").hasSize(2).doesNotHaveDuplicates();
        assertThat(events.pids("failure", 1)).as("a lost delivery is not a failure: onFailure did not run").isEmpty();
        assertThat(events.pids("success", 1)).hasSize(1);
        assertThat(events.pids("ran", 2)).hasSize(1);
    }

    @Test
    void processesATaskStartedDieWithItsChildWhenTheChildIsKilledAndWhenItShutsDown() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.sergeant.toolkit.process.ProcessTree.grouped(),
                "process groups need setsid and kill");
        Events events = new Events(dir);

        // Task 1's first child starts `sleep 1000` and is SIGKILLed; its second child starts another and
        // succeeds, and is shut down with the executor.
        RunSummary summary = run(1, Timeouts.DEFAULT, List.of(task(1, "spawn-then-die")), builder -> builder.maxTasksPerRun(2));

        assertThat(summary.outcomes()).containsEntry("lost", 1L).containsEntry("success", 1L);
        List<Long> sleeps = events.pids("spawned", 1);
        assertThat(sleeps).as("two deliveries, each started a sleep").hasSize(2);
        for (long sleep : sleeps) {
            ProcessHandle handle = ProcessHandle.of(sleep).orElse(null);
            if (handle != null) {
                assertThat(handle.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS).isAlive())
                        .as("sleep pid %d, started by a task, is gone with its child", sleep).isFalse();
            }
        }
    }

    @Test
    void aTaskWhoseChildDiesOnEveryDeliveryReachesTheDeadLettersAfterMaxDeliveries() {
        Events events = new Events(dir);
        UnaryOperator<WorkerConfig.Builder> twoDeliveries = builder -> builder.maxTasksPerRun(3)
                .delivery(new io.sergeant.api.config.DeliveryConfig(DeliveryMode.AT_LEAST_ONCE, Duration.ofSeconds(30), 2,
                        Duration.ofSeconds(1)));

        RunSummary summary = run(1, Timeouts.DEFAULT, List.of(task(1, "exit", "code", 42), task(2, "succeed")), twoDeliveries);

        assertThat(summary.outcomes()).containsEntry("lost", 2L).containsEntry("success", 1L).doesNotContainKey("failure");
        assertThat(events.pids("ran", 1)).as("task 1 ran maxDeliveries times").hasSize(2);
        assertThat(events.pids("failure", 1)).isEmpty();
        ScriptWorker worker = new ScriptWorker(dir, twoDeliveries);
        Sergeant sergeant = Sergeant.create();
        WorkerConfig config = sergeant.validate(worker.config());
        try (io.sergeant.core.internal.broker.DefaultBroker broker = sergeant.openBroker(config, sergeant.pluginContext(config))) {
            // The next delivery would be the third: the pop dead-letters it instead.
            assertThat(broker.backend().pop(ScriptWorker.QUEUE, 1,
                    io.sergeant.spi.backend.DeliveryOptions.leased(Duration.ofSeconds(30), 2))).isEmpty();
            assertThat(broker.deadLetters(ScriptWorker.QUEUE, 10)).singleElement()
                    .satisfies(letter -> assertThat(letter.deliveryCount()).isEqualTo(2));
        }
    }

    @Test
    void whatTasksPrintOnStdoutNeverDisturbsTheChannel() {
        RunSummary summary = run(1, Timeouts.DEFAULT, List.of(task(1, "print"), task(2, "succeed")),
                UnaryOperator.identity(), PrintingWorker::new);

        assertThat(summary.outcomes()).containsEntry("success", 2L);
    }

    private RunSummary run(int concurrency, Timeouts timeouts, List<Map<String, Object>> tasks) {
        return run(concurrency, timeouts, tasks, UnaryOperator.identity());
    }

    private RunSummary run(int concurrency, Timeouts timeouts, List<Map<String, Object>> tasks,
                           UnaryOperator<WorkerConfig.Builder> more) {
        return run(concurrency, timeouts, tasks, more, ScriptWorker::new);
    }

    private RunSummary run(int concurrency, Timeouts timeouts, List<Map<String, Object>> tasks,
                           UnaryOperator<WorkerConfig.Builder> more,
                           BiFunction<Path, UnaryOperator<WorkerConfig.Builder>, ScriptWorker> workerClass) {
        UnaryOperator<WorkerConfig.Builder> base = builder -> builder
                .executor(new ExecutorConfig("process", concurrency, null, Map.of(ProcessExecutorFactory.JVM_OPTIONS,
                        ProcessExecutorFactory.DEFAULT_JVM_OPTIONS + " -XX:TieredStopAtLevel=1 -D"
                                + ScriptWorker.DIR_PROPERTY + "=" + dir)))
                .timeouts(timeouts).maxTasksPerRun(tasks.size()).delivery(DeliveryMode.AT_LEAST_ONCE);
        UnaryOperator<WorkerConfig.Builder> tweak = builder -> more.apply(base.apply(builder));
        new Events(dir);
        Sergeant sergeant = Sergeant.create();
        ScriptWorker worker = workerClass.apply(dir, tweak);
        try (Broker broker = sergeant.broker(worker.config())) {
            tasks.forEach(kwargs -> broker.pushTask(ScriptWorker.QUEUE, kwargs));
        }
        try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
            return runtime.run();
        }
    }
}
