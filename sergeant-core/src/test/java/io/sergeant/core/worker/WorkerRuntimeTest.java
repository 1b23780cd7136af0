package io.sergeant.core.worker;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryConfig;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.Starvation;
import io.sergeant.api.config.Timeouts;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.PushOptions;
import io.sergeant.core.Sergeant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** The worker loop's semantics (docs/python-compat.md §1–§5) on the real local backend, codec and thread executor. */
class WorkerRuntimeTest {

    @TempDir
    Path dir;

    private final Sergeant sergeant = Sergeant.create();
    private WorkerConfig base;

    @BeforeEach
    void configure() {
        base = WorkerConfig.builder("runtime-test")
                .backend("sqlite:" + dir.resolve("queue.db"))
                .pollInterval(Duration.ofMillis(20))
                .delivery(DeliveryConfig.DEFAULT.withLease(Duration.ofSeconds(5)).withReapInterval(Duration.ofMillis(200)))
                .build();
    }

    private RunResult run(WorkerConfig config, Function<Task, Object> work, List<Map<String, Object>> tasks,
                          java.util.function.Consumer<RecordingWorker> setup) {
        return run(config, Map.of(), work, tasks, setup);
    }

    /** Runs a worker declaring {@code config} with {@code overrides} applied as a worker process applies them. */
    private RunResult run(WorkerConfig config, Map<String, String> overrides, Function<Task, Object> work,
                          List<Map<String, Object>> tasks, java.util.function.Consumer<RecordingWorker> setup) {
        try (Broker broker = sergeant.broker(config)) {
            List<Task> pushed = new ArrayList<>();
            tasks.forEach(kwargs -> pushed.add(Task.of(kwargs)));
            broker.pushTasks(config.name(), pushed, Priority.NORMAL, null);
        }
        RecordingWorker worker = new RecordingWorker(config, work);
        setup.accept(worker);
        WorkerConfig effective = io.sergeant.core.config.WorkerConfigProperties.apply(config, overrides);
        try (WorkerRuntime runtime = new WorkerRuntime(worker, effective, sergeant, List.of())) {
            RunSummary summary = runtime.run();
            return new RunResult(worker, summary);
        }
    }

    private QueueStats stats(WorkerConfig config) {
        try (Broker broker = sergeant.broker(config)) {
            return broker.stats(config.name());
        }
    }

    private static List<Map<String, Object>> ids(int count) {
        List<Map<String, Object>> tasks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            tasks.add(Map.of("id", i));
        }
        return tasks;
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    void hooksAndHandlersRunInTheReferenceOrder(DeliveryMode mode) {
        WorkerConfig config = base.toBuilder().delivery(mode).maxTasksPerRun(1).build();
        RunResult result = run(config, task -> "done", ids(1), worker -> { });

        assertThat(result.worker.events).containsExactly("initialize", "preWork:0", "work:0", "postWork:0:true:-",
                "onSuccess:0:done", "finalize");
        assertThat(result.summary.exitCode()).isEqualTo(ExitCode.WORKER_EXITED_NORMALLY.code());
        assertThat(result.summary.outcomes()).containsEntry("success", 1L);
        assertThat(stats(config)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    void maxTasksPerRunEndsTheRunNormallyAfterThatManyTasksInBatches() {
        WorkerConfig config = base.toBuilder().maxTasksPerRun(25).tasksPerTransaction(10).build();
        RunResult result = run(config, task -> null, ids(40), worker -> { });

        assertThat(result.worker.seen).hasSize(25);
        assertThat(result.summary.exitCode()).isZero();
        assertThat(stats(config).ready()).isEqualTo(15);
        assertThat(stats(config).inFlight()).isZero();
    }

    @Test
    void aFailureGoesToOnFailureAndRetryFromThereRepushesWithTheRunCountIncremented() {
        WorkerConfig config = base.toBuilder().maxTasksPerRun(4).maxRetries(3).build();
        RunResult result = run(config, task -> {
            throw new IllegalStateException("boom " + task.runCount());
        }, ids(1), worker -> worker.onFailureAction = worker::retryIt);

        assertThat(result.worker.seen).extracting(Task::runCount).containsExactly(0, 1, 2, 3);
        assertThat(result.worker.events).contains("onFailure:0:boom 0", "onRetry:0", "onMaxRetries:0");
        assertThat(result.worker.events.stream().filter(e -> e.equals("onRetry:0"))).hasSize(3);
        assertThat(result.summary.outcomes()).containsEntry("retry", 3L).containsEntry("max_retries", 1L);
        assertThat(stats(config).ready()).isZero();
    }

    @Test
    void overridesReachRetryAndTheHooks() {
        WorkerConfig config = base.toBuilder().maxTasksPerRun(2).maxRetries(3).build();
        RunResult result = run(config, Map.of("maxRetries", "1"), task -> {
            throw new IllegalStateException("boom " + task.runCount());
        }, ids(1), worker -> worker.onFailureAction = worker::retryIt);

        // maxRetries=1 overrides the class's 3: one run and one retry, then onMaxRetries.
        assertThat(result.worker.seen).extracting(Task::runCount).containsExactly(0, 1);
        assertThat(result.worker.events).containsOnlyOnce("onMaxRetries:0");
        assertThat(result.worker.maxRetriesSeen).containsOnly(1);
        assertThat(result.worker.config().maxRetries()).isEqualTo(3);
        assertThat(result.summary.outcomes()).containsEntry("retry", 1L).containsEntry("max_retries", 1L);
    }

    @Test
    void postWorkAndOnRetrySeeTheRunCountPlusOneAsInPython() {
        WorkerConfig config = base.toBuilder().maxTasksPerRun(3).build();
        RecordingWorker[] holder = new RecordingWorker[1];
        RunResult result = run(config, task -> {
            if (task.runCount() == 0) {
                throw holder[0].retryIt(task);                 // retry from work
            }
            throw new IllegalStateException("fail " + task.runCount());
        }, ids(1), worker -> {
            holder[0] = worker;
            worker.onFailureAction = task -> {
                if (task.runCount() == 1) {
                    worker.retryIt(task);                      // retry from onFailure
                }
            };
        });

        assertThat(result.worker.seen).extracting(Task::runCount).containsExactly(0, 1, 2);
        // work retried at 0: postWork and onRetry see 1; the failure at 1 was retried from onFailure:
        // postWork saw 1 (before the retry), onRetry sees 2.
        assertThat(result.worker.runCounts).containsExactly("postWork:1", "onRetry:1", "postWork:1", "onRetry:2", "postWork:2");
    }

    @Test
    void atMostOnceHoldsOneBatchUnlessPrefetchIsAsked() {
        WorkerConfig config = base.toBuilder().delivery(DeliveryMode.AT_MOST_ONCE).tasksPerTransaction(5)
                .maxTasksPerRun(10).build();
        RecordingWorker[] holder = new RecordingWorker[1];
        long[] seenBySecondTask = {-1};
        run(config, task -> {
            if (holder[0].seen.size() == 2) {
                sleep(400);  // time enough for a prefetching loop to pop the next batch
                seenBySecondTask[0] = holder[0].numberOfEnqueuedTasks();
            }
            return null;
        }, ids(20), worker -> holder[0] = worker);
        assertThat(seenBySecondTask[0]).as("one batch of 5 taken out of 20, as Python").isEqualTo(15);

        WorkerConfig prefetching = config.toBuilder().name("runtime-test-prefetch")
                .delivery(config.delivery().withPrefetch(true)).build();
        long[] withPrefetch = {-1};
        run(prefetching, task -> {
            if (holder[0].seen.size() == 2) {
                sleep(400);
                withPrefetch[0] = holder[0].numberOfEnqueuedTasks();
            }
            return null;
        }, ids(20), worker -> holder[0] = worker);
        assertThat(withPrefetch[0]).as("delivery.prefetch pops the next batch early").isEqualTo(10);
    }

    @Test
    void retryKeepsTheDateAndTraceIdOfTheTask() {
        WorkerConfig config = base.toBuilder().maxTasksPerRun(2).build();
        RunResult result = run(config, task -> {
            throw new IllegalStateException("again");
        }, ids(1), worker -> worker.onFailureAction = task -> {
            if (task.runCount() == 0) {
                worker.retryIt(task);
            }
        });

        Task first = result.worker.seen.get(0);
        Task second = result.worker.seen.get(1);
        assertThat(second.date()).isEqualTo(first.date());
        assertThat(second.traceId()).isEqualTo(first.traceId());
        assertThat(second.runCount()).isEqualTo(1);
    }

    @Test
    void requeueFromWorkRepushesTheTaskUnchanged() {
        WorkerConfig config = base.toBuilder().maxTasksPerRun(2).build();
        RecordingWorker[] holder = new RecordingWorker[1];
        RunResult result = run(config, task -> task.runCount() == 0 && holder[0].seen.size() == 1 ? holder[0].requeueIt(task) : "ok",
                ids(1), worker -> holder[0] = worker);

        assertThat(result.worker.events).contains("onRequeue:0", "onSuccess:0:ok");
        assertThat(result.worker.seen).extracting(Task::runCount).containsExactly(0, 0);
    }

    @Test
    void retryFromOnSuccessIsAClearErrorNotADeadWorker() {
        WorkerConfig config = base.toBuilder().maxTasksPerRun(2).build();
        RunResult result = run(config, task -> "ok", ids(2), worker -> worker.onSuccessAction = worker::retryIt);

        assertThat(result.worker.seen).hasSize(2);
        assertThat(result.summary.exitCode()).isZero();
        assertThat(stats(config).ready()).as("nothing was pushed by the refused retry").isZero();
    }

    @Test
    void stopEndsTheWorkerWithCodeFiveAfterOnStopAndHandsBackTheRestOfTheBatch() {
        WorkerConfig config = base.toBuilder().tasksPerTransaction(5).build();
        RecordingWorker[] holder = new RecordingWorker[1];
        RunResult result = run(config, task -> id(task) == 1 ? holder[0].stopIt() : null,
                ids(5), worker -> holder[0] = worker);

        assertThat(result.summary.exitCode()).isEqualTo(ExitCode.WORKER_ASKED_TO_STOP.code());
        assertThat(result.summary.stop()).isTrue();
        assertThat(result.worker.events).contains("onStop:1").endsWith("finalize");
        QueueStats stats = stats(config);
        assertThat(result.worker.seen).as("no task starts after the one that stopped").hasSize(2);
        assertThat(stats.ready()).isEqualTo(3);
        assertThat(stats.inFlight()).isZero();
    }

    @Test
    void aStopHandsBackTheBatchPoppedAheadAsWellAsTheRestOfTheRunningOne() {
        // Full batches of 130 from 400 tasks: the next settle-and-pop runs while a batch is decoded (pop ahead).
        WorkerConfig config = base.toBuilder().tasksPerTransaction(130).build();
        RecordingWorker[] holder = new RecordingWorker[1];
        // The first task stops the worker: the executor never falls below a batch, so the batch popped
        // ahead is still in flight (or taken by no one) when the loop ends.
        RunResult result = run(config, task -> id(task) == 0 ? holder[0].stopIt() : null,
                ids(400), worker -> holder[0] = worker);

        assertThat(result.summary.exitCode()).isEqualTo(ExitCode.WORKER_ASKED_TO_STOP.code());
        assertThat(result.worker.seen).hasSize(1);
        QueueStats stats = stats(config);
        assertThat(stats.ready()).as("nothing leased is left behind").isEqualTo(399);
        assertThat(stats.inFlight()).isZero();
    }

    @Test
    void batchesPoppedAheadRunEveryTaskOnceAndAckThemAll() {
        // 130, 130 popped ahead, then the last 40 popped ahead.
        WorkerConfig config = base.toBuilder().tasksPerTransaction(130).maxTasksPerRun(300).build();
        RunResult result = run(config, task -> null, ids(400), worker -> { });

        assertThat(result.worker.seen).hasSize(300).doesNotHaveDuplicates();
        assertThat(stats(config).ready()).isEqualTo(100);
        assertThat(stats(config).inFlight()).isZero();
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aBatchPoppedAheadKeepsItsLeasesExtendedWhileTheLoopWaitsForTheExecutor() {
        // Batches of 128 on one thread, a 600 ms lease: the first task runs 3 s, so the executor stays full
        // (128 tasks) and the loop waits before it takes the batch popped ahead. Its leases must be extended
        // meanwhile: before the fix they were not (the batch was held only once taken), so they expired, the
        // reaper made its 128 tasks deliverable again while this worker went on to run them, and they were
        // left in the queue to run a second time.
        WorkerConfig config = base.toBuilder().tasksPerTransaction(128).maxTasksPerRun(256)
                .delivery(base.delivery().withLease(Duration.ofMillis(600)).withReapInterval(Duration.ofMillis(100)))
                .build();
        RunResult result = run(config, task -> {
            if (id(task) == 0) {
                sleep(3_000);
            }
            return null;
        }, ids(256), worker -> { });

        assertThat(result.worker.seen).hasSize(256).doesNotHaveDuplicates();
        assertThat(stats(config)).as("every task ran once and was acked; none came back").isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void settledTasksAreAckedWhileTheLoopWaitsWithABatchPoppedAhead() {
        // Batches of 128 on one thread, 384 tasks. Task 0 runs 300 ms, so the loop waits with a full
        // executor and the second batch popped ahead; once task 0 ended it took that batch and popped the
        // third ahead (acking what had ended), then waits again until 128 more tasks ended. Tasks 1-99 run
        // 2 ms each, task 100 runs 1 s: by then tasks 1-99 ended long ago and must be acked (acks wait at
        // most one ack delay, 100 ms, when the loop has nothing to pop). Before the fix the loop sent no ack
        // of its own while a pop ahead was pending, even one whose call had ended: they waited for the next
        // call, 128 tasks later (with long tasks, a kill -9 meanwhile ran a whole batch of ended tasks again).
        WorkerConfig config = base.toBuilder().tasksPerTransaction(128).maxTasksPerRun(384).build();
        java.util.concurrent.atomic.AtomicLong inFlight = new java.util.concurrent.atomic.AtomicLong(-1);
        RunResult result = run(config, task -> {
            int id = id(task);
            if (id == 0) {
                sleep(300);
            } else if (id < 100) {
                sleep(2);
            } else if (id == 100) {
                sleep(1_000);
                inFlight.set(stats(config).inFlight());
            }
            return null;
        }, ids(384), worker -> { });

        assertThat(result.worker.seen).hasSize(384).doesNotHaveDuplicates();
        assertThat(inFlight.get()).as("384 popped, tasks 0-99 ended and acked").isBetween(0L, 284L);
        assertThat(stats(config)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    @org.junit.jupiter.api.Timeout(60) // before the fix the second run found nothing to run and polled for ever
    void tasksHandedBackAtAStopDoNotCountAsDeliveries() {
        WorkerConfig config = base.toBuilder().tasksPerTransaction(5)
                .delivery(base.delivery().withMaxDeliveries(1)).build();
        RecordingWorker[] holder = new RecordingWorker[1];
        RunResult stopped = run(config, task -> id(task) == 1 ? holder[0].stopIt() : null, ids(5), worker -> holder[0] = worker);
        assertThat(stopped.worker.seen).hasSize(2);
        assertThat(stats(config).ready()).as("three tasks handed back").isEqualTo(3);

        RunResult next = run(config.toBuilder().maxTasksPerRun(3).build(), task -> null, List.of(), worker -> { });
        assertThat(next.worker.seen).as("with maxDeliveries 1 the handed-back tasks still run").hasSize(3);
        assertThat(stats(config)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aStopThatInterruptsHandsTheRunningTaskBackUnchangedWithoutItsHandler() throws Exception {
        WorkerConfig config = base.toBuilder().delivery(base.delivery().withMaxDeliveries(1)).build();
        try (Broker broker = sergeant.broker(config)) {
            broker.pushTask(config.name(), Map.of("id", 0));
        }
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        RecordingWorker worker = new RecordingWorker(config, task -> {
            started.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException("interrupted", e);
            }
            return "finished";
        });
        long took;
        RunSummary summary;
        try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
            Thread stopper = new Thread(() -> {
                try {
                    started.await();
                } catch (InterruptedException e) {
                    return;
                }
                runtime.requestStop(true);
            });
            stopper.start();
            long start = System.nanoTime();
            summary = runtime.run();
            took = System.nanoTime() - start;
            stopper.join();
        }
        assertThat(summary.exitCode()).isEqualTo(ExitCode.WORKER_ASKED_TO_STOP.code());
        assertThat(Duration.ofNanos(took)).as("the sleeping task was interrupted, not waited for").isLessThan(Duration.ofSeconds(30));
        assertThat(worker.events).as("no outcome handler ran").noneMatch(e -> e.startsWith("onFailure") || e.startsWith("onSuccess"));
        assertThat(stats(config)).as("handed back, not dead-lettered at maxDeliveries 1").isEqualTo(new QueueStats(1, 0, 0, 0));
        RunResult next = run(config.toBuilder().maxTasksPerRun(1).build(), task -> "ok", List.of(), w -> { });
        assertThat(next.worker.seen).singleElement().satisfies(task -> assertThat(task.runCount()).isZero());
    }

    @Test
    void respawnEndsTheWorkerWithCodeFour() {
        RecordingWorker[] holder = new RecordingWorker[1];
        RunResult result = run(base, task -> holder[0].respawnIt(), ids(1), worker -> holder[0] = worker);

        assertThat(result.summary.exitCode()).isEqualTo(ExitCode.WORKER_ASKED_TO_RESPAWN.code());
        assertThat(result.summary.respawn()).isTrue();
    }

    @Test
    void starvationFiresAfterTheThresholdAndOnEveryFurtherEmptyPoll() {
        WorkerConfig config = base.toBuilder().starvation(new Starvation(3)).build();
        RecordingWorker[] holder = new RecordingWorker[1];
        RunResult result = run(config, task -> null, List.of(), worker -> {
            holder[0] = worker;
            worker.onStarvationAction = () -> {
                if (holder[0].events.stream().filter(e -> e.startsWith("onStarvation")).count() == 2) {
                    holder[0].stopIt();
                }
            };
        });

        assertThat(result.worker.events).contains("onStarvation:3", "onStarvation:4").doesNotContain("onStarvation:2");
        assertThat(result.summary.exitCode()).isEqualTo(ExitCode.WORKER_ASKED_TO_STOP.code());
    }

    @Test
    void tasksPushedFromWorkInheritTheTraceIdOfTheRunningTask() {
        WorkerConfig config = base.toBuilder().maxTasksPerRun(2).build();
        try (Broker broker = sergeant.broker(config)) {
            broker.pushTask(config.name(), Task.of(Map.of("id", 0), "trace-42"), Priority.NORMAL, null);
        }
        RecordingWorker[] holder = new RecordingWorker[1];
        RecordingWorker worker = new RecordingWorker(config, task -> {
            if (task.runCount() == 0 && id(task) == 0) {
                holder[0].pushTask(Map.of("id", 1), PushOptions.DEFAULT);
            }
            return holder[0].getTraceId().orElse("none");
        });
        holder[0] = worker;
        try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
            runtime.run();
        }
        assertThat(worker.seen).extracting(Task::traceId).containsExactly("trace-42", "trace-42");
        assertThat(worker.events).contains("onSuccess:0:trace-42", "onSuccess:1:trace-42");
    }

    @Test
    void pushActionsReturnTrueOnceTheBackendAcknowledgedTheWriteAsPythonsReturnABoolean() {
        WorkerConfig config = base.toBuilder().maxTasksPerRun(3).build();
        try (Broker broker = sergeant.broker(config)) {
            assertThat(broker.pushTask(config.name(), Map.of("id", 0))).as("Broker.pushTask").isTrue();
            assertThat(broker.pushTasks(config.name(), List.of(), Priority.NORMAL, null)).as("an empty pushTasks").isTrue();
        }
        RecordingWorker[] holder = new RecordingWorker[1];
        List<Boolean> returned = new java.util.concurrent.CopyOnWriteArrayList<>();
        RecordingWorker worker = new RecordingWorker(config, task -> {
            if (id(task) == 0) {
                returned.add(holder[0].pushTask(Map.of("id", 1)));
                returned.add(holder[0].pushTasks(List.of(Map.of("id", 2))));
                returned.add(holder[0].pushTasks(List.of()));
            }
            return null;
        });
        holder[0] = worker;
        try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
            runtime.run();
        }
        assertThat(returned).as("pushTask, pushTasks, empty pushTasks from work").containsExactly(true, true, true);
        assertThat(worker.seen).extracting(WorkerRuntimeTest::id).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void aTaskPastItsTimeoutIsInterruptedAndGoesToOnTimeout() {
        WorkerConfig config = base.toBuilder().maxTasksPerRun(2)
                .timeouts(new Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(5))).build();
        RunResult result = run(config, task -> {
            if (id(task) == 0) {
                try {
                    Thread.sleep(30_000);
                } catch (InterruptedException e) {
                    return "interrupted";
                }
            }
            return "fast";
        }, ids(2), worker -> { });

        assertThat(result.worker.events).contains("onTimeout:0", "postWork:0:false:WorkerTimedOut", "onSuccess:1:fast");
        assertThat(result.summary.outcomes()).containsEntry("timeout", 1L).containsEntry("success", 1L);
    }

    @Test
    void anUndecodablePayloadGoesToTheDeadLettersAndTheGoodTasksAroundItRun() {
        WorkerConfig config = base.toBuilder().maxTasksPerRun(3).tasksPerTransaction(3).build();
        try (Broker broker = sergeant.broker(config)) {
            broker.pushTask(config.name(), Map.of("id", 0));
        }
        try (var opened = sergeant.openBroker(sergeant.validate(config), sergeant.pluginContext(config))) {
            opened.backend().push(config.name(), List.of(new byte[] {(byte) 0xc1, 1, 2, 3}), Priority.NORMAL, null);
        }
        try (Broker broker = sergeant.broker(config)) {
            broker.pushTask(config.name(), Map.of("id", 2));
        }
        RecordingWorker worker = new RecordingWorker(config, task -> "ok");
        try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
            RunSummary summary = runtime.run();
            assertThat(summary.outcomes()).containsEntry("dead_lettered", 1L).containsEntry("success", 2L);
        }
        try (Broker broker = sergeant.broker(config)) {
            assertThat(broker.deadLetters(config.name(), 10)).singleElement()
                    .satisfies(dead -> assertThat(dead.reason()).contains("undecodable"));
            assertThat(broker.stats(config.name()).inFlight()).isZero();
        }
    }

    @Test
    void requestStopEndsTheLoopAndFinalizes() throws Exception {
        RecordingWorker worker = new RecordingWorker(base, task -> null);
        try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
            Thread stopper = new Thread(() -> {
                sleep(300);
                runtime.requestStop();
            });
            stopper.start();
            RunSummary summary = runtime.run();
            stopper.join();
            assertThat(summary.stop()).isTrue();
            assertThat(summary.exitCode()).isEqualTo(ExitCode.WORKER_ASKED_TO_STOP.code());
        }
        assertThat(worker.events).startsWith("initialize").endsWith("finalize");
    }

    @Test
    void aFailingInitializeSkipsTheLoopAndFinalizeAndReportsAnExecutionFailure() {
        RecordingWorker worker = new RecordingWorker(base, task -> null) {
            @Override
            public void initialize() {
                throw new IllegalStateException("no database");
            }
        };
        try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
            RunSummary summary = runtime.run();
            assertThat(summary.initializeException()).contains("no database");
            assertThat(summary.exitCode()).isEqualTo(ExitCode.WORKER_EXECUTION_FAILURE.code());
        }
        assertThat(worker.events).doesNotContain("finalize");
    }

    @Test
    void severalThreadsRunTasksConcurrentlyEvenWithBatchesOfOneTask() {
        WorkerConfig config = base.toBuilder().executor("thread", 4).tasksPerTransaction(1).maxTasksPerRun(8).build();
        java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger peak = new java.util.concurrent.atomic.AtomicInteger();
        RunResult result = run(config, task -> {
            peak.accumulateAndGet(running.incrementAndGet(), Math::max);
            sleep(300);
            running.decrementAndGet();
            return null;
        }, ids(8), worker -> { });

        assertThat(result.worker.seen).hasSize(8);
        assertThat(peak.get()).as("tasks running at once").isGreaterThanOrEqualTo(3);
        assertThat(stats(config)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    void stopInPreWorkEndsTheWorkerWithoutRunningTheTask() {
        WorkerConfig config = base.toBuilder().tasksPerTransaction(3).build();
        RecordingWorker worker = new RecordingWorker(config, task -> "ran") {
            @Override
            public void preWork(Task task) {
                super.preWork(task);
                stopIt();
            }
        };
        try (Broker broker = sergeant.broker(config)) {
            broker.pushTasks(config.name(), List.of(Task.of(Map.of("id", 0)), Task.of(Map.of("id", 1))), Priority.NORMAL, null);
        }
        try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
            RunSummary summary = runtime.run();
            assertThat(summary.exitCode()).isEqualTo(ExitCode.WORKER_ASKED_TO_STOP.code());
        }
        assertThat(worker.seen).isEmpty();
        assertThat(worker.events).contains("postWork:0:false:WorkerStop").endsWith("finalize");
    }

    @Test
    void respawnInFinalizeIsHonoured() {
        WorkerConfig config = base.toBuilder().maxTasksPerRun(1).build();
        RecordingWorker worker = new RecordingWorker(config, task -> null) {
            @Override
            public void finalizeWorker() {
                respawnIt();
            }
        };
        try (Broker broker = sergeant.broker(config)) {
            broker.pushTask(config.name(), Map.of("id", 0));
        }
        try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
            assertThat(runtime.run().exitCode()).isEqualTo(ExitCode.WORKER_ASKED_TO_RESPAWN.code());
        }
    }

    @Test
    void aRunSummaryRendersAsJson() {
        WorkerConfig config = base.toBuilder().maxTasksPerRun(1).build();
        RunResult result = run(config, task -> null, ids(1), worker -> { });
        assertThat(result.summary.toJson()).startsWith("{\"start_time\":").contains("\"return_code\":0", "\"success\":1");
    }

    private static int id(Task task) {
        return ((Number) task.kwargs().get("id")).intValue();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record RunResult(RecordingWorker worker, RunSummary summary) {
    }
}
