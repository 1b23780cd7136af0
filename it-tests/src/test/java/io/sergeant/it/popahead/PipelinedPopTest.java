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
 * The pipelined at-most-once pop of a one-thread worker that runs its tasks on its loop thread (docs/decisions.md,
 * "Pipelined at-most-once pop"), on real redis-server processes. A task sees the pipeline at work from the queue
 * itself: in the middle of a batch, the tasks held by the worker (pushed, minus the list's length, minus those that
 * ended) are more than one batch, because the next batch's {@code LPOP} ran before this batch started, and never more
 * than two batches. A stop while that pop is in flight (graceful or interrupting) reads its reply and hands its tasks
 * back, so a second worker runs every task not run, each once; a redis-server killed while the pipeline runs makes
 * pops fail with an error naming the pop, nothing hangs, and the worker picks up new tasks once the server is back.
 * No assertion depends on timing: each stop waits for the pipeline to be seen (a run that never saw it fails), and
 * it-tests' surefire raises the pipeline's threshold ({@code sergeant.pop.pipeline.maxRunMillis}) to a second, so a
 * batch slowed by a loaded machine still lets the next pop go ahead.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PipelinedPopTest {

    private static final int BATCH = 128;
    private static final int BATCHES = 40;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private static RedisServerProcess redis;

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

    @Test
    @DisplayName("the next batch is popped while this one runs: more than one batch held mid-batch, never more than"
            + " two; every task once, on the loop thread")
    void theNextBatchIsPoppedWhileThisOneRuns() {
        int total = BATCHES * BATCH;
        WorkerConfig config = config(redis, "path", total);
        push(config, 0, total);
        AtomicInteger ended = new AtomicInteger();
        AtomicLong maxHeld = new AtomicLong();
        List<Object> ran = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        Pops pops = new Pops();
        String loopThread = Thread.currentThread().getName();
        run(config, pops, (worker, task) -> {
            if (id(task) % BATCH == BATCH / 2) {
                maxHeld.accumulateAndGet(held(redis, config, total, ended.get()), Math::max);
            }
            ran.add(task.kwargs().get("id"));
            threads.add(Thread.currentThread().getName());
            ended.incrementAndGet();
        });

        assertThat(ran).hasSize(total).doesNotHaveDuplicates();
        assertThat(threads).containsOnly(loopThread);
        assertThat(queueLength(config)).isZero();
        assertThat(pops.requested()).as("whole batches").hasSize(BATCHES).containsOnly(BATCH);
        assertThat(maxHeld.get()).as("tasks held mid-batch: the next batch's LPOP ran before the batch (pipelined)")
                .isGreaterThan(BATCH).isLessThanOrEqualTo(2 * BATCH);
    }

    @Test
    @DisplayName("a stop while a pipelined pop is in flight reads it and hands it back: a second worker runs the rest,"
            + " each task once")
    void aGracefulStopHandsBackThePopInFlight() {
        int total = BATCHES * BATCH;
        WorkerConfig config = config(redis, "stop", total);
        push(config, 0, total);
        AtomicInteger ended = new AtomicInteger();
        AtomicBoolean seen = new AtomicBoolean();
        List<Object> ran = new CopyOnWriteArrayList<>();
        RunSummary summary = run(config, new Pops(), (worker, task) -> {
            ran.add(task.kwargs().get("id"));
            if (id(task) % BATCH == BATCH / 2 && held(redis, config, total, ended.get()) > BATCH) {
                seen.set(true);
                throw worker.stop();
            }
            ended.incrementAndGet();
        });
        assertThat(seen).as("a pipelined pop was seen in flight").isTrue();
        assertThat(summary.stop()).isTrue();
        assertTheRestRunsOnceInASecondWorker(config, ran, total);
    }

    @Test
    @DisplayName("a stop that interrupts the running task while a pipelined pop is in flight: the task and the pop's"
            + " tasks are handed back, no interrupt is left, a second worker runs the rest once")
    void anInterruptingStopHandsBackThePopInFlight() throws Exception {
        int total = BATCHES * BATCH;
        WorkerConfig config = config(redis, "interrupt", total);
        push(config, 0, total);
        AtomicInteger ended = new AtomicInteger();
        AtomicBoolean interrupted = new AtomicBoolean();
        CountDownLatch sleeping = new CountDownLatch(1);
        List<Object> ran = new CopyOnWriteArrayList<>();
        Worker worker = worker(config, (w, task) -> {
            if (id(task) % BATCH == BATCH / 2 && sleeping.getCount() > 0 && held(redis, config, total, ended.get()) > BATCH) {
                sleeping.countDown();
                try {
                    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(DEADLINE_NANOS));
                } catch (InterruptedException e) {
                    interrupted.set(true);
                    throw new IllegalStateException("interrupted by the stop", e);
                }
            }
            ran.add(task.kwargs().get("id"));
            ended.incrementAndGet();
        });
        RunSummary summary;
        boolean interruptLeft;
        try (WorkerRuntime runtime = new WorkerRuntime(worker, config, Sergeant.create(), List.of())) {
            Thread stopper = new Thread(() -> {
                try {
                    sleeping.await();
                } catch (InterruptedException e) {
                    return;
                }
                runtime.requestStop(true);
            });
            stopper.start();
            summary = runtime.run();
            interruptLeft = Thread.interrupted();
            stopper.interrupt();
            stopper.join();
        }
        assertThat(interrupted).as("a task was interrupted with a pipelined pop in flight").isTrue();
        assertThat(interruptLeft).as("an interrupt left on the loop thread").isFalse();
        assertThat(summary.stop()).isTrue();
        assertTheRestRunsOnceInASecondWorker(config, ran, total);
    }

    @Test
    @DisplayName("redis-server killed while the pipeline runs: pops fail naming the pop, nothing hangs, and the worker"
            + " runs new tasks once the server is back")
    void aServerKilledMidPipeline() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start()) {
            int total = BATCHES * BATCH;
            int after = 3 * BATCH + 7;
            WorkerConfig config = config(server, "kill", 0);
            push(config, 0, total);
            AtomicInteger ended = new AtomicInteger();
            AtomicBoolean killed = new AtomicBoolean();
            List<Object> ran = new CopyOnWriteArrayList<>();
            AtomicInteger ranAfter = new AtomicInteger();
            CountDownLatch failed = new CountDownLatch(1);
            CountDownLatch allAfter = new CountDownLatch(after);
            List<String> errors = new CopyOnWriteArrayList<>();
            SergeantListener failures = new SergeantListener() {
                @Override
                public void popFailed(String queue, Duration latency, RuntimeException error) {
                    errors.add(String.valueOf(error.getMessage()));
                    failed.countDown();
                }
            };
            Worker worker = worker(config, (w, task) -> {
                ran.add(task.kwargs().get("id"));
                if (id(task) >= total) {
                    ranAfter.incrementAndGet();
                    allAfter.countDown();
                } else if (!killed.get() && id(task) % BATCH == BATCH / 2 && held(server, config, total, ended.get()) > BATCH) {
                    killed.set(true);
                    server.kill(); // the next batch's LPOP was sent and ran; the one after it meets a dead server
                }
                ended.incrementAndGet();
            });
            AtomicReference<Throwable> runFailure = new AtomicReference<>();
            try (WorkerRuntime runtime = new WorkerRuntime(worker, config, Sergeant.create().withListeners(failures),
                    List.of())) {
                Thread loop = new Thread(() -> {
                    try {
                        runtime.run();
                    } catch (Throwable e) {
                        runFailure.set(e);
                    }
                }, "pipelined-kill-loop");
                loop.start();
                assertThat(failed.await(DEADLINE_NANOS, TimeUnit.NANOSECONDS)).as("a pop failed after the kill").isTrue();
                assertThat(killed).as("the server was killed with a pipelined pop seen in flight").isTrue();
                server.restart();
                push(config, total, after);
                assertThat(allAfter.await(DEADLINE_NANOS, TimeUnit.NANOSECONDS)).as("the tasks pushed after the restart ran")
                        .isTrue();
                runtime.requestStop();
                loop.join(TimeUnit.NANOSECONDS.toMillis(DEADLINE_NANOS));
                assertThat(loop.isAlive()).as("the worker ended after its stop").isFalse();
            }
            assertThat(runFailure.get()).isNull();
            assertThat(errors.get(0)).as("the first failed pop's error").contains("Redis at").contains("pop");
            assertThat(ran).as("no task ran twice").doesNotHaveDuplicates();
            assertThat(ranAfter.get()).isEqualTo(after);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Tasks the worker holds: pushed, minus the list's length (read first, so never overstated), minus those ended. */
    private static long held(RedisServerProcess server, WorkerConfig config, int total, int ended) {
        return total - Long.parseLong(server.command("LLEN", config.name())) - ended;
    }

    private static WorkerConfig config(RedisServerProcess server, String name, int maxTasks) {
        return WorkerConfig.builder("pipelined-" + name).backend(server.uri()).delivery(DeliveryMode.AT_MOST_ONCE)
                .tasksPerTransaction(BATCH).executor("thread", 1).maxTasksPerRun(maxTasks)
                .pollInterval(Duration.ofMillis(20)).build();
    }
}
