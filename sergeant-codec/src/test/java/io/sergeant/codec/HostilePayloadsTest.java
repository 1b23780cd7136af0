package io.sergeant.codec;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.compress.ZlibCompressorFactory;
import io.sergeant.codec.java.JavaSerializerFactory;
import io.sergeant.codec.msgpack.MsgpackSerializerFactory;
import io.sergeant.codec.pickle.PickleSerializerFactory;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.codec.Compressor;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.testkit.codec.HostilePayloads;
import io.sergeant.testkit.codec.HostilePayloads.HostilePayload;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Issue 13 §1: whatever a producer sends, decoding ends fast, in bounded memory, with a typed error
 * (never an {@code OutOfMemoryError}, a {@code StackOverflowError} or minutes of CPU). Each payload of
 * {@link HostilePayloads} hung or exhausted a decoder before the decoders were bounded. Time bounds here
 * are generous (the machine may be loaded); the decode deadline itself is 1 s by default.
 */
class HostilePayloadsTest {

    /** The test gives up on a decode after this long: far above the 1 s deadline, far below "minutes". */
    private static final Duration HANG = Duration.ofSeconds(20);

    /**
     * Default limits with a deadline far away, for tests that prove a budget: on a loaded machine the
     * 1 s deadline may otherwise refuse the payload first (which is right, but not what they test).
     */
    private static final DecodeLimits BUDGET_ONLY = DecodeLimits.DEFAULT.withDecodeDeadline(Duration.ofMinutes(1));

    static List<HostilePayload> payloads() {
        return HostilePayloads.all();
    }

    private static Serializer serializer(String name, DecodeLimits limits) {
        PluginContext context = Contexts.utc(limits);
        return switch (name) {
            case "pickle" -> new PickleSerializerFactory().create(Contexts.none(), context);
            case "msgpack" -> new MsgpackSerializerFactory().create(Contexts.none(), context);
            case "java" -> new JavaSerializerFactory().create(Contexts.options(Map.of("java.allow", "")), context);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static Compressor compressor(String name, DecodeLimits limits) {
        return "zlib".equals(name) ? new ZlibCompressorFactory().create(Contexts.none(), Contexts.utc(limits)) : null;
    }

    /**
     * What a decode did: its error (or null), how long it took (wall clock, and CPU time of the decoding
     * thread) and how much it allocated.
     */
    private record Attempt(Throwable error, Object value, long nanos, long cpuNanos, long allocatedBytes) {
    }

    private static Attempt decode(HostilePayload payload, DecodeLimits limits) {
        Serializer serializer = serializer(payload.serializer(), limits);
        Compressor compressor = compressor(payload.compressor(), limits);
        return assertTimeoutPreemptively(HANG, () -> {
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
            long cpuBefore = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            Throwable error = null;
            Object value = null;
            try {
                long deadline = System.nanoTime() + limits.decodeDeadline().toNanos();
                byte[] raw = compressor == null ? payload.bytes() : compressor.decompress(payload.bytes(), deadline);
                value = serializer.deserializeValue(raw);
            } catch (Throwable e) {
                error = e;
            }
            return new Attempt(error, value, System.nanoTime() - start, threads.getCurrentThreadCpuTime() - cpuBefore,
                    threads.getCurrentThreadAllocatedBytes() - allocatedBefore);
        }, () -> payload + " still decoding after " + HANG + ": " + payload.attack());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("payloads")
    @DisplayName("every hostile payload is refused with a typed error, within seconds, allocating boundedly")
    void everyHostilePayloadIsRefusedFastWithATypedError(HostilePayload payload) {
        Attempt attempt = decode(payload, DecodeLimits.DEFAULT);

        assertThat(attempt.error()).as("%s: %s", payload, payload.attack()).isInstanceOf(SergeantException.class);
        assertThat(((SergeantException) attempt.error()).code()).isIn(ErrorCode.DECODE_BUDGET_EXCEEDED,
                ErrorCode.DECODE_DEADLINE_EXCEEDED, ErrorCode.MALFORMED_PAYLOAD, ErrorCode.NESTING_TOO_DEEP,
                ErrorCode.COLLECTION_TOO_LARGE);
        // CPU time, not wall time: on a loaded machine the decoding thread waits for a core, and the wall
        // clock then measures the queue for the CPU (the 1 s decode deadline itself is wall time, so a
        // bounded decoder stops by then anyway; an unbounded one burns CPU until HANG). Wall time is kept in
        // the message, for the record.
        assertThat(Duration.ofNanos(attempt.cpuNanos())).as("CPU time decoding %s (wall %s ms)", payload,
                attempt.nanos() / 1_000_000).isLessThan(Duration.ofSeconds(5));
        // Decompressed bytes (at most 64 MiB, read in doubling chunks) plus the 64 MiB retained budget
        // with room for garbage; the unbounded decoders allocated gigabytes.
        assertThat(attempt.allocatedBytes()).as("bytes allocated decoding %s", payload).isLessThan(600L << 20);
    }

    @Test
    @DisplayName("a tuple key of nested tuples sharing references is charged its tree size before it is hashed")
    void tupleKeyHashBombIsOverBudget() {
        Attempt attempt = decode(named("pickle-tuple-key-hash-bomb"), BUDGET_ONLY);
        assertThat(attempt.error()).isInstanceOf(SergeantException.class);
        assertThat(((SergeantException) attempt.error()).code()).isEqualTo(ErrorCode.DECODE_BUDGET_EXCEEDED);
        assertThat(attempt.error().getMessage()).contains("maxObjects");
    }

    @Test
    @DisplayName("a tuple holding a list that contains itself is an unhashable dict key, as in Python")
    void selfContainingListAsKeyIsUnhashable() {
        Attempt attempt = decode(named("pickle-self-list-as-key"), BUDGET_ONLY);
        assertThat(attempt.error()).isInstanceOf(SergeantException.class).hasMessageContaining("unhashable");
        assertThat(((SergeantException) attempt.error()).code()).isEqualTo(ErrorCode.MALFORMED_PAYLOAD);
    }

    @Test
    @DisplayName("kwargs whose shared references multiply are refused; a few shared references decode and re-encode")
    void sharedReferencesCannotMultiplyWork() {
        Attempt bomb = decode(named("pickle-shared-reference-kwargs"), BUDGET_ONLY);
        assertThat(bomb.error()).isInstanceOf(SergeantException.class);
        assertThat(((SergeantException) bomb.error()).code()).isEqualTo(ErrorCode.DECODE_BUDGET_EXCEEDED);

        // 2^10 leaves as a tree: within budget, so equality, hashing and re-encoding are bounded too.
        Serializer pickle = serializer("pickle", BUDGET_ONLY);
        Task task = pickle.deserializeTask(HostilePayloads.pickleSharedReferenceKwargs(10));
        assertThat(task.hashCode()).isEqualTo(task.hashCode());
        assertThat(task.toString()).hasSizeGreaterThan(1024);
        Task again = pickle.deserializeTask(pickle.serializeTask(task));
        assertThat(again).isEqualTo(task);
        byte[] msgpack = serializer("msgpack", DecodeLimits.DEFAULT).serializeTask(task);
        assertThat(msgpack.length).isLessThan(64 * 1024);
    }

    @Test
    @DisplayName("a payload just over the object budget is refused; raising maxObjects admits it")
    void theObjectBudgetIsConfigurable() {
        Serializer pickle = serializer("pickle", BUDGET_ONLY.withBudget(1000, 64L << 20));
        byte[] payload = HostilePayloads.pickleSharedReferenceKwargs(12);
        assertThatThrownBy(() -> pickle.deserializeTask(payload)).isInstanceOf(SergeantException.class)
                .extracting(e -> ((SergeantException) e).code()).isEqualTo(ErrorCode.DECODE_BUDGET_EXCEEDED);
        // A decode that must succeed gets the far deadline too: on a loaded machine the default 1 s may pass first.
        assertThat(serializer("pickle", BUDGET_ONLY.withBudget(20_000, 64L << 20)).deserializeTask(payload)
                .kwargs()).containsKey("a");
    }

    @Test
    @DisplayName("msgpack headers declaring a million elements allocate nothing for elements that never come")
    void declaredLengthsAreNotPreallocated() {
        Attempt attempt = decode(named("msgpack-declared-headers-zlib"), BUDGET_ONLY);
        assertThat(attempt.error()).isInstanceOf(SergeantException.class);
        // About 1 MB decompressed; 128 pre-allocated arrays of a million slots were 512 MB and more.
        assertThat(attempt.allocatedBytes()).isLessThan(64L << 20);
    }

    @Test
    @DisplayName("millions of empty maps are refused by the retained-bytes or object budget")
    void manySmallContainersAreOverBudget() {
        for (String name : List.of("msgpack-empty-maps-zlib", "msgpack-small-maps-16mb")) {
            Attempt attempt = decode(named(name), BUDGET_ONLY);
            assertThat(attempt.error()).as(name).isInstanceOf(SergeantException.class);
            assertThat(((SergeantException) attempt.error()).code()).as(name).isEqualTo(ErrorCode.DECODE_BUDGET_EXCEEDED);
        }
    }

    @Test
    @DisplayName("the JDK HashSet bomb is refused by weighing each set before its parent hashes it")
    void javaHashSetBombIsOverBudget() {
        Attempt attempt = decode(named("java-hashset-bomb"), BUDGET_ONLY);
        assertThat(attempt.error()).isInstanceOf(SergeantException.class);
        assertThat(((SergeantException) attempt.error()).code()).isEqualTo(ErrorCode.DECODE_BUDGET_EXCEEDED);
        assertThat(named("java-hashset-bomb").bytes().length).isLessThan(8 * 1024);
    }

    @Test
    @DisplayName("a payload still decoding at its deadline is refused with DECODE_DEADLINE_EXCEEDED")
    void decodeDeadlineIsEnforcedByEveryDecoder() {
        List<Object> big = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            big.add("value " + i);
        }
        DecodeLimits tight = DecodeLimits.DEFAULT.withDecodeDeadline(Duration.ofNanos(1));
        for (String name : List.of("msgpack", "pickle", "java")) {
            byte[] payload = serializer(name, DecodeLimits.DEFAULT).serializeTask(Task.of(Map.of("big", big)));
            Serializer serializer = serializer(name, tight);
            AtomicReference<Throwable> error = new AtomicReference<>();
            try {
                serializer.deserializeTask(payload);
            } catch (Throwable e) {
                error.set(e);
            }
            assertThat(error.get()).as(name).isInstanceOf(SergeantException.class);
            assertThat(((SergeantException) error.get()).code()).as(name).isEqualTo(ErrorCode.DECODE_DEADLINE_EXCEEDED);
            // The deadline passed by the caller wins over the limits' own.
            Serializer generous = serializer(name, BUDGET_ONLY);
            assertThatThrownBy(() -> generous.deserializeTask(payload, System.nanoTime() - 1)).as(name)
                    .isInstanceOf(SergeantException.class)
                    .extracting(e -> ((SergeantException) e).code()).isEqualTo(ErrorCode.DECODE_DEADLINE_EXCEEDED);
            assertThat(generous.deserializeTask(payload).kwargs()).containsKey("big");
        }
        byte[] compressed = new ZlibCompressorFactory().create(Contexts.none(), Contexts.utc(DecodeLimits.DEFAULT))
                .compress(new byte[32 << 20]);
        Compressor zlib = compressor("zlib", DecodeLimits.DEFAULT);
        assertThatThrownBy(() -> zlib.decompress(compressed, System.nanoTime() - 1)).isInstanceOf(SergeantException.class)
                .extracting(e -> ((SergeantException) e).code()).isEqualTo(ErrorCode.DECODE_DEADLINE_EXCEEDED);
    }

    private static HostilePayload named(String name) {
        return HostilePayloads.all().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }
}
