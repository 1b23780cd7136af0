package io.sergeant.it.reliability;

import io.sergeant.testkit.servers.RedisServerProcess;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.EncoderConfig;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.spi.backend.Backend;
import io.sergeant.testkit.codec.HostilePayloads;
import io.sergeant.testkit.codec.HostilePayloads.HostilePayload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile and broken payloads through a real worker process on a real backend: garbage bytes, a
 * truncated payload, msgpack bombs (a huge declared length, deep nesting), a zlib bomb and an xz bomb
 * (worker configured with that compressor), a pickle naming {@code os.system} (pickle serializer), and a
 * payload over the size limit pushed by a foreign producer (raw {@link Backend#push}). Each lands in the
 * dead letters byte for byte with its reason, is logged once, and the worker keeps running the good
 * tasks pushed around it. On SQLite, and on Redis for the msgpack cases.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BadInputTest {

    private static final String LOG_LINE = "moving a task to the dead letters";

    @TempDir
    Path dir;

    private RedisServerProcess redis;
    private Process worker;

    @AfterEach
    void stop() throws InterruptedException {
        if (worker != null && worker.isAlive()) {
            worker.destroyForcibly();
            worker.waitFor();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** A bad payload and the error codes its dead letter may name. */
    private record Bad(String name, byte[] payload, Set<ErrorCode> codes) {

        Bad(String name, byte[] payload, ErrorCode code) {
            this(name, payload, Set.of(code));
        }
    }

    @Test
    @DisplayName("SQLite, msgpack: garbage, truncated, huge declared length, deep nesting, oversize from a foreign producer")
    void sqliteMsgpack() throws Exception {
        run("sqlite-msgpack", "sqlite:" + dir.resolve("queue.sqlite3"), "msgpack", "none", this::msgpackCases);
    }

    @Test
    @DisplayName("Redis, msgpack: garbage, truncated, huge declared length, deep nesting, oversize from a foreign producer")
    void redisMsgpack() throws Exception {
        redis = RedisServerProcess.start();
        run("redis-msgpack", redis.uri(), "msgpack", "none", this::msgpackCases);
    }

    @Test
    @DisplayName("SQLite, zlib: a zlib bomb")
    void zlibBomb() throws Exception {
        run("sqlite-zlib", "sqlite:" + dir.resolve("queue.sqlite3"), "msgpack", "zlib",
                broker -> List.of(new Bad("zlib bomb (128 MiB of zeros)", zlibBomb(128), BOMB_REFUSALS)));
    }

    @Test
    @DisplayName("SQLite, lzma: an xz bomb")
    void xzBomb() throws Exception {
        run("sqlite-lzma", "sqlite:" + dir.resolve("queue.sqlite3"), "msgpack", "lzma",
                broker -> List.of(new Bad("xz bomb (128 MiB of zeros)", xzBomb(128), BOMB_REFUSALS)));
    }

    @Test
    @DisplayName("SQLite, pickle: a pickle calling os.system")
    void pickleGlobal() throws Exception {
        byte[] osSystem = {(byte) 0x80, 2, 'c', 'o', 's', '\n', 's', 'y', 's', 't', 'e', 'm', '\n',
                'X', 2, 0, 0, 0, 'i', 'd', (byte) 0x85, 'R', '.'};
        run("sqlite-pickle", "sqlite:" + dir.resolve("queue.sqlite3"), "pickle", "none",
                broker -> List.of(new Bad("pickle GLOBAL os.system", osSystem, ErrorCode.CLASS_NOT_ALLOWED)));
    }

    /** A decompression bomb: past the decompressed size, or still inflating at the decode deadline (loaded machine). */
    private static final Set<ErrorCode> BOMB_REFUSALS = Set.of(ErrorCode.DECOMPRESSED_TOO_LARGE,
            ErrorCode.DECODE_DEADLINE_EXCEEDED);

    /** Every code a bounded decoder refuses a hostile payload with (issue 13 §1). */
    private static final Set<ErrorCode> REFUSALS = Set.of(ErrorCode.DECODE_BUDGET_EXCEEDED,
            ErrorCode.DECODE_DEADLINE_EXCEEDED, ErrorCode.COLLECTION_TOO_LARGE, ErrorCode.DECOMPRESSED_TOO_LARGE,
            ErrorCode.NESTING_TOO_DEEP, ErrorCode.MALFORMED_PAYLOAD, ErrorCode.CLASS_NOT_ALLOWED,
            ErrorCode.PAYLOAD_TOO_LARGE);

    /** The payloads of {@link HostilePayloads}, grouped by the encoder a worker needs to read them. */
    static Stream<Arguments> hostileByEncoder() {
        Map<String, List<HostilePayload>> groups = new LinkedHashMap<>();
        for (HostilePayload payload : HostilePayloads.all()) {
            groups.computeIfAbsent(payload.serializer() + "+" + payload.compressor(), key -> new ArrayList<>()).add(payload);
        }
        return groups.entrySet().stream().map(entry -> Arguments.of(entry.getKey(), entry.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileByEncoder")
    @DisplayName("SQLite, hostile payloads (hash bombs, shared references, declared-size and zlib map bombs, the JDK"
            + " HashSet bomb) pushed by a producer, on a worker with -Xmx256m: dead letters with reasons, same pid,"
            + " the good tasks around them ran")
    void hostilePayloads(String encoder, List<HostilePayload> payloads) throws Exception {
        HostilePayload first = payloads.get(0);
        run("sqlite-hostile-" + encoder, "sqlite:" + dir.resolve("queue.sqlite3"), first.serializer(), first.compressor(),
                broker -> payloads.stream().map(payload -> new Bad(payload.name(), payload.bytes(), REFUSALS)).toList());
    }

    private interface Cases {
        List<Bad> of(DefaultBroker broker) throws IOException;
    }

    private List<Bad> msgpackCases(DefaultBroker broker) {
        byte[] garbage = new byte[64];
        new Random(1).nextBytes(garbage);
        garbage[0] = (byte) 0xC1; // the one byte msgpack never uses
        byte[] good = broker.encoder().encode(Task.of(Map.of("id", "x", "ms", 1)));
        byte[] deep = new byte[100_001];
        Arrays.fill(deep, (byte) 0x91); // fixarray of one element, nested 100,000 deep
        deep[deep.length - 1] = (byte) 0xC0;
        byte[] oversize = new byte[17 << 20];
        Arrays.fill(oversize, (byte) 'x');
        return List.of(
                new Bad("garbage bytes", garbage, ErrorCode.MALFORMED_PAYLOAD),
                // The reader sees a declared length past the end of the data: too large for what is left.
                new Bad("truncated payload", Arrays.copyOf(good, good.length / 2),
                        Set.of(ErrorCode.MALFORMED_PAYLOAD, ErrorCode.COLLECTION_TOO_LARGE)),
                new Bad("map32 declaring 2^32-1 entries", new byte[] {(byte) 0xDF, -1, -1, -1, -1}, ErrorCode.COLLECTION_TOO_LARGE),
                new Bad("100,000 nested arrays", deep, ErrorCode.NESTING_TOO_DEEP),
                new Bad("17 MiB payload from a foreign producer", oversize, ErrorCode.PAYLOAD_TOO_LARGE));
    }

    private void run(String name, String backend, String serializer, String compressor, Cases cases) throws Exception {
        Path history = dir.resolve("history");
        WorkerConfig config = HistoryWorker.baseConfig().backend(backend)
                .encoder(new EncoderConfig(serializer, compressor, "java".equals(serializer) ? Map.of("java.allow", "") : Map.of()))
                .delivery(DeliveryMode.AT_LEAST_ONCE).build();
        Sergeant sergeant = Sergeant.create();
        WorkerConfig valid = sergeant.validate(config);
        try (DefaultBroker broker = sergeant.openBroker(valid, sergeant.pluginContext(valid));
             HistoryLog log = HistoryLog.open(history, "producer")) {
            Backend raw = broker.backend();
            List<Bad> bad = cases.of(broker);
            List<String> good = new ArrayList<>();
            int next = 0;
            for (Bad item : bad) {
                next = pushGood(broker, log, good, next, 5);
                raw.push(HistoryWorker.QUEUE, List.of(item.payload()), Priority.NORMAL, null);
            }
            pushGood(broker, log, good, next, 20);

            Path output = dir.resolve("worker.log");
            worker = startWorker(history, backend, serializer, compressor, output);
            boolean allGood = FaultRun.awaitCompleted(history, good, Duration.ofSeconds(40));
            boolean allDead = awaitDeadLetters(broker, bad.size(), Duration.ofSeconds(20));
            boolean aliveAfterwards = worker.isAlive();
            worker.destroy();
            assertThat(worker.waitFor(30, TimeUnit.SECONDS)).as("the worker stops on SIGTERM").isTrue();
            String text = Files.readString(output, StandardCharsets.UTF_8);
            List<DeadLetter> deadLetters = broker.deadLetters(HistoryWorker.QUEUE, 100);
            HistoryReport report = new HistoryChecker().check(History.read(history));
            long logged = text.lines().filter(line -> line.contains(LOG_LINE)).count();
            List<String> reasons = new ArrayList<>();
            Map<String, String> byCase = new LinkedHashMap<>();
            for (Bad item : bad) {
                DeadLetter letter = deadLetters.stream().filter(candidate -> Arrays.equals(candidate.payload(), item.payload()))
                        .findFirst().orElse(null);
                byCase.put(item.name(), letter == null ? "(not in the dead letters)" : letter.reason());
                if (letter != null) {
                    reasons.add(letter.reason());
                }
            }
            StringBuilder figures = new StringBuilder("good=" + good.size() + " completed=" + report.completed()
                    + " dead-letters=" + deadLetters.size() + " logged=" + logged + " worker-alive=" + aliveAfterwards);
            byCase.forEach((bad1, reason) -> figures.append("\n    ").append(bad1).append(" -> ")
                    .append(reason.length() > 160 ? reason.substring(0, 160) + "…" : reason));
            FaultRun.figures("bad input " + name, figures.toString());

            assertThat(allGood).as("the good tasks around the bad ones ran: %s\n%s", report, FaultRun.tail(text)).isTrue();
            assertThat(aliveAfterwards).as("the worker process survived every bad payload\n%s", FaultRun.tail(text)).isTrue();
            assertThat(allDead).as("every bad payload is a dead letter: %s", byCase).isTrue();
            assertThat(deadLetters).hasSize(bad.size());
            for (Bad item : bad) {
                String reason = byCase.get(item.name());
                // The decoder's refusal names its code; a backend that refuses an oversized payload in its pop
                // says so before any decoder saw it.
                assertThat(item.codes()).as("%s: %s", item.name(), reason)
                        .anyMatch(code -> reason.startsWith("undecodable payload: " + code + ":")
                                || code == ErrorCode.PAYLOAD_TOO_LARGE && reason.startsWith("undecodable: the payload has "));
            }
            long refusedByBackend = reasons.stream().filter(reason -> reason.startsWith("undecodable: the payload has ")).count();
            assertThat(logged).as("each bad payload that reached the worker is logged once (the backend refused %d)\n%s",
                    refusedByBackend, FaultRun.tail(text)).isEqualTo(bad.size() - refusedByBackend);
            assertThat(text).as("no OutOfMemoryError or StackOverflowError").doesNotContain("OutOfMemoryError")
                    .doesNotContain("StackOverflowError");
            assertThat(report.lost()).isEmpty();
            assertThat(report.duplicated()).isEmpty();
            assertThat(report.unexpected()).isEmpty();
            assertThat(reasons).hasSize(bad.size());
        }
    }

    private static int pushGood(DefaultBroker broker, HistoryLog log, List<String> good, int next, int count) {
        for (int i = 0; i < count; i++) {
            String id = String.format("g-%04d", next++);
            Task task = Task.of(Map.of("id", id, "ms", 1));
            log.attempted(List.of(task), 0);
            broker.pushTask(HistoryWorker.QUEUE, task, Priority.NORMAL, null);
            log.pushed(List.of(task), 0);
            good.add(id);
        }
        return next;
    }

    private static Process startWorker(Path history, String backend, String serializer, String compressor, Path output)
            throws IOException {
        return FaultRun.startHistoryWorker(history, backend, output, List.of("-Dsergeant.config.encoder.serializer=" + serializer,
                "-Dsergeant.config.encoder.compressor=" + compressor, "-Dsergeant.config.delivery.mode=at-least-once",
                "java".equals(serializer) ? "-Dsergeant.config.encoder.option.java.allow=" : "-Dsergeant.bad-input=1",
                "-Dsergeant.config.tasksPerTransaction=4", "-Dsergeant.config.executor.concurrency=2"));
    }

    private static boolean awaitDeadLetters(DefaultBroker broker, int count, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (broker.stats(HistoryWorker.QUEUE).deadLetters() >= count) {
                return true;
            }
            FaultRun.sleep(100);
        }
        return false;
    }

    private static byte[] zlibBomb(int mebibytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try (OutputStream out = new DeflaterOutputStream(bytes, deflater, 1 << 16)) {
            writeZeros(out, mebibytes);
        } finally {
            deflater.end();
        }
        return bytes.toByteArray();
    }

    private static byte[] xzBomb(int mebibytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new XZOutputStream(bytes, new LZMA2Options(0))) {
            writeZeros(out, mebibytes);
        }
        return bytes.toByteArray();
    }

    private static void writeZeros(OutputStream out, int mebibytes) throws IOException {
        byte[] zeros = new byte[1 << 20];
        for (int i = 0; i < mebibytes; i++) {
            out.write(zeros);
        }
    }
}
