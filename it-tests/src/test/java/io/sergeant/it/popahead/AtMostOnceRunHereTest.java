package io.sergeant.it.popahead;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.observe.SergeantListener;
import io.sergeant.api.worker.Worker;
import io.sergeant.it.popahead.LoopThreadFixtures.Pops;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.core.worker.WorkerRuntime;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

import static io.sergeant.it.popahead.LoopThreadFixtures.assertTheRestRunsOnceInASecondWorker;
import static io.sergeant.it.popahead.LoopThreadFixtures.id;
import static io.sergeant.it.popahead.LoopThreadFixtures.push;
import static io.sergeant.it.popahead.LoopThreadFixtures.queueLength;
import static io.sergeant.it.popahead.LoopThreadFixtures.run;
import static io.sergeant.it.popahead.LoopThreadFixtures.worker;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One-thread at-most-once runs its tasks on the loop thread (docs/decisions.md, "One-thread at-most-once runs its
 * tasks on the loop thread"), on a real redis-server and real SQLite files: with the thread executor, one thread and
 * no timeout, every task runs on the thread that runs the worker loop, between whole-batch pops, exactly once and
 * never more than one batch held (two on Redis); a stop mid-batch hands the rest back; a stop that interrupts running tasks hands the
 * interrupted task back and leaves no interrupt on the loop thread for its hand-back (on Redis, with the pop sent
 * ahead, {@link PipelinedPopTest}, handed back too); with a timeout, or two threads,
 * the tasks stay on the executor's threads. No assertion depends on timing.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AtMostOnceRunHereTest {

    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private static RedisServerProcess redis;

    @TempDir
    Path dir;

    @BeforeAll
    static void startRedis() {
        redis = RedisServerProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"redis", "sqlite-wal", "sqlite"})
    @DisplayName("one thread, no timeout: every task runs once on the loop thread, whole batches, never more than one held"
            + " (two on Redis, whose next pop is sent ahead)")
    void tasksRunOnTheLoopThreadWithinOneBatch(String backend) {
        int total = 1_000;
        int batch = 256;
        WorkerConfig config = config("loop-" + backend, backend, 1, batch, total);
        push(config, 0, total);
        AtomicInteger ended = new AtomicInteger();
        AtomicLong maxHeld = new AtomicLong();
        List<Object> ran = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        Pops pops = new Pops();
        String loopThread = Thread.currentThread().getName();
        run(config, pops, (worker, task) -> {
            // The queue first, then the ended count: never overstates what was held.
            long ready = worker.numberOfEnqueuedTasks();
            maxHeld.accumulateAndGet(total - ready - ended.get(), Math::max);
            ran.add(task.kwargs().get("id"));
            threads.add(Thread.currentThread().getName());
            ended.incrementAndGet();
        });

        assertThat(ran).hasSize(total).doesNotHaveDuplicates();
        assertThat(threads).as("the threads that ran the tasks").containsOnly(loopThread);
        assertThat(queueLength(config)).isZero();
        // Redis pipelines its pops (PipelinedPopTest): the batch in hand plus the one whose LPOP was sent before it ran.
        int bound = backend.equals("redis") ? 2 * batch : batch;
        assertThat(maxHeld.get()).as("held tasks, bound %d", bound).isLessThanOrEqualTo(bound);
        assertThat(pops.requested()).as("whole batches, no halves popped ahead").containsExactly(256, 256, 256, 232);
    }

    @Test
    @DisplayName("with a timeout, or with two threads, tasks run on the executor's threads (split pop ahead as before)")
    void withATimeoutOrTwoThreadsTasksStayOnTheExecutorThreads() {
        int total = 600;
        WorkerConfig timed = config("timed", "redis", 1, 256, total).toBuilder().timeout(Duration.ofMinutes(5)).build();
        WorkerConfig two = config("two", "redis", 2, 256, total);
        for (WorkerConfig config : List.of(timed, two)) {
            push(config, 0, total);
            List<String> threads = new CopyOnWriteArrayList<>();
            Pops pops = new Pops();
            run(config, pops, (worker, task) -> threads.add(Thread.currentThread().getName()));

            assertThat(threads).as(config.name()).hasSize(total).allSatisfy(name -> assertThat(name).startsWith("sergeant-task-"));
            assertThat(pops.requested()).as("%s: halves popped ahead", config.name()).contains(128);
            assertThat(queueLength(config)).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"redis", "sqlite-wal"})
    @DisplayName("a stop mid-batch on the loop thread hands the rest of the batch back: a second worker runs it, each task once")
    void aStopMidBatchLosesNothing(String backend) {
        int total = 1_000;
        WorkerConfig config = config("stop-" + backend, backend, 1, 256, 0);
        push(config, 0, total);
        List<Object> ran = new CopyOnWriteArrayList<>();
        RunSummary summary = run(config, new Pops(), (worker, task) -> {
            ran.add(task.kwargs().get("id"));
            if (id(task) == 100) {
                throw worker.stop();
            }
        });
        assertThat(summary.stop()).isTrue();
        assertThat(ran).as("the stop ends the batch: no task after it starts").hasSize(101);
        assertTheRestRunsOnceInASecondWorker(config, ran, total);
    }

    @Test
    @DisplayName("a stop that interrupts running tasks: the task on the loop thread is handed back, the hand-back meets no interrupt")
    void aStopThatInterruptsHandsBackTheInterruptedTask() throws Exception {
        int total = 1_000;
        WorkerConfig config = config("interrupt", "redis", 1, 256, 0);
        push(config, 0, total);
        List<Object> ran = new CopyOnWriteArrayList<>();
        CountDownLatch sleeping = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicReference<WorkerRuntime> runtimeRef = new AtomicReference<>();
        Worker worker = worker(config, (w, task) -> {
            if (id(task) == 100) {
                sleeping.countDown();
                try {
                    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(DEADLINE_NANOS));
                } catch (InterruptedException e) {
                    interrupted.set(true);
                    throw new IllegalStateException("interrupted by the stop", e);
                }
            }
            ran.add(task.kwargs().get("id"));
        });
        RunSummary summary;
        boolean interruptLeft;
        try (WorkerRuntime runtime = new WorkerRuntime(worker, config, Sergeant.create(), List.of())) {
            runtimeRef.set(runtime);
            Thread stopper = new Thread(() -> {
                try {
                    sleeping.await();
                } catch (InterruptedException e) {
                    return;
                }
                runtimeRef.get().requestStop(true);
            });
            stopper.start();
            summary = runtime.run();
            interruptLeft = Thread.interrupted();
            stopper.join();
        }
        assertThat(interrupted).as("the task on the loop thread was interrupted").isTrue();
        assertThat(interruptLeft).as("an interrupt left on the loop thread after the run").isFalse();
        assertThat(summary.stop()).isTrue();
        assertThat(ran).as("tasks 0-99 ran; the interrupted one did not end").hasSize(100);
        assertTheRestRunsOnceInASecondWorker(config, ran, total);
    }

    // ------------------------------------------------------------------ helpers

    private WorkerConfig config(String name, String backend, int threads, int batch, int maxTasks) {
        String uri = switch (backend) {
            case "redis" -> redis.uri();
            case "sqlite-wal", "sqlite" -> "sqlite:" + dir.resolve(name + ".db");
            default -> throw new IllegalArgumentException(backend);
        };
        WorkerConfig config = WorkerConfig.builder("here-" + name).backend(uri).delivery(DeliveryMode.AT_MOST_ONCE)
                .tasksPerTransaction(batch).executor("thread", threads).maxTasksPerRun(maxTasks)
                .pollInterval(Duration.ofMillis(20)).build();
        return backend.equals("sqlite-wal") ? config.toBuilder().backendOptions(Map.of("journalMode", "WAL")).build() : config;
    }
}
