package io.sergeant.executor.process;

import io.sergeant.api.Task;
import io.sergeant.spi.PluginOptions;
import io.sergeant.api.config.Timeouts;
import io.sergeant.core.worker.CoreChildRuntimeProvider;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.execution.ChildRuntime;
import io.sergeant.spi.execution.ExecutionContext;
import io.sergeant.spi.execution.ExecutorSpec;
import io.sergeant.spi.execution.Killer;
import io.sergeant.spi.execution.Outcome;
import io.sergeant.spi.execution.TaskExecutor;
import io.sergeant.spi.execution.TaskResult;
import io.sergeant.testkit.workers.Events;
import io.sergeant.testkit.workers.ScriptWorker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A child that stops reading its channel (stopped with {@code SIGSTOP}, as a debugger, a frozen cgroup or
 * an overloaded host stops it) while the parent hands it a task whose frame (512 KiB) cannot fit in the
 * pipe. {@code submit} is called by the worker's loop, so it must return while the child stays stopped;
 * then the task ends the way the child's fate decides: resumed, the child reads and runs it; killed by the
 * killer at timeout plus grace, it is reported timed out (the killer's interrupt must not hang behind the
 * write either); killed by someone else before it read the task, the task never ran and the next child
 * runs it, once. Real child JVMs and real signals (Linux {@code kill}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ChildThatStopsReadingTest {

    private static final long GENEROUS_SECONDS = 60;
    /** Far more than a pipe holds (64 KiB by default on Linux), within the codec's string limit (10^6 bytes). */
    private static final String PADDING = "x".repeat(1 << 19);

    @TempDir
    Path dir;

    private ChildRuntime local;
    private Killer killer;
    private Long stopped;

    @BeforeEach
    void openLocalRuntime() {
        new Events(dir);
        System.setProperty(ScriptWorker.DIR_PROPERTY, dir.toString());
        local = new CoreChildRuntimeProvider().open(ScriptWorker.class.getName(), List.of());
    }

    @AfterEach
    void close() throws Exception {
        if (stopped != null) {
            signal("KILL", stopped); // a test that failed half-way must not leave a stopped JVM behind
        }
        if (killer != null) {
            killer.close();
        }
        local.close();
        System.clearProperty(ScriptWorker.DIR_PROPERTY);
    }

    @Test
    void submitReturnsWhileTheChildIsStoppedAndTheResumedChildRunsTheTask() throws Exception {
        Events events = new Events(dir);
        try (ProcessExecutor executor = start(Timeouts.DEFAULT)) {
            long pid = warmChild(executor);
            CompletableFuture<TaskResult> big = stopAndSubmitABigTask(executor, pid);
            assertThat(big).as("the task of a stopped child").isNotDone();

            resume(pid);
            TaskResult result = big.get(GENEROUS_SECONDS, TimeUnit.SECONDS);
            assertThat(result.outcome()).as("the big task's outcome (" + result.error() + ")").isEqualTo(Outcome.SUCCESS);
            assertThat(events.pids("ran", 2)).as("the big task ran once, in the child that was stopped").containsExactly(pid);
            assertThat(executor.submit(Task.of(ScriptWorker.task(3, "succeed"))).get(GENEROUS_SECONDS, TimeUnit.SECONDS)
                    .outcome()).as("a small task after it, in the same child").isEqualTo(Outcome.SUCCESS);
            assertThat(events.pids("ran", 3)).containsExactly(pid);
        }
    }

    @Test
    void theKillerEndsAStoppedChildsTaskAsTimedOutAndAFreshChildRunsTheNext() throws Exception {
        Events events = new Events(dir);
        try (ProcessExecutor executor = start(new Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1)))) {
            long pid = warmChild(executor);
            CompletableFuture<TaskResult> big = stopAndSubmitABigTask(executor, pid);

            // The killer interrupts at the timeout (the interrupt frame queues behind the task's) and kills
            // the stopped child after the grace period; the write breaks with the pipe.
            assertThat(big.get(GENEROUS_SECONDS, TimeUnit.SECONDS).outcome()).as("the task of the stopped child")
                    .isEqualTo(Outcome.TIMEOUT);
            stopped = null;
            assertThat(events.pids("ran", 2)).as("the stopped child never ran it").isEmpty();
            assertThat(executor.submit(Task.of(ScriptWorker.task(3, "succeed"))).get(GENEROUS_SECONDS, TimeUnit.SECONDS)
                    .outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(events.pids("ran", 3)).as("the next task runs in a fresh child").singleElement().isNotEqualTo(pid);
        }
    }

    @Test
    void aChildKilledBeforeItReadItsTaskHandsTheTaskToTheNextChildWhichRunsItOnce() throws Exception {
        Events events = new Events(dir);
        try (ProcessExecutor executor = start(Timeouts.DEFAULT)) {
            long pid = warmChild(executor);
            CompletableFuture<TaskResult> big = stopAndSubmitABigTask(executor, pid);
            signal("KILL", pid); // not the killer's doing: no timeout is set
            stopped = null;

            TaskResult result = big.get(GENEROUS_SECONDS, TimeUnit.SECONDS);
            assertThat(result.outcome()).as("the task whose frame never reached its child whole (" + result.error() + ")")
                    .isEqualTo(Outcome.SUCCESS);
            assertThat(events.pids("ran", 2)).as("it ran once, in the replacement child").singleElement().isNotEqualTo(pid);
        }
    }

    /**
     * Stops the child, submits task 2 with a frame far larger than a pipe on a thread of its own, and checks
     * that submit returned while the child is still stopped; returns the task's future.
     */
    private CompletableFuture<TaskResult> stopAndSubmitABigTask(ProcessExecutor executor, long pid) throws Exception {
        stop(pid);
        CompletableFuture<TaskResult> big = submitReturning(executor, ScriptWorker.task(2, "succeed", "pad", PADDING));
        assertThat(state(pid)).as("the child is still stopped after submit returned").isEqualTo('T');
        return big;
    }

    /** Runs a small task; returns the pid of the one child, which ran it. */
    private static long warmChild(ProcessExecutor executor) throws Exception {
        assertThat(executor.childPids()).hasSize(1);
        long pid = executor.childPids().get(0);
        assertThat(executor.submit(Task.of(ScriptWorker.task(1, "succeed"))).get(GENEROUS_SECONDS, TimeUnit.SECONDS)
                .outcome()).isEqualTo(Outcome.SUCCESS);
        return pid;
    }

    /** Calls submit on a thread of its own and returns its future once the call returned (fails if it does not). */
    static CompletableFuture<TaskResult> submitReturning(ProcessExecutor executor, Map<String, Object> kwargs)
            throws InterruptedException {
        AtomicReference<CompletableFuture<TaskResult>> future = new AtomicReference<>();
        Thread loop = new Thread(() -> future.set(executor.submit(Task.of(kwargs))), "worker-loop");
        loop.setDaemon(true);
        loop.start();
        loop.join(TimeUnit.SECONDS.toMillis(GENEROUS_SECONDS));
        assertThat(loop.isAlive()).as("submit is still blocked in the worker's loop thread: " + stackOf(loop)).isFalse();
        assertThat(future.get()).isNotNull();
        return future.get();
    }

    /** The thread's stack, one {@code at} line per frame, for failure messages. */
    static String stackOf(Thread thread) {
        StringBuilder stack = new StringBuilder();
        for (StackTraceElement element : thread.getStackTrace()) {
            stack.append("\n\tat ").append(element);
        }
        return stack.toString();
    }

    private void stop(long pid) throws Exception {
        signal("STOP", pid);
        stopped = pid;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GENEROUS_SECONDS);
        while (state(pid) != 'T') {
            assertThat(System.nanoTime()).as("child " + pid + " stopped").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private void resume(long pid) throws Exception {
        signal("CONT", pid);
        stopped = null;
    }

    private static void signal(String name, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true).start();
        assertThat(kill.waitFor(GENEROUS_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    /** The process state letter from {@code /proc/<pid>/stat} ({@code T}: stopped). */
    private static char state(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }

    private ProcessExecutor start(Timeouts timeouts) {
        killer = new ProcessKillerFactory().create(timeouts, PluginContext.defaults());
        ExecutionContext context = new ExecutionContext(local.runner(), killer, local.codec(), ScriptWorker.class.getName(),
                List.of(), PluginContext.defaults());
        ProcessExecutorFactory factory = new ProcessExecutorFactory();
        ExecutorSpec spec = new ExecutorSpec(1, timeouts, new PluginOptions("executor 'process'",
                Map.of(ProcessExecutorFactory.JVM_OPTIONS, ProcessExecutorFactory.DEFAULT_JVM_OPTIONS)));
        TaskExecutor executor = factory.create(spec, context);
        assertThat(executor).isInstanceOf(ProcessExecutor.class);
        return (ProcessExecutor) executor;
    }
}
