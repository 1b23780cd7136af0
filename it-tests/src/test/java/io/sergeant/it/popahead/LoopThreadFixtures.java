package io.sergeant.it.popahead;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.observe.SergeantListener;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.core.worker.WorkerRuntime;
import io.sergeant.spi.codec.SerializerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the tests of at-most-once worker loops share ({@code AtMostOnceRunHereTest}, {@code PipelinedPopTest},
 * {@code AtMostOnceSplitPopAheadTest}): tasks {@code {"id": n}} pushed through a real broker, a worker that hands
 * each task to a callback, a run of a {@link WorkerRuntime} with a pop recorder (and, if given, a serializer plugin
 * of the test's own), and the check that a second worker runs every task the first one left in the queue, each
 * once. Stateless.
 */
final class LoopThreadFixtures {

    private LoopThreadFixtures() {
    }

    /** The queue holds exactly the tasks that did not run (at least one); a second worker runs each of them once. */
    static void assertTheRestRunsOnceInASecondWorker(WorkerConfig config, List<Object> ran, int total) {
        long left = queueLength(config);
        assertThat(left).as("%d ran", ran.size()).isEqualTo(total - ran.size()).isPositive();
        List<Object> rest = new CopyOnWriteArrayList<>();
        run(config.toBuilder().maxTasksPerRun((int) left).build(), new Pops(),
                (worker, task) -> rest.add(task.kwargs().get("id")));
        List<Object> all = new ArrayList<>(ran);
        all.addAll(rest);
        assertThat(all).hasSize(total).doesNotHaveDuplicates();
        assertThat(queueLength(config)).isZero();
    }

    static void push(WorkerConfig config, int from, int count) {
        try (Broker broker = Sergeant.create().broker(config)) {
            if (from == 0) {
                broker.purgeTasks(config.name());
            }
            List<Task> tasks = new ArrayList<>(count);
            for (int id = from; id < from + count; id++) {
                tasks.add(Task.of(Map.of("id", id)));
            }
            broker.pushTasks(config.name(), tasks, Priority.NORMAL, null);
        }
    }

    static long queueLength(WorkerConfig config) {
        try (Broker broker = Sergeant.create().broker(config)) {
            return broker.numberOfEnqueuedTasks(config.name(), true);
        }
    }

    static int id(Task task) {
        return ((Number) task.kwargs().get("id")).intValue();
    }

    static Worker worker(WorkerConfig config, BiConsumer<Worker, Task> onTask) {
        return new Worker() {
            @Override
            public WorkerConfig config() {
                return config;
            }

            @Override
            public Object work(Task task) {
                onTask.accept(this, task);
                return null;
            }
        };
    }

    static RunSummary run(WorkerConfig config, Pops pops, BiConsumer<Worker, Task> onTask) {
        return run(config, Sergeant.create(), pops, onTask);
    }

    /**
     * {@link #run(WorkerConfig, Pops, BiConsumer)} with {@code serializers} as the only serializer plugin (a
     * recording one, say: {@code io.sergeant.testkit.codec.HookedSerializerFactory}).
     */
    static RunSummary run(WorkerConfig config, SerializerFactory serializers, Pops pops, BiConsumer<Worker, Task> onTask) {
        return run(config, Sergeant.create(List.of(serializers)), pops, onTask);
    }

    private static RunSummary run(WorkerConfig config, Sergeant plugins, Pops pops, BiConsumer<Worker, Task> onTask) {
        try (WorkerRuntime runtime = new WorkerRuntime(worker(config, onTask), config, plugins.withListeners(pops),
                List.of())) {
            return runtime.run();
        }
    }

    /** Records what each non-empty pop of the worker loop asked for, in order, and the decode failures. */
    static final class Pops implements SergeantListener {
        private final List<Integer> requested = new CopyOnWriteArrayList<>();
        private final AtomicInteger decodeFailures = new AtomicInteger();

        @Override
        public void popped(String queue, int requested, int received, Duration latency) {
            if (received > 0) {
                this.requested.add(requested);
            }
        }

        @Override
        public void decodeFailed(String queue, String reason) {
            decodeFailures.incrementAndGet();
        }

        List<Integer> requested() {
            return List.copyOf(requested);
        }

        int decodeFailures() {
            return decodeFailures.get();
        }
    }
}
