package io.sergeant.core.worker;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.backend.local.LocalBackendFactory;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.ForwardingBackend;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.BackendWakeups;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Core's side of an at-most-once idle wait that takes the task itself ({@link BackendWakeups#awaitOrTake};
 * docs/decisions.md "At-most-once idle wait takes the task itself"), over a real SQLite backend whose wake-up role
 * takes: its wait pops (at-most-once, so the task is deleted) one task from a staging queue, as a Redis server hands a
 * blocked worker the task pushed. A task taken as a stop lands is handed back to the worker's queue, not run and not
 * lost; with {@code maxTasksPerRun=1} a taken task is the run's one task.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdleTakeLoopTest {

    @TempDir
    Path dir;

    /** Pushes the tasks to {@code queue} (at the factory's database). */
    private static void push(Sergeant sergeant, WorkerConfig config, String queue, int... ids) {
        try (Broker broker = sergeant.broker(config)) {
            for (int id : ids) {
                broker.pushTask(queue, Task.of(Map.of("id", id)), Priority.NORMAL, null);
            }
        }
    }

    private static QueueStats stats(Sergeant sergeant, WorkerConfig config, String queue) {
        try (Broker broker = sergeant.broker(config)) {
            return broker.stats(queue);
        }
    }

    @Test
    @DisplayName("a task the idle wait took as a stop landed is handed back to the queue: not run, not lost")
    void aTaskTakenAsTheStopLandsIsHandedBack() {
        AtomicReference<WorkerRuntime> runtime = new AtomicReference<>();
        TakingFactory factory = new TakingFactory(() -> runtime.get().requestStop());
        Sergeant sergeant = Sergeant.create(List.of(factory));
        WorkerConfig config = config("handback", 1_000);
        push(sergeant, config, TakingFactory.staging(config.name()), 7);

        RecordingWorker worker = new RecordingWorker(config, task -> null);
        RunSummary summary;
        try (WorkerRuntime run = new WorkerRuntime(worker, config, sergeant, List.of())) {
            runtime.set(run);
            summary = run.run();
        }
        assertThat(factory.taken).as("the wait took the task").hasValue(1);
        assertThat(worker.seen).as("nothing runs after the stop").isEmpty();
        assertThat(summary.exitCode()).isEqualTo(ExitCode.WORKER_ASKED_TO_STOP.code());
        assertThat(stats(sergeant, config, TakingFactory.staging(config.name())).ready()).isZero();
        assertThat(stats(sergeant, config, config.name()).ready()).as("handed back to the worker's queue").isEqualTo(1);

        // The task handed back is the one taken, whole: a plain run picks it up.
        Sergeant plain = Sergeant.create();
        RecordingWorker next = new RecordingWorker(config("handback", 1), task -> null);
        try (WorkerRuntime run = new WorkerRuntime(next, config("handback", 1), plain, List.of())) {
            assertThat(run.run().exitCode()).isZero();
        }
        assertThat(next.seen).extracting(task -> task.kwargs().get("id")).containsExactly(7L);
    }

    @Test
    @DisplayName("maxTasksPerRun=1: a task the idle wait took is the run's one task, and the loop ends after it")
    void aTakenTaskCountsTowardsMaxTasksPerRun() {
        TakingFactory factory = new TakingFactory(() -> { });
        Sergeant sergeant = Sergeant.create(List.of(factory));
        WorkerConfig config = config("one", 1);
        push(sergeant, config, TakingFactory.staging(config.name()), 1, 2);

        RecordingWorker worker = new RecordingWorker(config, task -> null);
        RunSummary summary;
        try (WorkerRuntime run = new WorkerRuntime(worker, config, sergeant, List.of())) {
            summary = run.run();
        }
        assertThat(summary.exitCode()).isZero();
        assertThat(worker.seen).extracting(task -> task.kwargs().get("id")).containsExactly(1L);
        assertThat(factory.taken).as("no second wait after the run's last task").hasValue(1);
        assertThat(stats(sergeant, config, TakingFactory.staging(config.name())).ready()).isEqualTo(1);
        assertThat(stats(sergeant, config, config.name()).ready()).isZero();
    }

    private WorkerConfig config(String name, int maxTasksPerRun) {
        return WorkerConfig.builder(name)
                .backend("sqlite:" + dir.resolve("queue.db"))
                .pollInterval(Duration.ofMillis(20))
                .delivery(DeliveryMode.AT_MOST_ONCE)
                .maxTasksPerRun(maxTasksPerRun)
                .build();
    }

    /**
     * The SQLite backend factory, whose backends take in their idle wait: {@code awaitOrTake} pops one task
     * (at-most-once: deleted) from the queue's staging queue, runs {@code onTake}, and returns it.
     */
    static final class TakingFactory implements BackendFactory {
        private final BackendFactory delegate = new LocalBackendFactory();
        private final Runnable onTake;
        final AtomicInteger taken = new AtomicInteger();

        TakingFactory(Runnable onTake) {
            this.onTake = onTake;
        }

        static String staging(String queue) {
            return queue + "-staging";
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public Set<String> schemes() {
            return delegate.schemes();
        }

        @Override
        public Backend create(BackendSpec spec, PluginContext context) {
            return new TakingBackend(delegate.create(spec, context));
        }

        /** The real backend, but for its wake-up role. */
        private final class TakingBackend extends ForwardingBackend implements BackendWakeups {

            TakingBackend(Backend inner) {
                super(inner);
            }

            @Override
            public Optional<BackendWakeups> wakeupRole() {
                return Optional.of(this);
            }

            @Override
            public boolean awaitTasks(String queue, Duration timeout, java.util.function.BooleanSupplier stopping) {
                LockSupport.parkNanos(Math.min(timeout.toNanos(), Duration.ofMillis(20).toNanos()));
                return false;
            }

            @Override
            public Awaited awaitOrTake(String queue, int max, Duration timeout, java.util.function.BooleanSupplier stopping) {
                if (stopping.getAsBoolean()) {
                    return Awaited.NOTHING;
                }
                List<Delivery> got = inner.pop(staging(queue), 1, DeliveryOptions.AT_MOST_ONCE);
                if (got.isEmpty()) {
                    LockSupport.parkNanos(Math.min(timeout.toNanos(), Duration.ofMillis(20).toNanos()));
                    return Awaited.NOTHING;
                }
                taken.incrementAndGet();
                onTake.run(); // a stop landing as the backend hands the task over
                return new Awaited(got, false);
            }

            @Override
            public void wakeUp() {
                // each wait is at most 20 ms
            }

            @Override
            public Duration fallbackPoll() {
                return Duration.ofMillis(50);
            }
        }
    }
}
