package io.sergeant.testkit.execution;

import io.sergeant.api.Task;
import io.sergeant.api.config.Timeouts;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.execution.ExecutionContext;
import io.sergeant.spi.execution.ExecutorFactory;
import io.sergeant.spi.execution.ExecutorSpec;
import io.sergeant.spi.execution.Killer;
import io.sergeant.spi.execution.KillerFactory;
import io.sergeant.spi.execution.Outcome;
import io.sergeant.spi.execution.TaskExecutor;
import io.sergeant.spi.execution.TaskResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The semantics every {@link TaskExecutor} must keep (docs/python-compat.md §5.3, §5.4; DESIGN.md "Execution"):
 * every outcome the runner returns comes back; each submitted task runs exactly once; at most
 * {@code concurrency} tasks run at once; tasks past their timeout come back as timeouts; a task that
 * ignores its interrupt past the grace period is killed (the future completes with a timeout) or makes
 * the executor {@linkplain TaskExecutor#respawnRequested() ask for a respawn}; a timed-out task leaves
 * no trace on the next one; {@code close()} waits for running tasks and returns in bounded time.
 *
 * <p>An implementation's test extends this class and names its factories:
 * <pre>{@code
 * class ThreadExecutorTest extends ExecutorCompatibilitySuite {
 *     protected ExecutorFactory executorFactory() { return new ThreadExecutorFactory(); }
 *     protected KillerFactory killerFactory() { return new ThreadKillerFactory(); }
 * }
 * }</pre>
 * Tasks run through a {@link ScriptedTaskRunner} that records every run in a journal file (one per
 * {@link #open}), and the suite observes the tasks through that journal, so the same scenarios hold
 * whether the executor calls the context's runner on its own threads or runs the tasks in other
 * processes. The context names {@link ScriptedTaskRunner} as the worker class and the journal's file as
 * the only worker argument: a child process hosts the runner through {@link ScriptedRunnerHost} (a
 * {@link io.sergeant.spi.execution.ChildRuntimeProvider} of this kit), records in the same file, and
 * decodes tasks with the context's codec, a {@link SimpleTaskCodec}. The whole suite takes about ten
 * seconds on threads, longer where each test starts child processes; timing bounds are generous.
 *
 * <p>Subclasses may use {@link #open} in their own tests; what it opens is closed after each test.
 */
public abstract class ExecutorCompatibilitySuite {

    /** Timeouts disabled. */
    protected static final Timeouts NO_TIMEOUTS = Timeouts.DEFAULT;

    private static final long GENEROUS_SECONDS = 30;

    private final List<Setup> opened = new ArrayList<>();

    /** The executor factory under test. */
    protected abstract ExecutorFactory executorFactory();

    /** The killer factory the executor is paired with. */
    protected abstract KillerFactory killerFactory();

    /** Creates the executor under test; by default through {@link #executorFactory()}. */
    protected TaskExecutor createExecutor(ExecutorSpec spec, ExecutionContext context) {
        return executorFactory().create(spec, context);
    }

    /** The executor's options; none by default. */
    protected PluginOptions executorOptions() {
        return new PluginOptions("executor '" + executorFactory().name() + "'", Map.of());
    }

    /**
     * What one test uses: a fresh runner, a killer for the timeouts and the executor under test.
     *
     * @param runner   the scripted runner the executor calls
     * @param killer   the killer
     * @param executor the executor
     */
    protected record Setup(ScriptedTaskRunner runner, Killer killer, TaskExecutor executor) {
    }

    /**
     * Opens an executor of this concurrency, with a fresh runner (recording in a fresh journal file) and a
     * killer for these timeouts.
     */
    protected final Setup open(int concurrency, Timeouts timeouts) {
        Path journal = newJournalFile();
        ScriptedTaskRunner runner = new ScriptedTaskRunner(journal);
        PluginContext pluginContext = PluginContext.defaults();
        Killer killer = killerFactory().create(timeouts, pluginContext);
        ExecutionContext context = new ExecutionContext(runner, killer, new SimpleTaskCodec(),
                ScriptedTaskRunner.class.getName(), List.of(journal.toString()), pluginContext);
        TaskExecutor executor;
        try {
            executor = createExecutor(new ExecutorSpec(concurrency, timeouts, executorOptions()), context);
        } catch (RuntimeException | Error e) {
            killer.close();
            throw e;
        }
        Setup setup = new Setup(runner, killer, executor);
        opened.add(setup);
        return setup;
    }

    /**
     * A journal file in a fresh temporary folder. Both stay until the JVM exits: a task that ignored its
     * interrupt may still end, and record its end, after the test that started it.
     */
    private static Path newJournalFile() {
        try {
            Path folder = Files.createTempDirectory("sergeant-executor-suite");
            folder.toFile().deleteOnExit();
            Path journal = folder.resolve("runs.journal");
            journal.toFile().deleteOnExit();
            return journal;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for the run journal", e);
        }
    }

    /** Closes every executor, then every killer, opened by the test. */
    @AfterEach
    protected void closeOpened() {
        for (Setup setup : opened) {
            setup.executor().close();
            setup.killer().close();
        }
        opened.clear();
    }

    /** Timeouts with a timeout and grace period in milliseconds. */
    protected static Timeouts timeouts(long timeoutMillis, long graceMillis) {
        return new Timeouts(Duration.ofMillis(timeoutMillis), Duration.ofMillis(graceMillis));
    }

    /** Waits (generously) for a future that must complete normally. */
    protected static TaskResult await(CompletableFuture<TaskResult> future) {
        try {
            return future.get(GENEROUS_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a task result", e);
        } catch (ExecutionException e) {
            throw new AssertionError("the future of a task completed exceptionally; it must always complete"
                    + " normally with a TaskResult", e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no task result within " + GENEROUS_SECONDS + " s", e);
        }
    }

    /**
     * Submits every task, keeping at most {@code executor.concurrency()} outstanding as the worker does,
     * and returns the results in task order.
     */
    protected static List<TaskResult> runAll(TaskExecutor executor, List<Task> tasks) {
        Semaphore slots = new Semaphore(executor.concurrency());
        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
        for (Task task : tasks) {
            try {
                if (!slots.tryAcquire(GENEROUS_SECONDS, TimeUnit.SECONDS)) {
                    fail("no task completed within " + GENEROUS_SECONDS + " s to free a slot");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while submitting", e);
            }
            CompletableFuture<TaskResult> future = executor.submit(task);
            future.whenComplete((result, error) -> slots.release());
            futures.add(future);
        }
        return futures.stream().map(ExecutorCompatibilitySuite::await).toList();
    }

    @Test
    void everyOutcomeTheRunnerReturnsComesBackInTheResult() {
        Setup setup = open(2, NO_TIMEOUTS);
        List<Task> tasks = new ArrayList<>();
        for (Outcome outcome : Outcome.values()) {
            tasks.add(ScriptedTaskRunner.outcome(outcome.ordinal(), outcome));
        }

        List<TaskResult> results = runAll(setup.executor(), tasks);

        for (int i = 0; i < tasks.size(); i++) {
            assertThat(results.get(i).task()).isEqualTo(tasks.get(i));
            assertThat(results.get(i).outcome()).isEqualTo(Outcome.values()[i]);
        }
    }

    @Test
    void aFailingTaskComesBackAsAFailureWithItsError() {
        Setup setup = open(1, NO_TIMEOUTS);

        TaskResult result = await(setup.executor().submit(ScriptedTaskRunner.fail(1)));

        assertThat(result.outcome()).isEqualTo(Outcome.FAILURE);
        assertThat(result.error()).contains("scripted failure of task 1");
    }

    @Test
    void aRunnerThatThrowsStillCompletesTheFutureNormallyWithAFailure() {
        Setup setup = open(1, NO_TIMEOUTS);
        Task crash = ScriptedTaskRunner.crash(1);

        TaskResult result = await(setup.executor().submit(crash));
        TaskResult next = await(setup.executor().submit(ScriptedTaskRunner.succeed(2)));

        assertThat(result.task()).isEqualTo(crash);
        assertThat(result.outcome()).isEqualTo(Outcome.FAILURE);
        assertThat(result.error()).contains("scripted crash");
        assertThat(next.outcome()).as("the executor keeps working after a runner failure").isEqualTo(Outcome.SUCCESS);
    }

    @Test
    void aHundredTasksAtConcurrencyTenRunExactlyOnceEach() {
        Setup setup = open(10, NO_TIMEOUTS);
        List<Task> tasks = new ArrayList<>();
        for (int id = 0; id < 100; id++) {
            tasks.add(ScriptedTaskRunner.sleep(id, 10));
        }

        List<TaskResult> results = runAll(setup.executor(), tasks);

        assertThat(results).extracting(TaskResult::outcome).containsOnly(Outcome.SUCCESS);
        assertThat(setup.runner().executionCounts()).hasSize(100).allSatisfy((id, count) ->
                assertThat(count).as("executions of task %d", id).isEqualTo(1));
        assertThat(setup.runner().maxConcurrency()).isBetween(2, 10);
    }

    @Test
    void concurrencyIsNeverExceeded() {
        Setup setup = open(3, NO_TIMEOUTS);
        List<Task> tasks = new ArrayList<>();
        for (int id = 0; id < 30; id++) {
            tasks.add(ScriptedTaskRunner.sleep(id, 20));
        }

        runAll(setup.executor(), tasks);

        assertThat(setup.executor().concurrency()).isEqualTo(3);
        assertThat(setup.runner().maxConcurrency()).isBetween(1, 3);
        assertThat(setup.runner().executionCounts()).hasSize(30);
    }

    @Test
    void tenHangingTasksAtConcurrencyTenAllTimeOut() {
        Setup setup = open(10, timeouts(300, 10_000));
        List<Task> tasks = new ArrayList<>();
        for (int id = 0; id < 10; id++) {
            tasks.add(ScriptedTaskRunner.sleep(id, 60_000));
        }
        long start = System.nanoTime();

        List<TaskResult> results = runAll(setup.executor(), tasks);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        assertThat(results).extracting(TaskResult::outcome).containsOnly(Outcome.TIMEOUT);
        assertThat(setup.runner().executionCounts()).hasSize(10).allSatisfy((id, count) -> assertThat(count).isEqualTo(1));
        assertThat(setup.executor().respawnRequested())
                .as("tasks that answered their interrupt need no respawn").isFalse();
    }

    @Test
    void aTaskThatIgnoresItsInterruptIsKilledOrMakesTheExecutorAskForARespawn() {
        long spinMillis = 4_000;
        Setup setup = open(1, timeouts(200, 300));
        TaskExecutor executor = setup.executor();

        CompletableFuture<TaskResult> future = executor.submit(ScriptedTaskRunner.spin(1, spinMillis));

        boolean killed = Eventually.holds(Duration.ofMillis(spinMillis - 500),
                () -> executor.respawnRequested() || future.isDone());
        assertThat(killed).as("kill() took effect after timeout + grace (0.5 s), before the task ended by itself").isTrue();
        if (future.isDone()) {
            assertThat(await(future).outcome()).as("a killed task is reported as timed out").isEqualTo(Outcome.TIMEOUT);
        }
        long closing = System.nanoTime();
        executor.close();
        assertThat(Duration.ofNanos(System.nanoTime() - closing)).as("close() with a stuck task")
                .isLessThan(Duration.ofSeconds(10));
        assertThat(await(future).outcome()).isEqualTo(Outcome.TIMEOUT);
    }

    @Test
    void aTimedOutTaskLeavesNoTraceOnTheNextTask() {
        Setup setup = open(1, timeouts(300, 10_000));
        TaskExecutor executor = setup.executor();

        TaskResult hanging = await(executor.submit(ScriptedTaskRunner.sleep(1, 60_000)));
        TaskResult sleeping = await(executor.submit(ScriptedTaskRunner.sleep(2, 50)));
        TaskResult quick = await(executor.submit(ScriptedTaskRunner.succeed(3)));

        assertThat(hanging.outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(sleeping.outcome()).as("no stale interrupt or timeout reaches the next task").isEqualTo(Outcome.SUCCESS);
        assertThat(quick.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(executor.respawnRequested()).isFalse();
    }

    @Test
    void aTaskWithinItsTimeoutSucceeds() {
        Setup setup = open(2, timeouts(5_000, 10_000));

        List<TaskResult> results = runAll(setup.executor(), List.of(
                ScriptedTaskRunner.sleep(1, 50), ScriptedTaskRunner.succeed(2), ScriptedTaskRunner.fail(3)));

        assertThat(results).extracting(TaskResult::outcome)
                .containsExactly(Outcome.SUCCESS, Outcome.SUCCESS, Outcome.FAILURE);
    }

    @Test
    void closeWaitsForRunningTasks() {
        Setup setup = open(3, NO_TIMEOUTS);
        TaskExecutor executor = setup.executor();
        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
        for (int id = 0; id < 3; id++) {
            futures.add(executor.submit(ScriptedTaskRunner.sleep(id, 300)));
        }
        assertThat(Eventually.holds(Duration.ofSeconds(GENEROUS_SECONDS), () -> setup.runner().executionCounts().size() == 3))
                .as("all three tasks started").isTrue();

        executor.close();

        assertThat(futures).allSatisfy(future -> {
            assertThat(future).as("completed when close() returned").isDone();
            assertThat(await(future).outcome()).isEqualTo(Outcome.SUCCESS);
        });
    }

    @Test
    void closeIsIdempotentAndReturnsPromptlyWhenIdle() {
        Setup setup = open(4, timeouts(1_000, 1_000));
        await(setup.executor().submit(ScriptedTaskRunner.succeed(1)));
        long start = System.nanoTime();

        setup.executor().close();
        setup.executor().close();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(setup.executor().respawnRequested()).isFalse();
    }
}
