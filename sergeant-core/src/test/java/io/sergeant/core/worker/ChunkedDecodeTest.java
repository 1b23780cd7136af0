package io.sergeant.core.worker;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.codec.msgpack.MsgpackSerializerFactory;
import io.sergeant.core.Sergeant;
import io.sergeant.testkit.codec.HookedSerializerFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The task loop hands a popped batch to the executor one decoded chunk at a time, so the first tasks run
 * while the rest of the batch is still being decoded (decode and execution overlap, in both delivery
 * modes, also for at-most-once, which holds a single batch).
 */
class ChunkedDecodeTest {

    private static final int BATCH = 600;

    @TempDir
    Path dir;

    /** msgpack, except that decoding the batch's last payload waits (up to 30 s) until the first task ran. */
    static final class GatedSerializerFactory extends HookedSerializerFactory {
        final CountDownLatch firstTaskRan = new CountDownLatch(1);
        final AtomicBoolean ranBeforeLastDecode = new AtomicBoolean();
        final AtomicInteger decoded = new AtomicInteger();

        GatedSerializerFactory() {
            super("gated", new MsgpackSerializerFactory());
        }

        @Override
        protected void beforeDecode(byte[] data) {
            if (decoded.incrementAndGet() == BATCH) {
                try {
                    ranBeforeLastDecode.set(firstTaskRan.await(30, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    @Timeout(120)
    void theFirstTasksOfABatchRunBeforeItsLastPayloadIsDecoded(DeliveryMode mode) {
        GatedSerializerFactory gated = new GatedSerializerFactory();
        Sergeant sergeant = Sergeant.create(List.of(gated));
        WorkerConfig config = WorkerConfig.builder("chunked-" + mode.name().toLowerCase(java.util.Locale.ROOT))
                .backend("sqlite:" + dir.resolve("queue.db"))
                .encoder("gated", "none")
                .pollInterval(Duration.ofMillis(20))
                .delivery(mode)
                .tasksPerTransaction(BATCH)
                .maxTasksPerRun(BATCH)
                .build();
        try (Broker broker = sergeant.broker(config)) {
            List<Task> tasks = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
                tasks.add(Task.of(Map.of("id", i)));
            }
            broker.pushTasks(config.name(), tasks, Priority.NORMAL, null);
        }
        RecordingWorker worker = new RecordingWorker(config, task -> {
            gated.firstTaskRan.countDown();
            return null;
        });
        try (WorkerRuntime runtime = new WorkerRuntime(worker, config, sergeant, List.of())) {
            RunSummary summary = runtime.run();
            assertThat(summary.outcomes()).containsEntry("success", (long) BATCH);
        }
        assertThat(gated.decoded).hasValue(BATCH);
        assertThat(gated.ranBeforeLastDecode).as("a task ran while the batch's last payload was still undecoded").isTrue();
        try (Broker broker = sergeant.broker(config)) {
            assertThat(broker.stats(config.name()).ready()).isZero();
            assertThat(broker.stats(config.name()).inFlight()).isZero();
        }
    }
}
