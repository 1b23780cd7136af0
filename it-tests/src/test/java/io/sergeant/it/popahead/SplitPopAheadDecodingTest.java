package io.sergeant.it.popahead;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.observe.SergeantListener;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.core.worker.WorkerRuntime;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.spi.codec.SerializerFactory;
import io.sergeant.spi.execution.TaskCodec;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * At-most-once halves popped ahead are decoded on the pop-ahead thread (docs/decisions.md, "At-most-once halves
 * decoded where they were popped"), on a real redis-server: the loop thread decodes only its own whole pops,
 * an undecodable payload of a half still goes to the dead letters once, byte for byte, and a stop with
 * decoded halves in hand or still pending loses nothing and runs nothing twice. The decoding thread is seen
 * by a msgpack serializer that records it (given to {@link Sergeant#create(java.util.Collection)}, replacing
 * the discovered one of that name); nothing depends on timing.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SplitPopAheadDecodingTest {

    /** Not a msgpack task: 0xc1 is the one byte msgpack never uses. */
    private static final byte[] GARBAGE = {(byte) 0xc1, 'n', 'o', 't', ' ', 'a', ' ', 't', 'a', 's', 'k'};

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
    @DisplayName("the loop thread decodes its own whole pop; every half popped ahead is decoded on the pop-ahead thread")
    void halvesAreDecodedOnThePopAheadThread() {
        int total = 1_000;
        WorkerConfig config = config("threads", 1, 0).maxTasksPerRun(total).build();
        ThreadRecordingSerializers serializers = new ThreadRecordingSerializers();
        push(config, total, List.of());
        Pops pops = new Pops();
        String loopThread = Thread.currentThread().getName();
        List<Object> ran = new CopyOnWriteArrayList<>();
        run(config, serializers, pops, (worker, task) -> ran.add(task.kwargs().get("id")));

        assertThat(ran).hasSize(total).doesNotHaveDuplicates();
        assertThat(pops.requested()).as("a whole batch, then halves").containsExactly(256, 128, 128, 128, 128, 128, 104);
        for (int id = 0; id < total; id++) {
            String expected = id < 256 ? loopThread : "sergeant-pop-ahead-" + config.name();
            assertThat(serializers.decodedOn(id)).as("the thread that decoded task %d", id).isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 4})
    @DisplayName("an undecodable payload of a half decoded ahead goes to the dead letters once, byte for byte; every task runs once")
    void undecodablePayloadsOfAHalfAreDeadLettered(int threads) {
        int total = 1_000;
        // Positions 300, 301 and 701 of the queue: inside halves popped ahead (the first pop takes 256).
        WorkerConfig config = config("undecodable-" + threads, threads, 0).maxTasksPerRun(total + 3).build();
        push(config, total, List.of(300, 301, 701));
        Pops pops = new Pops();
        List<Object> ran = new CopyOnWriteArrayList<>();
        run(config, new ThreadRecordingSerializers(), pops, (worker, task) -> ran.add(task.kwargs().get("id")));

        assertThat(ran).hasSize(total).doesNotHaveDuplicates();
        assertThat(queueLength(config)).isZero();
        List<DeadLetter> letters = deadLetters(config);
        assertThat(letters).hasSize(3).allSatisfy(letter -> {
            assertThat(letter.payload()).isEqualTo(GARBAGE);
            assertThat(letter.reason()).startsWith("undecodable payload: MALFORMED_PAYLOAD:");
        });
        assertThat(pops.decodeFailures()).as("decodeFailed, once per payload").isEqualTo(3);
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 4})
    @DisplayName("a stop with halves decoded ahead loses nothing and runs nothing twice; an undecodable payload is dead-lettered once")
    void aStopWithDecodedHalvesLosesNothing(int threads) {
        int total = 1_000;
        WorkerConfig config = config("stop-" + threads, threads, 0).build();
        // Position 400: in a half that may be pending, taken or not yet popped when the stop comes.
        push(config, total, List.of(400));
        List<Object> ran = new CopyOnWriteArrayList<>();
        RunSummary summary = run(config, new ThreadRecordingSerializers(), new Pops(), (worker, task) -> {
            ran.add(task.kwargs().get("id"));
            if (((Number) task.kwargs().get("id")).intValue() == 300) {
                throw worker.stop();
            }
        });
        assertThat(summary.stop()).isTrue();
        long left = queueLength(config);
        int deadAtStop = deadLetters(config).size();
        assertThat(left + ran.size() + deadAtStop).as("ran, queued and dead letters together: every payload").isEqualTo(total + 1);

        // The rest runs in a second worker: together every task ran exactly once, the garbage is a dead letter once.
        List<Object> rest = new CopyOnWriteArrayList<>();
        run(config.toBuilder().maxTasksPerRun((int) left).build(), new ThreadRecordingSerializers(), new Pops(),
                (worker, task) -> rest.add(task.kwargs().get("id")));
        List<Object> all = new ArrayList<>(ran);
        all.addAll(rest);
        assertThat(all).hasSize(total).doesNotHaveDuplicates();
        assertThat(queueLength(config)).isZero();
        assertThat(deadLetters(config)).singleElement().satisfies(letter -> assertThat(letter.payload()).isEqualTo(GARBAGE));
    }

    // ------------------------------------------------------------------ helpers

    private static WorkerConfig.Builder config(String name, int threads, int maxTasks) {
        return WorkerConfig.builder("split-decode-" + name).backend(redis.uri()).delivery(DeliveryMode.AT_MOST_ONCE)
                .tasksPerTransaction(256).executor("thread", threads).maxTasksPerRun(maxTasks)
                .pollInterval(Duration.ofMillis(20));
    }

    /** Pushes tasks with ids 0 to {@code count - 1} in order, with {@link #GARBAGE} at the given queue positions. */
    private static void push(WorkerConfig config, int count, List<Integer> garbageAt) {
        Sergeant sergeant = Sergeant.create();
        WorkerConfig valid = sergeant.validate(config);
        PluginContext context = sergeant.pluginContext(valid);
        try (DefaultBroker broker = sergeant.openBroker(valid, context)) {
            broker.purgeTasks(config.name());
            broker.purgeDeadLetters(config.name());
            TaskCodec codec = sergeant.codec(valid);
            List<byte[]> payloads = new ArrayList<>();
            for (int id = 0; payloads.size() < count + garbageAt.size(); ) {
                if (garbageAt.contains(payloads.size())) {
                    payloads.add(GARBAGE);
                } else {
                    payloads.add(codec.encode(Task.of(Map.of("id", id++))));
                }
            }
            broker.backend().push(config.name(), payloads, Priority.NORMAL, null);
        }
    }

    private static long queueLength(WorkerConfig config) {
        try (var broker = Sergeant.create().broker(config)) {
            return broker.numberOfEnqueuedTasks(config.name(), true);
        }
    }

    private static List<DeadLetter> deadLetters(WorkerConfig config) {
        try (var broker = Sergeant.create().broker(config)) {
            return broker.deadLetters(config.name(), 100);
        }
    }

    private static RunSummary run(WorkerConfig config, ThreadRecordingSerializers serializers, Pops pops,
                                  BiConsumer<Worker, Task> onTask) {
        Sergeant sergeant = Sergeant.create(List.of(serializers)).withListeners(pops);
        Worker worker = new Worker() {
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
        try (WorkerRuntime runtime = new WorkerRuntime(worker, config, sergeant, List.of())) {
            return runtime.run();
        }
    }

    /** The discovered msgpack serializer, recording which thread decoded each task (by its {@code id}). */
    private static final class ThreadRecordingSerializers implements SerializerFactory {
        private final SerializerFactory msgpack = ServiceLoader.load(SerializerFactory.class).stream()
                .map(ServiceLoader.Provider::get).filter(factory -> factory.name().equals("msgpack")).findFirst().orElseThrow();
        private final Map<Integer, String> decodedOn = new ConcurrentHashMap<>();

        @Override
        public String name() {
            return "msgpack";
        }

        @Override
        public Serializer create(PluginOptions options, PluginContext context) {
            Serializer delegate = msgpack.create(options, context);
            return new Serializer() {
                @Override
                public byte[] serializeTask(Task task) {
                    return delegate.serializeTask(task);
                }

                @Override
                public Task deserializeTask(byte[] data) {
                    return recorded(delegate.deserializeTask(data));
                }

                @Override
                public Task deserializeTask(byte[] data, long deadlineNanos) {
                    return recorded(delegate.deserializeTask(data, deadlineNanos));
                }

                @Override
                public byte[] serializeValue(Object value) {
                    return delegate.serializeValue(value);
                }

                @Override
                public Object deserializeValue(byte[] data) {
                    return delegate.deserializeValue(data);
                }
            };
        }

        private Task recorded(Task task) {
            if (task.kwargs().get("id") instanceof Number id) {
                decodedOn.put(id.intValue(), Thread.currentThread().getName());
            }
            return task;
        }

        String decodedOn(int id) {
            return decodedOn.get(id);
        }
    }

    /** Records what each non-empty pop asked for, in order, and the decode failures. */
    private static final class Pops implements SergeantListener {
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
