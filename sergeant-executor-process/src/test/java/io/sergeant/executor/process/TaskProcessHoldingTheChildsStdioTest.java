package io.sergeant.executor.process;

import io.sergeant.api.Task;
import io.sergeant.api.config.Timeouts;
import io.sergeant.core.worker.CoreChildRuntimeProvider;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.execution.ChildRuntime;
import io.sergeant.spi.execution.ExecutionContext;
import io.sergeant.spi.execution.ExecutorSpec;
import io.sergeant.spi.execution.Killer;
import io.sergeant.spi.execution.Outcome;
import io.sergeant.spi.execution.TaskResult;
import io.sergeant.testkit.workers.Events;
import io.sergeant.testkit.workers.ScriptWorker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A task starts a process that inherits the child's stdin and stdout and leaves the child's process group
 * ({@code setsid sleep 600}), then the child dies: by someone's {@code SIGKILL} while the parent's writer
 * thread is blocked on a task frame the stopped child did not read, or by the killer at timeout plus grace.
 * The process the task started lives on, so if it held the channel, the parent would never see the child's
 * end (its reader thread and the task's future would wait for as long as {@code sleep} lives) and the
 * writer would stay blocked on a pipe that still has a reader. The child keeps its channel off its
 * standard descriptors, so: the task ends as its fate says, the executor goes on with a fresh child, and
 * after {@code close} no thread of the executor's is left. Real child JVMs, real signals (Linux).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TaskProcessHoldingTheChildsStdioTest {

    private static final long GENEROUS_SECONDS = 60;
    /** Far more than a pipe holds (64 KiB by default on Linux), within the codec's string limit. */
    private static final String PADDING = "x".repeat(1 << 19);

    @TempDir
    Path dir;

    private ChildRuntime local;
    private Killer killer;
    private final List<Long> leftToKill = new ArrayList<>();
    private Set<Thread> before;

    @BeforeEach
    void openLocalRuntime() {
        new Events(dir);
        System.setProperty(ScriptWorker.DIR_PROPERTY, dir.toString());
        local = new CoreChildRuntimeProvider().open(InheritingWorker.class.getName(), List.of());
        before = Thread.getAllStackTraces().keySet();
    }

    @AfterEach
    void close() throws Exception {
        for (long pid : leftToKill) {
            signal("KILL", pid); // the escaped sleeps and a stopped child of a test that failed half-way
        }
        if (killer != null) {
            killer.close();
        }
        local.close();
        System.clearProperty(ScriptWorker.DIR_PROPERTY);
    }

    @Test
    void aChildKilledWhileItsWriterIsBlockedHandsTheTaskToAFreshChildAndLeavesNoThreadBehind() throws Exception {
        Events events = new Events(dir);
        try (ProcessExecutor executor = start(Timeouts.DEFAULT)) {
            long pid = executor.childPids().get(0);
            long sleep = spawnInheriting(executor, events);

            signal("STOP", pid);
            leftToKill.add(pid);
            CompletableFuture<TaskResult> big = ChildThatStopsReadingTest.submitReturning(executor, ScriptWorker.task(2, "succeed", "pad", PADDING));
            assertThat(writers(pid)).as("a writer thread is blocked on the stopped child's pipe").isNotEmpty();
            signal("KILL", pid);

            TaskResult result = big.get(GENEROUS_SECONDS, TimeUnit.SECONDS);
            assertThat(result.outcome()).as("the task whose frame never reached the killed child whole (" + result.error() + ")")
                    .isEqualTo(Outcome.SUCCESS);
            assertThat(events.pids("ran", 2)).as("it ran once, in a fresh child").singleElement().isNotEqualTo(pid);
            assertThat(alive(sleep)).as("the process the task started outlived the child (else this test proves nothing)").isTrue();
            awaitNoWriter(pid);
        }
        awaitNoThreadOfTheExecutor();
    }

    @Test
    void theKillerEndsAChildWhoseTaskProcessHoldsItsStdioAndTheTaskIsReportedTimedOut() throws Exception {
        Events events = new Events(dir);
        try (ProcessExecutor executor = start(new Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1)))) {
            long pid = executor.childPids().get(0);
            long sleep = spawnInheriting(executor, events);

            // Ignores its interrupt (a spin), so the killer kills the child after the grace period.
            TaskResult result = executor.submit(Task.of(ScriptWorker.task(2, "spin")))
                    .get(GENEROUS_SECONDS, TimeUnit.SECONDS);
            assertThat(result.outcome()).as("the spinning task (" + result.error() + ")").isEqualTo(Outcome.TIMEOUT);
            assertThat(alive(sleep)).as("the process the task started outlived the child (else this test proves nothing)").isTrue();
            assertThat(executor.submit(Task.of(ScriptWorker.task(3, "succeed"))).get(GENEROUS_SECONDS, TimeUnit.SECONDS)
                    .outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(events.pids("ran", 3)).as("the next task runs in a fresh child").singleElement().isNotEqualTo(pid);
        }
        awaitNoThreadOfTheExecutor();
    }

    /** Runs task 1, which starts the inheriting sleep; returns the sleep's pid (killed after the test). */
    private long spawnInheriting(ProcessExecutor executor, Events events) throws Exception {
        assertThat(executor.submit(Task.of(ScriptWorker.task(1, "spawn-inheriting"))).get(GENEROUS_SECONDS, TimeUnit.SECONDS)
                .outcome()).isEqualTo(Outcome.SUCCESS);
        long sleep = events.lifecyclePids("inheriting").iterator().next();
        leftToKill.add(sleep);
        assertThat(alive(sleep)).isTrue();
        return sleep;
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static List<Thread> writers(long pid) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("sergeant-child-writer-" + pid) && thread.isAlive()).toList();
    }

    private static void awaitNoWriter(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GENEROUS_SECONDS);
        while (!writers(pid).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(writers(pid)).as("the writer to the killed child ended: " + describe(writers(pid))).isEmpty();
    }

    /** No thread started during the test whose name is one of the executor's is alive (they end soon after close). */
    private void awaitNoThreadOfTheExecutor() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GENEROUS_SECONDS);
        List<Thread> left = ours();
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            left = ours();
        }
        assertThat(left).as("threads of the executor left after close: " + describe(left)).isEmpty();
    }

    private List<Thread> ours() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> !before.contains(thread) && thread.isAlive() && thread.getName().startsWith("sergeant-child-"))
                .toList();
    }

    private static String describe(List<Thread> threads) {
        return threads.stream().map(thread -> thread.getName() + " " + thread.getState() + ChildThatStopsReadingTest.stackOf(thread))
                .collect(Collectors.joining("\n"));
    }

    private static void signal(String name, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true).start();
        assertThat(kill.waitFor(GENEROUS_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    private ProcessExecutor start(Timeouts timeouts) {
        killer = new ProcessKillerFactory().create(timeouts, PluginContext.defaults());
        ExecutionContext context = new ExecutionContext(local.runner(), killer, local.codec(), InheritingWorker.class.getName(),
                List.of(), PluginContext.defaults());
        ExecutorSpec spec = new ExecutorSpec(1, timeouts, new PluginOptions("executor 'process'",
                Map.of(ProcessExecutorFactory.JVM_OPTIONS, ProcessExecutorFactory.DEFAULT_JVM_OPTIONS)));
        return (ProcessExecutor) new ProcessExecutorFactory().create(spec, context);
    }
}
