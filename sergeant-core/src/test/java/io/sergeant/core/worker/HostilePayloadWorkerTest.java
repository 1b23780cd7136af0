package io.sergeant.core.worker;

import io.sergeant.api.Broker;
import io.sergeant.api.DeadLetter;
import io.sergeant.api.Priority;
import io.sergeant.api.config.DeliveryConfig;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.EncoderConfig;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.testkit.codec.HostilePayloads;
import io.sergeant.testkit.codec.HostilePayloads.HostilePayload;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Issue 13 §1 inside a worker: every hostile payload of {@link HostilePayloads}, popped in one batch
 * between two good tasks, ends as a dead letter whose reason says why it is undecodable, while the worker
 * (this JVM: same pid) runs the good tasks of the same batch and ends normally. Bounds are generous for a
 * loaded machine; the decode deadline is 1 s per payload.
 */
class HostilePayloadWorkerTest {

    @org.junit.jupiter.api.io.TempDir
    Path dir;

    private final Sergeant sergeant = Sergeant.create();

    /** The payloads grouped by the encoder a worker needs to read them. */
    static Stream<List<HostilePayload>> byEncoder() {
        Map<String, List<HostilePayload>> groups = new LinkedHashMap<>();
        for (HostilePayload payload : HostilePayloads.all()) {
            groups.computeIfAbsent(payload.serializer() + "+" + payload.compressor(), key -> new ArrayList<>()).add(payload);
        }
        return groups.values().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("byEncoder")
    @DisplayName("hostile payloads become dead letters with their reason; the good tasks of the batch run")
    void hostilePayloadsAreDeadLetteredAndTheBatchRuns(List<HostilePayload> payloads) {
        HostilePayload first = payloads.get(0);
        Map<String, String> options = "java".equals(first.serializer()) ? Map.of("java.allow", "") : Map.of();
        int batch = payloads.size() + 2;
        WorkerConfig config = WorkerConfig.builder("hostile-" + first.serializer() + "-" + first.compressor())
                .backend("sqlite:" + dir.resolve("queue.db"))
                .encoder(new EncoderConfig(first.serializer(), first.compressor(), options))
                .pollInterval(Duration.ofMillis(20))
                .maxTasksPerRun(batch).tasksPerTransaction(batch)
                .delivery(DeliveryConfig.DEFAULT.withLease(Duration.ofSeconds(30)).withReapInterval(Duration.ofMillis(200)))
                .build();
        try (Broker broker = sergeant.broker(config)) {
            broker.pushTask(config.name(), Map.of("id", 0));
        }
        try (var opened = sergeant.openBroker(sergeant.validate(config), sergeant.pluginContext(config))) {
            opened.backend().push(config.name(), payloads.stream().map(HostilePayload::bytes).toList(), Priority.NORMAL, null);
        }
        try (Broker broker = sergeant.broker(config)) {
            broker.pushTask(config.name(), Map.of("id", 1));
        }
        long pid = ProcessHandle.current().pid();
        List<Object> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
        RecordingWorker worker = new RecordingWorker(config, task -> {
            ran.add(((Number) task.kwargs().get("id")).longValue());
            return "ok";
        });

        long start = System.nanoTime();
        RunSummary summary = assertTimeoutPreemptively(Duration.ofSeconds(30 + 5L * payloads.size()), () -> {
            try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
                return runtime.run();
            }
        }, () -> "the worker is still busy with " + payloads);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(ProcessHandle.current().pid()).isEqualTo(pid);
        assertThat(summary.exitCode()).isZero();
        assertThat(ran).containsExactlyInAnyOrder(0L, 1L);
        assertThat(summary.outcomes()).containsEntry("dead_lettered", (long) payloads.size()).containsEntry("success", 2L);
        // 1 s decode deadline per payload; twice that per payload, plus start-up, on a loaded machine.
        assertThat(took).as("run time for %s", payloads).isLessThan(Duration.ofSeconds(10 + 2L * payloads.size()));
        try (Broker broker = sergeant.broker(config)) {
            List<DeadLetter> dead = broker.deadLetters(config.name(), 100);
            assertThat(dead).hasSize(payloads.size())
                    .allSatisfy(letter -> assertThat(letter.reason()).startsWith("undecodable"));
            assertThat(broker.stats(config.name()).inFlight()).isZero();
            assertThat(broker.stats(config.name()).ready()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("byEncoder")
    @DisplayName("at-most-once (the decode clock read per group of 32): each undecodable payload becomes exactly one"
            + " dead letter holding its bytes as pushed, in a batch of more than one group, and each good task runs once")
    void atMostOnceDeadLettersEachUndecodablePayloadOnceAsPushed(List<HostilePayload> payloads) {
        HostilePayload first = payloads.get(0);
        Map<String, String> options = "java".equals(first.serializer()) ? Map.of("java.allow", "") : Map.of();
        // 20 good tasks and 20 distinct malformed payloads in turn (the first group of 32 and into the second),
        // then the hostile payloads, then 5 good tasks
        List<byte[]> bad = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            bad.add(new byte[]{(byte) 0xc1, (byte) i, 0x00, (byte) 0xff, (byte) 0x80, 0x0a});
        }
        payloads.forEach(payload -> bad.add(payload.bytes()));
        int batch = 25 + bad.size();
        WorkerConfig config = WorkerConfig.builder("amo-hostile-" + first.serializer() + "-" + first.compressor())
                .backend("sqlite:" + dir.resolve("amo.db"))
                .encoder(new EncoderConfig(first.serializer(), first.compressor(), options))
                .pollInterval(Duration.ofMillis(20))
                .maxTasksPerRun(batch).tasksPerTransaction(batch)
                .delivery(DeliveryConfig.DEFAULT.withMode(DeliveryMode.AT_MOST_ONCE))
                .build();
        try (var opened = sergeant.openBroker(sergeant.validate(config), sergeant.pluginContext(config));
             Broker broker = sergeant.broker(config)) {
            for (int i = 0; i < 20; i++) {
                broker.pushTask(config.name(), Map.of("id", i));
                opened.backend().push(config.name(), List.of(bad.get(i)), Priority.NORMAL, null);
            }
            opened.backend().push(config.name(), bad.subList(20, bad.size()), Priority.NORMAL, null);
            for (int i = 20; i < 25; i++) {
                broker.pushTask(config.name(), Map.of("id", i));
            }
        }
        List<Long> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
        RecordingWorker worker = new RecordingWorker(config, task -> {
            ran.add(((Number) task.kwargs().get("id")).longValue());
            return "ok";
        });

        RunSummary summary = assertTimeoutPreemptively(Duration.ofSeconds(60 + 5L * payloads.size()), () -> {
            try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
                return runtime.run();
            }
        }, () -> "the worker is still busy with " + payloads);

        assertThat(summary.exitCode()).isZero();
        assertThat(ran).containsExactlyInAnyOrderElementsOf(LongStream.range(0, 25).boxed().toList());
        assertThat(summary.outcomes()).containsEntry("dead_lettered", (long) bad.size()).containsEntry("success", 25L);
        try (Broker broker = sergeant.broker(config)) {
            List<DeadLetter> dead = broker.deadLetters(config.name(), 1000);
            assertThat(dead).extracting(letter -> HexFormat.of().formatHex(letter.payload()))
                    .as("one dead letter per undecodable payload, byte for byte")
                    .containsExactlyInAnyOrderElementsOf(bad.stream().map(HexFormat.of()::formatHex).toList());
            assertThat(dead).allSatisfy(letter -> assertThat(letter.reason()).startsWith("undecodable"));
            assertThat(broker.stats(config.name()).ready()).isZero();
        }
    }
}
