package io.sergeant.testkit.codec;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.testkit.execution.Concurrently;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * The contract every {@link io.sergeant.spi.codec.Serializer} meets, encoded once: round trips of Python
 * Sergeant's test data (nested maps with floats, lists, booleans, negative numbers, null, unicode, bytes,
 * instants), kwargs order, rejection of unsupported values at encode time naming the key path and the
 * type, and bounded, typed failures for deep, long, oversized, truncated, trailing and garbage payloads
 * (never another exception, never a stack overflow).
 *
 * <p>Values round-trip type-strictly when written as {@code Long}, {@code Double}, {@code String},
 * {@code byte[]}, {@code Boolean}, {@code List}, {@code Map} and {@code Instant} (microsecond precision),
 * which every serializer preserves. A test class extends this suite and implements
 * {@link #createSerializer(DecodeLimits)}; the serializer's clock must be in UTC.
 */
public abstract class SerializerCompatibilitySuite {

    /** Creates the serializer under test with these decode limits (and a UTC clock). */
    protected abstract Serializer createSerializer(DecodeLimits limits);

    /** The serializer with default limits. */
    protected Serializer serializer() {
        return createSerializer(TestDecodeLimits.DEFAULT);
    }

    /** Python Sergeant's encoder test data, extended with the edge values Java adds. */
    protected static Map<String, Object> referenceKwargs() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("float", 1.25);
        nested.put("list", Arrays.asList(1L, -2L, "three", true, false, null, 4.5));
        nested.put("deeper", Map.of("x", -7.5));
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("string", "value");
        kwargs.put("int", 1L);
        kwargs.put("negative", -123456789L);
        kwargs.put("float", 3.14159);
        kwargs.put("negative_float", -0.5);
        kwargs.put("true", true);
        kwargs.put("false", false);
        kwargs.put("none", null);
        kwargs.put("list", List.of(1L, 2L, 3L));
        kwargs.put("nested", nested);
        kwargs.put("unicode", "héllo wörld ✓ 日本語 🎉");
        kwargs.put("empty_string", "");
        kwargs.put("empty_list", List.of());
        kwargs.put("empty_map", Map.of());
        kwargs.put("bytes", new byte[] {0, 1, 2, (byte) 0xff, 'b', 'i', 'n'});
        return kwargs;
    }

    /** Asserts {@code action} throws a {@link SergeantException} with one of {@code codes}; returns it. */
    protected static SergeantException expectError(Runnable action, ErrorCode... codes) {
        try {
            action.run();
        } catch (SergeantException e) {
            assertThat(e.code()).as("error code of: %s", e.getMessage()).isIn((Object[]) codes);
            return e;
        } catch (Throwable t) {
            throw new AssertionError("expected a SergeantException with " + Arrays.toString(codes) + " but got " + t, t);
        }
        return fail("expected a SergeantException with " + Arrays.toString(codes) + " but nothing was thrown");
    }

    private Task roundTrip(Serializer serializer, Task task) {
        return serializer.deserializeTask(serializer.serializeTask(task));
    }

    @Test
    @DisplayName("a task with Python Sergeant's test data round-trips with all four fields")
    void roundTripsReferenceTask() {
        Task task = new Task(referenceKwargs(), "trace-id", 1700000000.123456, 3);
        DeepEquality.assertDeepEquals(task, roundTrip(serializer(), task));
    }

    @Test
    @DisplayName("a task without trace id and with empty kwargs round-trips")
    void roundTripsMinimalTask() {
        Task task = new Task(Map.of(), null, 0.0, 0);
        DeepEquality.assertDeepEquals(task, roundTrip(serializer(), task));
    }

    @Test
    @DisplayName("kwargs keep their insertion order")
    void keepsKwargsOrder() {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (int i = 40; i > 0; i--) {
            kwargs.put("key-" + i, (long) i);
        }
        Task decoded = roundTrip(serializer(), new Task(kwargs, null, 1.5, 0));
        assertThat(new ArrayList<>(decoded.kwargs().keySet())).containsExactlyElementsOf(kwargs.keySet());
    }

    @Test
    @DisplayName("integers at every encoding boundary round-trip as Long")
    void roundTripsIntegerBoundaries() {
        long[] values = {0, 1, 127, 128, 255, 256, 65535, 65536, Integer.MAX_VALUE, Integer.MAX_VALUE + 1L,
            4294967295L, 4294967296L, Long.MAX_VALUE, -1, -32, -33, -128, -129, -32768, -32769, Integer.MIN_VALUE,
            Integer.MIN_VALUE - 1L, Long.MIN_VALUE};
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (long value : values) {
            kwargs.put(Long.toString(value), value);
        }
        Task task = new Task(kwargs, null, 1.0, Integer.MAX_VALUE);
        DeepEquality.assertDeepEquals(task, roundTrip(serializer(), task));
    }

    @Test
    @DisplayName("doubles round-trip bit for bit, including signed zero, infinities and NaN")
    void roundTripsDoubles() {
        double[] values = {0.0, -0.0, 1e-300, -1e300, Double.MAX_VALUE, Double.MIN_VALUE, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, Double.NaN, 0.1, 1700000000.5};
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            kwargs.put("d" + i, values[i]);
        }
        Task task = new Task(kwargs, null, -0.0, 0);
        DeepEquality.assertDeepEquals(task, roundTrip(serializer(), task));
    }

    @Test
    @DisplayName("long strings and byte arrays round-trip at every length encoding")
    void roundTripsLongStringsAndBytes() {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (int length : new int[] {0, 31, 32, 255, 256, 65535, 65536, 1 << 15, 100_000}) {
            kwargs.put("s" + length, "é".repeat(length / 2) + "x".repeat(length % 2));
            byte[] bytes = new byte[length];
            new Random(length).nextBytes(bytes);
            kwargs.put("b" + length, bytes);
        }
        Task task = new Task(kwargs, "t".repeat(300), 2.5, 1);
        DeepEquality.assertDeepEquals(task, roundTrip(serializer(), task));
    }

    @Test
    @DisplayName("large lists and maps round-trip")
    void roundTripsLargeCollections() {
        List<Object> list = new ArrayList<>();
        Map<String, Object> map = new LinkedHashMap<>();
        for (long i = 0; i < 70_000; i++) {
            list.add(i % 3 == 0 ? (Object) ("item" + i) : (Object) i);
            if (i < 20_000) {
                map.put("k" + i, i * 0.5);
            }
        }
        Task task = new Task(Map.of("list", list, "map", map), null, 3.0, 0);
        DeepEquality.assertDeepEquals(task, roundTrip(serializer(), task));
    }

    @Test
    @DisplayName("instants round-trip at microsecond precision")
    void roundTripsInstants() {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("epoch", Instant.EPOCH);
        kwargs.put("fixture", Instant.ofEpochSecond(1700000007L, 500_000_000L));
        kwargs.put("micros", Instant.ofEpochSecond(1234567890L, 123_456_000L));
        kwargs.put("nested", List.of(Instant.ofEpochSecond(1L, 1000L)));
        Task task = new Task(kwargs, null, 4.0, 0);
        DeepEquality.assertDeepEquals(task, roundTrip(serializer(), task));
    }

    @Test
    @DisplayName("plain values round-trip through serializeValue")
    void roundTripsPlainValues() {
        Serializer serializer = serializer();
        for (Object value : Arrays.asList(null, "text", 42L, -1.5, true, List.of("a", 1L), referenceKwargs(),
                new byte[] {1, 2, 3})) {
            DeepEquality.assertDeepEquals(value, serializer.deserializeValue(serializer.serializeValue(value)));
        }
    }

    @Test
    @DisplayName("a value that is not a task is refused by deserializeTask")
    void deserializeTaskRefusesPlainValues() {
        Serializer serializer = serializer();
        byte[] payload = serializer.serializeValue(Map.of("kwargs", Map.of()));
        expectError(() -> serializer.deserializeTask(payload), ErrorCode.MALFORMED_PAYLOAD);
    }

    @Test
    @DisplayName("an unsupported value fails at encode time naming the key path and the type")
    void rejectsUnsupportedValuesNamingPathAndType() {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("name", "ann");
        user.put("tags", Arrays.asList(1L, 2L, new Object()));
        SergeantException e = expectError(() -> serializer().serializeTask(Task.of(Map.of("user", user))),
                ErrorCode.UNSUPPORTED_VALUE);
        assertThat(e.getMessage()).contains("kwargs.user.tags[2]").contains("java.lang.Object");
        SergeantException top = expectError(() -> serializer().serializeTask(Task.of(Map.of("thread", Thread.currentThread()))),
                ErrorCode.UNSUPPORTED_VALUE);
        assertThat(top.getMessage()).contains("kwargs.thread").contains(Thread.currentThread().getClass().getName());
    }

    @Test
    @DisplayName("a structure that contains itself fails at encode time with a typed error")
    void rejectsCyclicValues() {
        List<Object> cyclic = new ArrayList<>();
        cyclic.add(cyclic);
        expectError(() -> serializer().serializeTask(Task.of(Map.of("loop", cyclic))), ErrorCode.NESTING_TOO_DEEP,
                ErrorCode.UNSUPPORTED_VALUE);
    }

    @Test
    @DisplayName("nesting deeper than maxDepth is refused when encoding and when decoding")
    void boundsNesting() {
        Object deep = nested(60);
        Serializer small = createSerializer(TestDecodeLimits.of(1 << 20, 1 << 20, 20, 1000));
        expectError(() -> small.serializeTask(Task.of(Map.of("deep", deep))), ErrorCode.NESTING_TOO_DEEP);
        byte[] payload = createSerializer(TestDecodeLimits.of(1 << 20, 1 << 20, 1000, 1000))
                .serializeTask(Task.of(Map.of("deep", deep)));
        expectError(() -> small.deserializeTask(payload), ErrorCode.NESTING_TOO_DEEP);
        Task shallow = Task.of(Map.of("ok", nested(10)));
        DeepEquality.assertDeepEquals(shallow, small.deserializeTask(small.serializeTask(shallow)));
    }

    private static Object nested(int depth) {
        Object value = "bottom";
        for (int i = 0; i < depth; i++) {
            value = i % 2 == 0 ? List.of(value) : Map.of("k", value);
        }
        return value;
    }

    @Test
    @DisplayName("a collection longer than maxCollectionLength is refused when decoding")
    void boundsCollectionLength() {
        List<Object> list = new ArrayList<>();
        for (long i = 0; i < 200; i++) {
            list.add(i);
        }
        byte[] payload = serializer().serializeTask(Task.of(Map.of("list", list)));
        Serializer small = createSerializer(TestDecodeLimits.of(1 << 20, 1 << 20, 64, 100));
        expectError(() -> small.deserializeTask(payload), ErrorCode.COLLECTION_TOO_LARGE);
    }

    @Test
    @DisplayName("a payload larger than the decode limits is refused before it is parsed")
    void boundsPayloadSize() {
        byte[] payload = serializer().serializeTask(Task.of(Map.of("text", "x".repeat(5000))));
        Serializer small = createSerializer(TestDecodeLimits.of(1000, 1000, 64, 1_000_000));
        expectError(() -> small.deserializeTask(payload), ErrorCode.PAYLOAD_TOO_LARGE);
    }

    @Test
    @DisplayName("empty input, garbage and trailing bytes are malformed payloads")
    void rejectsGarbage() {
        Serializer serializer = serializer();
        expectError(() -> serializer.deserializeTask(new byte[0]), ErrorCode.MALFORMED_PAYLOAD);
        expectError(() -> serializer.deserializeTask("this is not a payload".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                ErrorCode.MALFORMED_PAYLOAD);
        byte[] valid = serializer.serializeTask(new Task(referenceKwargs(), "t", 1.0, 0));
        byte[] trailing = Arrays.copyOf(valid, valid.length + 1);
        expectError(() -> serializer.deserializeTask(trailing), ErrorCode.MALFORMED_PAYLOAD);
    }

    @Test
    @DisplayName("every truncation of a valid payload fails with a typed error")
    void rejectsTruncations() {
        Serializer serializer = serializer();
        byte[] valid = serializer.serializeTask(new Task(referenceKwargs(), "t", 1.0, 0));
        for (int length = 0; length < valid.length; length++) {
            byte[] truncated = Arrays.copyOf(valid, length);
            expectError(() -> serializer.deserializeTask(truncated), ErrorCode.MALFORMED_PAYLOAD,
                    ErrorCode.COLLECTION_TOO_LARGE);
        }
    }

    @Test
    @DisplayName("random corruption never escapes as anything but a SergeantException")
    void survivesCorruption() {
        Serializer serializer = createSerializer(TestDecodeLimits.of(1 << 20, 1 << 20, 64, 10_000));
        byte[] valid = serializer.serializeTask(new Task(referenceKwargs(), "trace", 1.0, 2));
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int round = 0; round < 3000; round++) {
            byte[] corrupt = valid.clone();
            int flips = 1 + random.nextInt(4);
            for (int i = 0; i < flips; i++) {
                corrupt[random.nextInt(corrupt.length)] = (byte) random.nextInt(256);
            }
            try {
                serializer.deserializeValue(corrupt);
            } catch (SergeantException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            } catch (Throwable t) {
                throw new AssertionError("seed " + seed + ", round " + round + ": " + t, t);
            }
        }
    }

    @Test
    @DisplayName("one serializer is safe to share between threads")
    void isThreadSafe() throws Exception {
        Serializer serializer = serializer();
        Concurrently.run(4, Duration.ofSeconds(60), thread -> {
            for (int i = 0; i < 300; i++) {
                Map<String, Object> kwargs = new LinkedHashMap<>(referenceKwargs());
                kwargs.put("id", (long) (thread * 1000 + i));
                kwargs.put("text", "x".repeat(i * 7));
                Task task = new Task(kwargs, "t" + i, i, i);
                DeepEquality.assertDeepEquals(task, roundTrip(serializer, task));
            }
            return null;
        });
    }
}
