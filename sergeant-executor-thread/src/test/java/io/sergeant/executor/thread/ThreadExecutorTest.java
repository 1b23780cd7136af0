package io.sergeant.executor.thread;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.Timeouts;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.execution.ExecutionContext;
import io.sergeant.spi.execution.ExecutorFactory;
import io.sergeant.spi.execution.ExecutorSpec;
import io.sergeant.spi.execution.KillerFactory;
import io.sergeant.spi.execution.Outcome;
import io.sergeant.spi.execution.TaskExecutor;
import io.sergeant.api.Task;
import io.sergeant.spi.execution.TaskControl;
import io.sergeant.spi.execution.TaskResult;
import io.sergeant.spi.execution.TaskRunner;
import io.sergeant.testkit.execution.Eventually;
import io.sergeant.testkit.execution.ExecutorCompatibilitySuite;
import io.sergeant.testkit.execution.ScriptedTaskRunner;
import io.sergeant.testkit.execution.SimpleTaskCodec;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ThreadExecutorTest extends ExecutorCompatibilitySuite {

    @Override
    protected ExecutorFactory executorFactory() {
        return new ThreadExecutorFactory();
    }

    @Override
    protected KillerFactory killerFactory() {
        return new ThreadKillerFactory();
    }

    @Test
    void tasksRunOnNamedDaemonPoolThreadsNeverOnTheCaller() {
        Setup setup = open(1, NO_TIMEOUTS);

        runAll(setup.executor(), List.of(ScriptedTaskRunner.succeed(1), ScriptedTaskRunner.succeed(2)));

        assertThat(setup.runner().runs()).hasSize(2).allSatisfy(run -> {
            assertThat(run.daemon()).isTrue();
            assertThat(run.threadName()).startsWith(ThreadExecutorFactory.DEFAULT_THREAD_NAME_PREFIX)
                    .isNotEqualTo(Thread.currentThread().getName());
        });
    }

    @Test
    void theInterruptFlagIsClearedBetweenTasks() {
        Setup setup = open(1, timeouts(200, 30_000));
        TaskExecutor executor = setup.executor();

        // The spin ignores the interrupt, so its thread's flag is still set when the runner returns.
        TaskResult spun = await(executor.submit(ScriptedTaskRunner.spin(1, 600)));
        TaskResult next = await(executor.submit(ScriptedTaskRunner.succeed(2)));

        assertThat(spun.outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(next.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(setup.runner().runs()).filteredOn(run -> run.id() == 2).singleElement()
                .satisfies(run -> assertThat(run.interruptedAtStart()).isFalse());
        assertThat(executor.respawnRequested()).isFalse();
    }

    @Test
    void aStuckTaskLeavesItsFutureToItsThreadAndCloseAbandonsIt() {
        Setup setup = open(2, timeouts(500, 300));
        TaskExecutor executor = setup.executor();

        CompletableFuture<TaskResult> stuck = executor.submit(ScriptedTaskRunner.spin(1, 5_000));
        assertThat(Eventually.holds(Duration.ofSeconds(4), executor::respawnRequested)).isTrue();
        CompletableFuture<TaskResult> running = executor.submit(ScriptedTaskRunner.sleep(2, 100));
        assertThatThrownBy(() -> executor.submit(ScriptedTaskRunner.succeed(3)))
                .as("the stuck task still holds one of the two slots").isInstanceOf(IllegalStateException.class);
        TaskResult other = await(running);
        executor.close();

        assertThat(other.outcome()).isEqualTo(Outcome.SUCCESS);
        // close() returned before the stuck task's 5 s spin ended: it abandoned the task rather than waiting for it
        // (a structural check; a wall-clock bound on close() would only hold on an idle machine).
        assertThat(stuck).as("close() did not wait for the stuck task; its handlers run once, by the stuck thread"
                + " if it ever returns").isNotDone();
        assertThat(await(stuck).outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(setup.runner().executions(1)).isEqualTo(1);
        assertThat(setup.runner().killedReports()).isEmpty();
    }

    @Test
    void withOneThreadAStuckTaskDoesNotHangTheRestOfItsBatchOrClose() throws Exception {
        Setup setup = open(1, timeouts(300, 300));
        TaskExecutor executor = setup.executor();
        List<TaskResult> reported = new java.util.concurrent.CopyOnWriteArrayList<>();

        CompletableFuture<Void> batch = executor.runBatch(List.of(ScriptedTaskRunner.spin(1, 30_000),
                ScriptedTaskRunner.succeed(2), ScriptedTaskRunner.succeed(3)), () -> !executor.respawnRequested(),
                (result, index) -> reported.add(result));
        assertThat(Eventually.holds(Duration.ofSeconds(10), executor::respawnRequested)).isTrue();
        CompletableFuture<Void> closed = CompletableFuture.runAsync(executor::close);

        // The stuck task spins for 30 s: close() must not wait for it to free the only thread.
        closed.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(batch).as("the batch waits only for its stuck task").isNotDone();
        assertThat(reported).as("the queued tasks were skipped, not reported").isEmpty();
        assertThat(setup.runner().executions(2) + setup.runner().executions(3)).isZero();
    }

    @Test
    void aBatchJobRunsItsTasksInsideOneRunSeveralAndASubmittedTaskAlone() throws Exception {
        SeveralRecordingRunner runner = new SeveralRecordingRunner();
        try (var killer = new ThreadKillerFactory().create(Timeouts.DEFAULT, PluginContext.defaults());
             TaskExecutor executor = new ThreadExecutorFactory().create(spec(Map.of()), context(runner, killer))) {
            List<Task> tasks = new ArrayList<>();
            for (int id = 1; id <= 10; id++) {
                tasks.add(ScriptedTaskRunner.succeed(id));
            }
            List<Integer> reported = new CopyOnWriteArrayList<>();
            executor.runBatch(tasks, () -> true, (result, index) -> reported.add(index))
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(await(executor.submit(ScriptedTaskRunner.succeed(11))).outcome()).isEqualTo(Outcome.SUCCESS);

            assertThat(reported).hasSize(10);
            // One thread: the batch is one job, so one runSeveral around its ten tasks; the submitted task runs alone.
            assertThat(runner.severalCalls).hasValue(1);
            assertThat(runner.insideAtRun).containsExactly(true, true, true, true, true, true, true, true, true, true, false);
            assertThat(runner.delegate.runs()).hasSize(11);
        }
    }

    @Test
    void withOneThreadAndNoTimeoutABatchRunsOnTheCallerInOrderAndNoInterruptOutlivesItsTask() {
        Setup setup = open(1, NO_TIMEOUTS);
        TaskExecutor executor = setup.executor();
        assertThat(executor.runsBatchesHere()).isTrue();
        List<Integer> reported = new ArrayList<>();
        List<String> reportedOn = new ArrayList<>();

        // An interrupt the first task finds set is cleared once it ended: the next task, and the caller, never see it.
        Thread.currentThread().interrupt();
        executor.runBatchHere(List.of(ScriptedTaskRunner.succeed(1), ScriptedTaskRunner.succeed(2), ScriptedTaskRunner.succeed(3)),
                () -> true, (result, index) -> {
                    reported.add(index);
                    reportedOn.add(Thread.currentThread().getName());
                });

        assertThat(Thread.interrupted()).as("the caller's flag after the batch").isFalse();
        assertThat(reported).containsExactly(0, 1, 2);
        assertThat(reportedOn).containsOnly(Thread.currentThread().getName());
        assertThat(setup.runner().runs()).extracting(ScriptedTaskRunner.Run::id).containsExactly(1, 2, 3);
        assertThat(setup.runner().runs()).allSatisfy(run ->
                assertThat(run.threadName()).isEqualTo(Thread.currentThread().getName()));
        assertThat(setup.runner().runs()).extracting(ScriptedTaskRunner.Run::interruptedAtStart).containsExactly(true, false, false);
    }

    @Test
    void aBatchRunHereStartsNoTaskOnceKeepGoingIsFalseAndTheSkippedOnesAreNotReported() {
        Setup setup = open(1, NO_TIMEOUTS);
        TaskExecutor executor = setup.executor();
        List<Integer> reported = new ArrayList<>();

        executor.runBatchHere(List.of(ScriptedTaskRunner.succeed(1), ScriptedTaskRunner.succeed(2), ScriptedTaskRunner.succeed(3)),
                () -> reported.isEmpty(), (result, index) -> reported.add(index));

        assertThat(reported).containsExactly(0);
        assertThat(setup.runner().runs()).extracting(ScriptedTaskRunner.Run::id).containsExactly(1);
        // Nothing is left outstanding: the executor closes at once and takes a batch on its own thread after it.
        executor.close();
        assertThatThrownBy(() -> executor.runBatchHere(List.of(ScriptedTaskRunner.succeed(4)), () -> true, (result, index) -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void withTwoThreadsOrATimeoutNoBatchRunsOnTheCaller() {
        for (Setup setup : List.of(open(2, NO_TIMEOUTS), open(1, timeouts(60_000, 1_000)))) {
            TaskExecutor executor = setup.executor();
            assertThat(executor.runsBatchesHere()).as("%d thread(s)", executor.concurrency()).isFalse();
            assertThatThrownBy(() -> executor.runBatchHere(List.of(ScriptedTaskRunner.succeed(1)), () -> true,
                    (result, index) -> { })).isInstanceOf(IllegalStateException.class).hasMessageContaining("own threads");
            assertThat(setup.runner().runs()).isEmpty();
        }
    }

    @Test
    void moreThanConcurrencyOutstandingTasksAreRejected() {
        Setup setup = open(2, NO_TIMEOUTS);
        TaskExecutor executor = setup.executor();
        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
        futures.add(executor.submit(ScriptedTaskRunner.sleep(1, 200)));
        futures.add(executor.submit(ScriptedTaskRunner.sleep(2, 200)));

        assertThatThrownBy(() -> executor.submit(ScriptedTaskRunner.succeed(3)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("concurrency");
        futures.forEach(ExecutorCompatibilitySuite::await);
        assertThat(await(executor.submit(ScriptedTaskRunner.succeed(4))).outcome()).isEqualTo(Outcome.SUCCESS);
    }

    @Test
    void aClosedExecutorRefusesTasks() {
        Setup setup = open(1, NO_TIMEOUTS);
        setup.executor().close();

        assertThatThrownBy(() -> setup.executor().submit(ScriptedTaskRunner.succeed(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void theThreadNamePrefixOptionNamesThePoolThreads() {
        ScriptedTaskRunner runner = new ScriptedTaskRunner();
        try (var killer = new ThreadKillerFactory().create(Timeouts.DEFAULT, PluginContext.defaults());
             TaskExecutor executor = new ThreadExecutorFactory().create(
                     spec(Map.of(ThreadExecutorFactory.THREAD_NAME_PREFIX, "crunch-")), context(runner, killer))) {
            assertThat(await(executor.submit(ScriptedTaskRunner.succeed(1))).outcome()).isEqualTo(Outcome.SUCCESS);
        }
        assertThat(runner.runs()).singleElement().satisfies(run -> assertThat(run.threadName()).isEqualTo("crunch-1"));
    }

    @Test
    void unknownOptionsAndABlankPrefixAreConfigurationErrors() {
        try (var killer = new ThreadKillerFactory().create(Timeouts.DEFAULT, PluginContext.defaults())) {
            ExecutionContext context = context(new ScriptedTaskRunner(), killer);
            assertThatThrownBy(() -> new ThreadExecutorFactory().create(spec(Map.of("threads", "4")), context))
                    .isInstanceOfSatisfying(SergeantException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION))
                    .hasMessageContaining("threads").hasMessageContaining("threadNamePrefix");
            assertThatThrownBy(() -> new ThreadExecutorFactory().create(
                    spec(Map.of(ThreadExecutorFactory.THREAD_NAME_PREFIX, " ")), context))
                    .isInstanceOfSatisfying(SergeantException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION))
                    .hasMessageContaining("blank");
        }
    }

    @Test
    void itIsRegisteredAsTheThreadExecutor() {
        assertThat(ServiceLoader.load(ExecutorFactory.class).stream().map(ServiceLoader.Provider::get))
                .anySatisfy(factory -> {
                    assertThat(factory).isInstanceOf(ThreadExecutorFactory.class);
                    assertThat(factory.name()).isEqualTo("thread");
                });
    }

    private static ExecutorSpec spec(Map<String, String> options) {
        return new ExecutorSpec(1, Timeouts.DEFAULT, new PluginOptions("executor 'thread'", options));
    }

    private static ExecutionContext context(TaskRunner runner, io.sergeant.spi.execution.Killer killer) {
        return new ExecutionContext(runner, killer, new SimpleTaskCodec(), "test.Worker", List.of(),
                PluginContext.defaults());
    }

    /** A {@link ScriptedTaskRunner} that records, for each run, whether it ran inside its {@code runSeveral}. */
    private static final class SeveralRecordingRunner implements TaskRunner {
        final ScriptedTaskRunner delegate = new ScriptedTaskRunner();
        final AtomicInteger severalCalls = new AtomicInteger();
        final List<Boolean> insideAtRun = new CopyOnWriteArrayList<>();
        private final ThreadLocal<Boolean> inside = ThreadLocal.withInitial(() -> false);

        @Override
        public TaskResult run(Task task, TaskControl control) {
            insideAtRun.add(inside.get());
            return delegate.run(task, control);
        }

        @Override
        public TaskResult reportKilled(Task task, boolean timedOut, String reason) {
            return delegate.reportKilled(task, timedOut, reason);
        }

        @Override
        public void runSeveral(Runnable tasks) {
            severalCalls.incrementAndGet();
            inside.set(true);
            try {
                tasks.run();
            } finally {
                inside.set(false);
            }
        }
    }
}
