package io.sergeant.executor.process;

import io.sergeant.api.Task;
import io.sergeant.api.config.Timeouts;
import io.sergeant.core.worker.CoreChildRuntimeProvider;
import io.sergeant.testkit.workers.Events;
import io.sergeant.testkit.workers.ScriptWorker;
import io.sergeant.executor.thread.ThreadExecutorFactory;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.execution.ChildRuntime;
import io.sergeant.spi.execution.ExecutionContext;
import io.sergeant.spi.execution.ExecutorFactory;
import io.sergeant.spi.execution.ExecutorSpec;
import io.sergeant.spi.execution.Killer;
import io.sergeant.spi.execution.Outcome;
import io.sergeant.spi.execution.TaskCodec;
import io.sergeant.spi.execution.TaskExecutor;
import io.sergeant.spi.execution.TaskResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The process executor driven directly through the SPI with core's real task runner: option errors, a
 * child that cannot open the worker, and the measurements for the notes (per-task overhead against the
 * thread executor on no-op tasks, time from timeout to kill and to a fresh child). Figures are printed,
 * never asserted.
 */
class ExecutorOverheadTest {

    private static final int TASKS = 5_000;
    private static final int WARM_UP = 30_000;
    private static final int ROUNDS = 5;

    @TempDir
    Path dir;

    private ChildRuntime local;
    private Killer killer;

    @BeforeEach
    void openLocalRuntime() {
        new Events(dir);
        // The no-argument ScriptWorker, here and in the children, finds its directory in this property.
        System.setProperty(ScriptWorker.DIR_PROPERTY, dir.toString());
        local = new CoreChildRuntimeProvider().open(ScriptWorker.class.getName(), List.of());
    }

    @AfterEach
    void close() {
        if (killer != null) {
            killer.close();
        }
        local.close();
        System.clearProperty(ScriptWorker.DIR_PROPERTY);
    }

    /**
     * Prints two figures per executor: the first {@value #TASKS} tasks after 1,000 warm-up tasks (which for
     * the process executor still include most of the children's and the parent's JIT compilation), and the
     * steady state, the median (and range) of {@value #ROUNDS} rounds of {@value #TASKS} tasks after
     * {@value #WARM_UP} more.
     */
    @Test
    void perTaskOverheadOfTheProcessExecutorAgainstTheThreadExecutor() {
        ExecutionContext context = context(ScriptWorker.class.getName(), Timeouts.DEFAULT);
        StringBuilder report = new StringBuilder("executor overhead, no-op tasks through core's runner"
                + " (first " + TASKS + " after 1,000 warm-up; steady: median [range] of " + ROUNDS + " rounds of " + TASKS
                + " after " + WARM_UP + " more):\n");
        for (int concurrency : new int[] {1, 2}) {
            for (ExecutorFactory factory : List.of(new ThreadExecutorFactory(), new ProcessExecutorFactory())) {
                long started = System.nanoTime();
                try (TaskExecutor executor = factory.create(spec(factory, concurrency, Timeouts.DEFAULT, Map.of()), context)) {
                    long ready = System.nanoTime();
                    runNoops(executor, 1_000);
                    double first = microsPerTask(executor);
                    runNoops(executor, WARM_UP);
                    double[] rounds = new double[ROUNDS];
                    for (int round = 0; round < ROUNDS; round++) {
                        rounds[round] = microsPerTask(executor);
                    }
                    java.util.Arrays.sort(rounds);
                    report.append(String.format("  %-7s concurrency %d: first %7.1f us/task, steady %7.1f us/task [%.1f-%.1f]"
                                    + " (%,.0f tasks/s), start-up %d ms%n", factory.name(), concurrency, first,
                            rounds[ROUNDS / 2], rounds[0], rounds[ROUNDS - 1], 1e6 / rounds[ROUNDS / 2],
                            (ready - started) / 1_000_000));
                }
            }
        }
        System.out.print(report);
    }

    private static double microsPerTask(TaskExecutor executor) {
        long start = System.nanoTime();
        runNoops(executor, TASKS);
        return (System.nanoTime() - start) / 1e3 / TASKS;
    }

    @Test
    void timeFromTimeoutToKillAndToAFreshChild() throws Exception {
        Timeouts timeouts = new Timeouts(Duration.ofMillis(500), Duration.ofMillis(500));
        ExecutionContext context = context(ScriptWorker.class.getName(), timeouts);
        ProcessExecutorFactory factory = new ProcessExecutorFactory();
        try (TaskExecutor executor = factory.create(spec(factory, 1, timeouts, Map.of()), context)) {
            long submitted = System.nanoTime();
            TaskResult spun = executor.submit(Task.of(ScriptWorker.task(1, "spin"))).get(60, TimeUnit.SECONDS);
            long reported = System.nanoTime();
            TaskResult next = executor.submit(Task.of(ScriptWorker.task(2, "noop"))).get(60, TimeUnit.SECONDS);
            long replaced = System.nanoTime();

            assertThat(spun.outcome()).isEqualTo(Outcome.TIMEOUT);
            assertThat(next.outcome()).isEqualTo(Outcome.SUCCESS);
            System.out.printf("process killer: timeout 500 ms + grace 500 ms; task reported timed out %d ms after the"
                            + " deadline (kill, reap, onTimeout in the parent); next task done %d ms later (fresh child start)%n",
                    (reported - submitted) / 1_000_000 - 1_000, (replaced - reported) / 1_000_000);
        }
    }

    @Test
    void aTaskSubmittedWithItsPoppedBytesRunsInAChildFromThoseBytesWithoutBeingEncodedAgain() throws Exception {
        Events events = new Events(dir);
        AtomicInteger encodes = new AtomicInteger();
        TaskCodec counting = new TaskCodec() {
            @Override
            public byte[] encode(Task task) {
                encodes.incrementAndGet();
                return local.codec().encode(task);
            }

            @Override
            public Task decode(byte[] data) {
                return local.codec().decode(data);
            }
        };
        killer = new ProcessKillerFactory().create(Timeouts.DEFAULT, PluginContext.defaults());
        ExecutionContext context = new ExecutionContext(local.runner(), killer, counting, ScriptWorker.class.getName(),
                List.of(), PluginContext.defaults());
        ProcessExecutorFactory factory = new ProcessExecutorFactory();
        try (TaskExecutor executor = factory.create(spec(factory, 1, Timeouts.DEFAULT, Map.of()), context)) {
            Task seven = Task.of(ScriptWorker.task(7, "succeed"));
            byte[] popped = local.codec().encode(seven);

            assertThat(executor.submit(seven, popped).get(60, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(encodes).as("the parent did not encode the task again").hasValue(0);
            assertThat(events.pids("ran", 7)).as("task 7 ran once, in a child")
                    .singleElement().isNotEqualTo(ProcessHandle.current().pid());

            assertThat(executor.submit(Task.of(ScriptWorker.task(8, "succeed"))).get(60, TimeUnit.SECONDS).outcome())
                    .isEqualTo(Outcome.SUCCESS);
            assertThat(encodes).as("a task without its bytes is encoded once").hasValue(1);
        }
    }

    @Test
    void unknownOptionsAndAZeroStartTimeoutAreConfigurationErrors() {
        ExecutionContext context = context(ScriptWorker.class.getName(), Timeouts.DEFAULT);
        ProcessExecutorFactory factory = new ProcessExecutorFactory();

        assertThatThrownBy(() -> factory.create(spec(factory, 1, Timeouts.DEFAULT, Map.of("children", "2")), context))
                .hasMessageContaining("children").hasMessageContaining("jvmOptions");
        assertThatThrownBy(() -> factory.create(spec(factory, 1, Timeouts.DEFAULT, Map.of("startTimeout", "0s")), context))
                .hasMessageContaining("startTimeout");
    }

    @Test
    void aWorkerClassChildrenCannotOpenFailsTheExecutorWithTheChildsReason() {
        ExecutionContext context = context("com.example.NoSuchWorker", Timeouts.DEFAULT);
        ProcessExecutorFactory factory = new ProcessExecutorFactory();

        assertThatThrownBy(() -> factory.create(spec(factory, 2, Timeouts.DEFAULT, Map.of()), context))
                .isInstanceOfSatisfying(io.sergeant.api.SergeantException.class,
                        e -> assertThat(e.code()).isEqualTo(io.sergeant.api.ErrorCode.EXECUTION_FAILED))
                .hasMessageContaining("com.example.NoSuchWorker");
    }

    private ExecutionContext context(String workerClass, Timeouts timeouts) {
        killer = new ProcessKillerFactory().create(timeouts, PluginContext.defaults());
        return new ExecutionContext(local.runner(), killer, local.codec(), workerClass, List.of(), PluginContext.defaults());
    }

    private static ExecutorSpec spec(ExecutorFactory factory, int concurrency, Timeouts timeouts, Map<String, String> options) {
        Map<String, String> all = new java.util.HashMap<>(options);
        if (factory instanceof ProcessExecutorFactory && !all.containsKey(ProcessExecutorFactory.JVM_OPTIONS)) {
            all.put(ProcessExecutorFactory.JVM_OPTIONS, ProcessExecutorFactory.DEFAULT_JVM_OPTIONS);
        }
        return new ExecutorSpec(concurrency, timeouts, new PluginOptions("executor '" + factory.name() + "'", all));
    }

    private static void runNoops(TaskExecutor executor, int count) {
        Semaphore slots = new Semaphore(executor.concurrency());
        List<CompletableFuture<TaskResult>> futures = new ArrayList<>(count);
        for (int id = 0; id < count; id++) {
            slots.acquireUninterruptibly();
            CompletableFuture<TaskResult> future = executor.submit(Task.of(ScriptWorker.task(id, "noop")));
            future.whenComplete((result, error) -> slots.release());
            futures.add(future);
        }
        futures.forEach(future -> assertThat(future.join().outcome()).isEqualTo(Outcome.SUCCESS));
    }
}
