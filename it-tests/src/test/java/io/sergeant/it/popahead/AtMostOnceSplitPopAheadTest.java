package io.sergeant.it.popahead;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.sergeant.api.DeadLetter;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.it.popahead.LoopThreadFixtures.Pops;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.execution.TaskCodec;
import io.sergeant.testkit.codec.HookedSerializerFactory;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.sergeant.it.popahead.LoopThreadFixtures.assertTheRestRunsOnceInASecondWorker;
import static io.sergeant.it.popahead.LoopThreadFixtures.id;
import static io.sergeant.it.popahead.LoopThreadFixtures.push;
import static io.sergeant.it.popahead.LoopThreadFixtures.queueLength;
import static io.sergeant.it.popahead.LoopThreadFixtures.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * At-most-once split pop ahead (docs/decisions.md, "At-most-once split pop ahead") on a real
 * redis-server, whose half pops cost about half a whole one ({@code Backend.popsSplitCheaply()}): the worker pops half batches
 * on a thread of its own while it runs the last, yet never holds more than
 * {@code max(concurrency, tasksPerTransaction)} tasks (a kill -9 loses no more than with whole batches),
 * a stop loses nothing, and {@code maxTasksPerRun} is exact; MongoDB (an in-process wire-protocol server)
 * pops halves too, and so does SQLite in WAL mode (the same hint: every task exactly
 * once within the bound, a stop loses nothing); SQLite with a rollback journal (an fsync per pop) keeps
 * whole batches. Halves are decoded on the pop-ahead thread (docs/decisions.md, "At-most-once halves decoded where
 * they were popped"): seen by a msgpack serializer that records the decoding thread; undecodable payloads of a half
 * are still dead letters once and a stop with decoded halves loses nothing. No assertion depends on timing: where a
 * pop ahead must have happened,
 * the task waits for it (up to a generous deadline that only a missing pop ahead reaches). Every worker here has a
 * timeout: a one-thread worker without one runs its tasks on the loop thread instead ({@link AtMostOnceRunHereTest}).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AtMostOnceSplitPopAheadTest {

    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Not a msgpack task: 0xc1 is the one byte msgpack never uses. */
    private static final byte[] GARBAGE = {(byte) 0xc1, 'n', 'o', 't', ' ', 'a', ' ', 't', 'a', 's', 'k'};

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

    @ParameterizedTest(name = "{0} threads, batches of {1}")
    @CsvSource({"1, 256", "4, 300"})
    @DisplayName("the tasks held (popped, not ended) never exceed max(concurrency, tasksPerTransaction)")
    void heldTasksNeverExceedTheBound(int threads, int batch) throws Exception {
        int total = 2_000;
        WorkerConfig config = config("bound-" + threads, redis.uri(), threads, batch, total);
        push(config, 0, total);
        AtomicInteger ended = new AtomicInteger();
        AtomicLong maxHeld = new AtomicLong();
        Pops pops = new Pops();
        Set<Object> ran = Collections.synchronizedSet(new HashSet<>());
        run(config, pops, (worker, task) -> {
            // Read the queue first, then the ended count: what this gives is at most what was held when
            // the queue was read (tasks ending in between only lower it), so it never overstates.
            long ready = worker.numberOfEnqueuedTasks();
            long held = total - ready - ended.get();
            maxHeld.accumulateAndGet(held, Math::max);
            ran.add(task.kwargs().get("id"));
            ended.incrementAndGet();
        });

        System.out.printf("[split pop ahead] %d threads, batches of %d: at most %d tasks held; pops asked %s%n",
                threads, batch, maxHeld.get(), pops.requested());
        assertThat(ran).hasSize(total);
        assertThat(queueLength(config)).isZero();
        assertThat(maxHeld.get()).as("held tasks, bound %d", batch).isLessThanOrEqualTo(batch);
        assertThat(pops.requested()).as("halves were popped ahead").contains(batch / 2);
    }

    @Test
    @DisplayName("MongoDB's pops are remote too: halves within the bound (in-process wire-protocol server)")
    void mongoPopsHalvesWithinTheBound() throws Exception {
        MongoServer mongo = new MongoServer(new MemoryBackend());
        try {
            mongo.bind("127.0.0.1", 0);
            int total = 1_000;
            WorkerConfig config = config("mongo", "mongodb://127.0.0.1:" + mongo.getLocalAddress().getPort(), 1, 256, total);
            push(config, 0, total);
            AtomicInteger ended = new AtomicInteger();
            AtomicLong maxHeld = new AtomicLong();
            Pops pops = new Pops();
            run(config, pops, (worker, task) -> {
                long ready = worker.numberOfEnqueuedTasks();
                maxHeld.accumulateAndGet(total - ready - ended.get(), Math::max);
                ended.incrementAndGet();
            });

            assertThat(ended.get()).isEqualTo(total);
            assertThat(queueLength(config)).isZero();
            assertThat(maxHeld.get()).as("held tasks, bound 256").isLessThanOrEqualTo(256);
            assertThat(pops.requested()).as("halves were popped ahead").contains(128);
        } finally {
            mongo.shutdownNow();
        }
    }

    @Test
    @DisplayName("the next half is popped while the last runs")
    void theNextHalfIsPoppedWhileTheLastRuns() throws Exception {
        WorkerConfig config = config("overlap", redis.uri(), 1, 256, 1_000);
        push(config, 0, 1_000);
        AtomicLong seenAt200 = new AtomicLong(-1);
        Pops pops = new Pops();
        run(config, pops, (worker, task) -> {
            if (id(task) == 200) {
                // Tasks 0-199 ended, 200-255 are held: room for one half (128) beside them, popped ahead.
                seenAt200.set(awaitQueueAtMost(worker, 616));
            }
        });

        assertThat(seenAt200.get()).as("one batch of 256 and one half of 128 taken, no more").isEqualTo(616);
        assertThat(pops.requested()).as("a whole batch, then halves; the last cut to what the run has left")
                .containsExactly(256, 128, 128, 128, 128, 128, 104);
        assertThat(queueLength(config)).isZero();
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 4})
    @DisplayName("a stop with a half popped ahead loses nothing: every task ran or is back in the queue")
    void aStopLosesNothing(int threads) throws Exception {
        int total = 1_000;
        WorkerConfig config = config("stop-" + threads, redis.uri(), threads, 256, 0);
        push(config, 0, total);
        List<Object> ran = new CopyOnWriteArrayList<>();
        AtomicLong seenAtStop = new AtomicLong(-1);
        CountDownLatch stopping = new CountDownLatch(1);
        RunSummary summary = run(config, new Pops(), (worker, task) -> {
            ran.add(task.kwargs().get("id"));
            if (id(task) == 200) {
                seenAtStop.set(awaitQueueAtMost(worker, 616));
                stopping.countDown();
                throw worker.stop();
            }
            holdBehind(200, stopping, task);
        });
        assertThat(summary.stop()).isTrue();
        assertThat(seenAtStop.get()).as("a half was popped ahead before the stop").isLessThanOrEqualTo(616);
        assertTheRestRunsOnceInASecondWorker(config, ran, total);
    }

    @Test
    @DisplayName("maxTasksPerRun caps the halves: exactly that many tasks are taken")
    void maxTasksPerRunIsExact() throws Exception {
        WorkerConfig config = config("max-tasks", redis.uri(), 1, 256, 300);
        push(config, 0, 1_000);
        Pops pops = new Pops();
        AtomicInteger ran = new AtomicInteger();
        run(config, pops, (worker, task) -> ran.incrementAndGet());

        assertThat(ran.get()).isEqualTo(300);
        assertThat(queueLength(config)).isEqualTo(700);
        assertThat(pops.requested()).as("a whole batch, then a half cut to what the run has left").containsExactly(256, 44);
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 4})
    @DisplayName("SQLite in WAL mode pops halves ahead: every task exactly once, never more held than the bound, queue empty")
    void sqliteInWalModePopsHalvesWithinTheBound(int threads) throws Exception {
        int total = 2_000;
        int batch = 256;
        WorkerConfig config = wal(config("sqlite-wal-" + threads, "sqlite:" + dir.resolve("wal.db"), threads, batch, total));
        push(config, 0, total);
        AtomicInteger ended = new AtomicInteger();
        AtomicLong maxHeld = new AtomicLong();
        Pops pops = new Pops();
        List<Object> ran = new CopyOnWriteArrayList<>();
        run(config, pops, (worker, task) -> {
            // The queue first, then the ended count: never overstates what was held (as on Redis above).
            long ready = worker.numberOfEnqueuedTasks();
            maxHeld.accumulateAndGet(total - ready - ended.get(), Math::max);
            ran.add(task.kwargs().get("id"));
            ended.incrementAndGet();
        });

        assertThat(ran).hasSize(total).doesNotHaveDuplicates();
        assertThat(queueLength(config)).isZero();
        assertThat(maxHeld.get()).as("held tasks, bound %d", batch).isLessThanOrEqualTo(batch);
        assertThat(pops.requested()).as("halves were popped ahead").contains(batch / 2);
    }

    @Test
    @DisplayName("SQLite in WAL mode: a stop with a half popped ahead loses nothing")
    void sqliteInWalModeAStopLosesNothing() throws Exception {
        int total = 1_000;
        WorkerConfig config = wal(config("sqlite-wal-stop", "sqlite:" + dir.resolve("stop.db"), 1, 256, 0));
        push(config, 0, total);
        List<Object> ran = new CopyOnWriteArrayList<>();
        AtomicLong seenAtStop = new AtomicLong(-1);
        RunSummary summary = run(config, new Pops(), (worker, task) -> {
            ran.add(task.kwargs().get("id"));
            if (id(task) == 200) {
                // Tasks 0-199 ended, 200-255 held: room for one half (128) beside them, popped ahead.
                seenAtStop.set(awaitQueueAtMost(worker, 616));
                throw worker.stop();
            }
        });
        assertThat(summary.stop()).isTrue();
        assertThat(seenAtStop.get()).as("a half was popped ahead before the stop").isLessThanOrEqualTo(616);
        assertTheRestRunsOnceInASecondWorker(config, ran, total);
    }

    @Test
    @DisplayName("on SQLite with a rollback journal (an fsync per pop) the worker keeps whole batches")
    void sqliteWithARollbackJournalKeepsWholeBatches() throws Exception {
        WorkerConfig config = config("sqlite-whole", "sqlite:" + dir.resolve("whole.db"), 1, 256, 1_000);
        push(config, 0, 1_000);
        AtomicLong seenAt200 = new AtomicLong(-1);
        Pops pops = new Pops();
        run(config, pops, (worker, task) -> {
            if (id(task) == 200) {
                seenAt200.set(worker.numberOfEnqueuedTasks());
            }
        });

        assertThat(seenAt200.get()).as("one batch held, as Python").isEqualTo(744);
        assertThat(pops.requested()).containsExactly(256, 256, 256, 232);
        assertThat(queueLength(config)).isZero();
    }

    @Test
    @DisplayName("the loop thread decodes its own whole pop; every half popped ahead is decoded on the pop-ahead thread")
    void halvesAreDecodedOnThePopAheadThread() {
        int total = 1_000;
        WorkerConfig config = config("decode-threads", redis.uri(), 1, 256, total);
        ThreadRecordingSerializers serializers = new ThreadRecordingSerializers();
        pushWithGarbage(config, total, List.of());
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
        WorkerConfig config = config("undecodable-" + threads, redis.uri(), threads, 256, total + 3);
        pushWithGarbage(config, total, List.of(300, 301, 701));
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
        WorkerConfig config = config("decoded-stop-" + threads, redis.uri(), threads, 256, 0);
        // Position 400: in a half that may be pending, taken or not yet popped when the stop comes.
        pushWithGarbage(config, total, List.of(400));
        List<Object> ran = new CopyOnWriteArrayList<>();
        CountDownLatch stopping = new CountDownLatch(1);
        RunSummary summary = run(config, new ThreadRecordingSerializers(), new Pops(), (worker, task) -> {
            ran.add(task.kwargs().get("id"));
            if (id(task) == 300) {
                stopping.countDown();
                throw worker.stop();
            }
            holdBehind(300, stopping, task);
        });
        assertThat(summary.stop()).isTrue();
        long left = queueLength(config);
        assertThat(left).as("tasks left for the second worker").isPositive();
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

    private static WorkerConfig config(String name, String uri, int threads, int batch, int maxTasks) {
        // A timeout (never reached) keeps one-thread workers on the executor's thread, the path these tests cover:
        // without one, they run their tasks on the loop thread between whole pops (AtMostOnceRunHereTest).
        return WorkerConfig.builder("split-" + name).backend(uri).delivery(DeliveryMode.AT_MOST_ONCE)
                .tasksPerTransaction(batch).executor("thread", threads).maxTasksPerRun(maxTasks)
                .timeout(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(20)).build();
    }

    private static WorkerConfig wal(WorkerConfig config) {
        return config.toBuilder().backendOptions(Map.of("journalMode", "WAL")).build();
    }

    /** Pushes tasks with ids 0 to {@code count - 1} in order, with {@link #GARBAGE} at the given queue positions. */
    private static void pushWithGarbage(WorkerConfig config, int count, List<Integer> garbageAt) {
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

    private static List<DeadLetter> deadLetters(WorkerConfig config) {
        try (var broker = Sergeant.create().broker(config)) {
            return broker.deadLetters(config.name(), 100);
        }
    }

    /**
     * Holds a task after the one that stops the worker until that one stops it (or the deadline), so that the
     * other executor threads cannot drain the whole queue before the stop and leave nothing to hand back.
     */
    private static void holdBehind(int stopId, CountDownLatch stopping, Task task) {
        if (id(task) <= stopId) {
            return;
        }
        try {
            stopping.await(DEADLINE_NANOS, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the worker's queue holds at most {@code count} tasks (or the deadline); returns the last length read. */
    private static long awaitQueueAtMost(Worker worker, long count) {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        long ready;
        while ((ready = worker.numberOfEnqueuedTasks()) > count && System.nanoTime() - deadline < 0) {
            sleep(5);
        }
        return ready;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The discovered msgpack serializer, recording which thread decoded each task (by its {@code id}). */
    private static final class ThreadRecordingSerializers extends HookedSerializerFactory {
        private final Map<Integer, String> decodedOn = new ConcurrentHashMap<>();

        ThreadRecordingSerializers() {
            super("msgpack", discovered("msgpack"));
        }

        @Override
        protected void decoded(Task task) {
            if (task.kwargs().get("id") instanceof Number id) {
                decodedOn.put(id.intValue(), Thread.currentThread().getName());
            }
        }

        String decodedOn(int id) {
            return decodedOn.get(id);
        }
    }
}
