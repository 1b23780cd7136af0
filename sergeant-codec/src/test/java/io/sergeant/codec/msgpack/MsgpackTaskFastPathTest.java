package io.sergeant.codec.msgpack;

import io.sergeant.testkit.codec.TestDecodeLimits;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;
import io.sergeant.codec.support.Utf8;
import io.sergeant.spi.PluginContext;
import io.sergeant.testkit.interop.InteropFixtures;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The task fast path ({@link TaskFastPath}) against the generic {@link BoundedMsgpackReader#read}:
 * it must accept the payloads producers write and yield exactly what the generic path yields (same classes,
 * same order, same values), and for anything else defer to the generic path so results and errors are
 * identical. Outcomes are compared as strict "shapes" (class names and values, recursively).
 */
class MsgpackTaskFastPathTest {

    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L, 250_000_000L), ZoneOffset.UTC);

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    private static String str(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        assertThat(bytes.length).isLessThan(32);
        return String.format("%02x", 0xa0 | bytes.length) + HexFormat.of().formatHex(bytes);
    }

    private static final String TASK = "81" + str("__task__");
    private static final String KWARGS = str("kwargs");
    private static final String TRACE_ID = str("trace_id");
    private static final String DATE = str("date");
    private static final String RUN_COUNT = str("run_count");
    private static final String DATE_VALUE = "cb41d954fc40200000";

    /** {"__task__": {"kwargs": <kwargs>, "trace_id": <traceId>, "date": 1700000000.5, "run_count": <runCount>}}. */
    private static byte[] task(String kwargs, String traceId, String runCount) {
        return hex(TASK + "84" + KWARGS + kwargs + TRACE_ID + traceId + DATE + DATE_VALUE + RUN_COUNT + runCount);
    }

    /** The generic path alone, as the serializer reports it. */
    private static String generic(byte[] payload, DecodeLimits limits) {
        try {
            return shape(new BoundedMsgpackReader(payload, limits, CLOCK, new KeyCache(), DecodeBudget.startingNow("msgpack", limits)).read());
        } catch (SergeantException e) {
            return error(e);
        } catch (RuntimeException e) {
            return error(Errors.malformed("msgpack", "cannot be read (" + e + ")", e));
        }
    }

    /** The fast path, falling back to the generic path, as the serializer does. */
    private static String fastThenGeneric(byte[] payload, DecodeLimits limits, KeyCache cache) {
        try {
            long deadline = DecodeBudget.deadlineFromNow(limits);
            Task task = TaskFastPath.read(payload, limits, cache, CLOCK, deadline);
            return shape(task != null ? task
                    : new BoundedMsgpackReader(payload, limits, CLOCK, cache, DecodeBudget.until("msgpack", limits, deadline)).read());
        } catch (SergeantException e) {
            return error(e);
        } catch (RuntimeException e) {
            return error(Errors.malformed("msgpack", "cannot be read (" + e + ")", e));
        }
    }

    private static boolean fastPathTakes(byte[] payload, DecodeLimits limits) {
        return TaskFastPath.read(payload, limits, new KeyCache(), CLOCK, DecodeBudget.deadlineFromNow(limits)) != null;
    }

    /** The code and message, with identity hash codes (of byte[] keys quoted in messages) masked. */
    private static String error(SergeantException e) {
        return "error " + e.code() + ": " + e.getMessage().replaceAll("\\[B@[0-9a-f]+", "[B@...");
    }

    /** Class names and values, recursively; tasks field by field. */
    static String shape(Object value) {
        if (value instanceof Task task) {
            return "Task(kwargs=" + shape(task.kwargs()) + ", traceId=" + shape(task.traceId()) + ", date="
                    + Double.doubleToRawLongBits(task.date()) + ", runCount=" + task.runCount() + ")";
        }
        if (value instanceof Map<?, ?> map) {
            StringBuilder out = new StringBuilder(map.getClass().getName()).append('{');
            map.forEach((k, v) -> out.append(shape(k)).append('=').append(shape(v)).append(", "));
            return out.append('}').toString();
        }
        if (value instanceof List<?> list) {
            StringBuilder out = new StringBuilder(list.getClass().getName()).append('[');
            list.forEach(item -> out.append(shape(item)).append(", "));
            return out.append(']').toString();
        }
        if (value instanceof byte[] bytes) {
            return "byte[]" + HexFormat.of().formatHex(bytes);
        }
        return value == null ? "null" : value.getClass().getSimpleName() + "(" + value + ")";
    }

    private static void assertSameOutcome(byte[] payload, DecodeLimits limits) {
        String expected = generic(payload, limits);
        assertThat(fastThenGeneric(payload, limits, new KeyCache())).as(HexFormat.of().formatHex(payload))
                .isEqualTo(expected);
    }

    private static void assertFastAndSame(byte[] payload) {
        assertThat(fastPathTakes(payload, TestDecodeLimits.DEFAULT)).as("fast path taken").isTrue();
        assertThat(generic(payload, TestDecodeLimits.DEFAULT)).startsWith("Task(");
        assertSameOutcome(payload, TestDecodeLimits.DEFAULT);
    }

    private static void assertFallbackAndSame(byte[] payload) {
        assertThat(fastPathTakes(payload, TestDecodeLimits.DEFAULT)).as("fast path declines").isFalse();
        assertSameOutcome(payload, TestDecodeLimits.DEFAULT);
    }

    private static MsgpackSerializer serializer() {
        return serializer(TestDecodeLimits.DEFAULT, CLOCK);
    }

    private static MsgpackSerializer serializer(DecodeLimits limits, Clock clock) {
        return new MsgpackSerializer(new PluginContext(limits, clock, MsgpackTaskFastPathTest.class.getClassLoader()));
    }

    /** The instance fields of {@link TaskFastPath} an attempt may change (all non-final ones, found by reflection). */
    private static final List<Field> MUTABLE_FIELDS = mutableFields();

    private static List<Field> mutableFields() {
        List<Field> fields = new ArrayList<>();
        for (Field field : TaskFastPath.class.getDeclaredFields()) {
            if (!Modifier.isStatic(field.getModifiers()) && !Modifier.isFinal(field.getModifiers())) {
                field.setAccessible(true);
                fields.add(field);
            }
        }
        return fields;
    }

    private static Object field(TaskFastPath path, String name) {
        for (Field field : MUTABLE_FIELDS) {
            if (field.getName().equals(name)) {
                try {
                    return field.get(path);
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        throw new AssertionError("no mutable field " + name);
    }

    /**
     * Every mutable field of {@code used} holds what a new instance with the same limits holds: primitives
     * equal, references the same object (the shared empty payload, or null).
     */
    private static void assertLikeNew(TaskFastPath used, DecodeLimits limits) {
        TaskFastPath fresh = new TaskFastPath(limits, new KeyCache(), CLOCK);
        for (Field field : MUTABLE_FIELDS) {
            Object now = field(used, field.getName());
            Object expected = field(fresh, field.getName());
            if (field.getType().isPrimitive()) {
                assertThat(now).as("field %s after an attempt", field.getName()).isEqualTo(expected);
            } else {
                assertThat(now).as("field %s after an attempt", field.getName()).isSameAs(expected);
            }
        }
    }

    @Test
    @DisplayName("the state check sees every field an attempt uses")
    void stateCheckSeesEveryField() {
        assertThat(MUTABLE_FIELDS).extracting(Field::getName).containsExactlyInAnyOrder(
                "in", "end", "deadlineNanos", "busy", "pos", "objects", "bytes", "untilCheck", "budget", "nested");
    }

    @Test
    @DisplayName("the Python fixtures and what the writer produces take the fast path and decode as the generic path does")
    void fixturesAndWriterOutput() {
        for (String file : List.of("task-msgpack-none.bin", "task-rich-msgpack-none.bin")) {
            assertFastAndSame(InteropFixtures.bytes(file));
        }
        MsgpackSerializer serializer = serializer();
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("when", Instant.ofEpochSecond(1_700_000_000L, 123_456_000L));
        nested.put("list", List.of(1L, List.of(), Map.of()));
        nested.put("bytes", new byte[] {1, 2, 3});
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("id", 123456L);
        kwargs.put("url", "https://example.com/a/b");
        kwargs.put("n", 3L);
        kwargs.put("flag", true);
        kwargs.put("nothing", null);
        kwargs.put("nested", nested);
        kwargs.put("é✓🎉 key", -1.25);
        kwargs.put("big", new java.math.BigInteger("18446744073709551615"));
        kwargs.put("", "empty key");
        kwargs.put("long key ".repeat(10), "a long key is not cached");
        for (Task task : List.of(MsgpackTaskBenchmark.typicalTask(), new Task(kwargs, null, 0.0, 0),
                new Task(kwargs, "é✓🎉", -1.5, 255), new Task(Map.of(), "t", Double.NaN, 65536),
                new Task(Map.of("x", 1L), "t".repeat(300), 1.0, Integer.MAX_VALUE))) {
            byte[] payload = serializer.serializeTask(task);
            assertFastAndSame(payload);
            assertThat(shape(serializer.deserializeTask(payload))).isEqualTo(generic(payload, TestDecodeLimits.DEFAULT));
            assertThat(shape(serializer.deserializeValue(payload))).isEqualTo(generic(payload, TestDecodeLimits.DEFAULT));
        }
    }

    @Test
    @DisplayName("nested __datetime__, __tuple__ and __task__ and int keys inside kwargs values take the fast path")
    void nestedSpecials() {
        String datetime = "81" + str("__datetime__") + "cb41d954fc41e00000";
        String tuple = "81" + str("__tuple__") + "92 07" + str("y");
        String innerTask = "81" + str("__task__") + "81" + RUN_COUNT + "05";
        String intKeys = "82 01" + str("one") + "ff" + str("minus one");
        String listKey = "81 92 01 02" + str("list key");
        String datetimeWithOthers = "82" + str("x") + "01" + str("__datetime__") + "cb41d954fc41e00000";
        assertFastAndSame(task("86" + str("d") + datetime + str("u") + tuple + str("t") + innerTask + str("i") + intKeys
                + str("l") + listKey + str("o") + datetimeWithOthers, "c0", "00"));
        assertFastAndSame(task("81" + str("deep") + "91 91 91" + datetime, "c0", "00"));
    }

    @Test
    @DisplayName("repeated kwargs keys keep the first position and the last value, as the generic path")
    void repeatedKeys() {
        assertFastAndSame(task("83" + str("a") + "01" + str("b") + "02" + str("a") + "03", "c0", "00"));
        StringBuilder many = new StringBuilder("de 0014");
        for (int i = 0; i < 20; i++) {
            many.append(str("k" + (i % 7))).append(String.format("%02x", i));
        }
        assertFastAndSame(task(many.toString(), "c0", "00"));
        StringBuilder distinct = new StringBuilder("de 0014");
        for (int i = 0; i < 20; i++) {
            distinct.append(str("k" + i)).append(String.format("%02x", i));
        }
        assertFastAndSame(task(distinct.toString(), "c0", "00"));
    }

    @Test
    @DisplayName("other layouts, field types and special kwargs keys defer to the generic path")
    void unusualPayloadsFallBack() {
        String kwargs = "81" + str("a") + "01";
        List<String> payloads = List.of(
                // extra field, reordered fields, missing fields (date from the clock), no fields
                TASK + "85" + KWARGS + kwargs + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "00" + str("extra") + "01",
                TASK + "84" + TRACE_ID + "c0" + KWARGS + kwargs + DATE + DATE_VALUE + RUN_COUNT + "00",
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "c0" + RUN_COUNT + "00" + DATE + DATE_VALUE,
                TASK + "82" + KWARGS + kwargs + RUN_COUNT + "03",
                TASK + "80",
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "c0" + DATE + DATE_VALUE + str("run_coun") + "00",
                // __task__ next to other keys, or holding something else
                "82" + str("__task__") + "84" + KWARGS + kwargs + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "00"
                        + str("x") + "01",
                "82" + str("__datetime__") + "cb41d954fc41e00000" + str("__task__") + "84" + KWARGS + kwargs + TRACE_ID
                        + "c0" + DATE + DATE_VALUE + RUN_COUNT + "00",
                "82" + str("__task__") + "80" + str("__tuple__") + "90",
                TASK + "91 01",
                TASK + "c0",
                // field names and map headers in longer encodings than producers use
                TASK + "84 d9 06 6b7761726773" + kwargs + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "00",
                TASK + "de 0004" + KWARGS + kwargs + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "00",
                "de 0001" + str("__task__") + "84" + KWARGS + kwargs + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "00",
                // a special key or a non-string key directly in kwargs
                TASK + "84" + KWARGS + "81" + str("__datetime__") + "01" + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "00",
                TASK + "84" + KWARGS + "82" + str("a") + "01" + str("__tuple__") + "90" + TRACE_ID + "c0" + DATE + DATE_VALUE
                        + RUN_COUNT + "00",
                TASK + "84" + KWARGS + "81" + str("__task__") + "80" + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "00",
                TASK + "84" + KWARGS + "81 01 02" + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "00",
                TASK + "84" + KWARGS + "81 c0 02" + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "00",
                TASK + "84" + KWARGS + "91 01" + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "00",
                // field values of other types or ranges
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "01" + DATE + DATE_VALUE + RUN_COUNT + "00",
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "c3" + DATE + DATE_VALUE + RUN_COUNT + "00",
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "c403616263" + DATE + DATE_VALUE + RUN_COUNT + "00",
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "c0" + DATE + "07" + RUN_COUNT + "00",
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "c0" + DATE + "cfffffffffffffffff" + RUN_COUNT + "00",
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "c0" + DATE + "c0" + RUN_COUNT + "00",
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "c0" + DATE + "c3" + RUN_COUNT + "00",
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "ff",
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "ce80000000",
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "cf0000000000000005",
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "d001",
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "cb3ff0000000000000",
                // invalid UTF-8 in a kwargs key or the trace id, a bad nested datetime, trailing bytes
                TASK + "84" + KWARGS + "81 a2c328 01" + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "00",
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "a3eda080" + DATE + DATE_VALUE + RUN_COUNT + "00",
                TASK + "84" + KWARGS + "81" + str("d") + "81" + str("__datetime__") + str("no") + TRACE_ID + "c0" + DATE
                        + DATE_VALUE + RUN_COUNT + "00",
                TASK + "84" + KWARGS + kwargs + TRACE_ID + "c0" + DATE + DATE_VALUE + RUN_COUNT + "00 00");
        for (String payload : payloads) {
            assertFallbackAndSame(hex(payload));
        }
    }

    @Test
    @DisplayName("every truncation of a task gives the generic path's error")
    void truncations() {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("id", 123456L);
        kwargs.put("nested", Map.of("list", List.of(1L, "x"), "when", Instant.ofEpochSecond(5)));
        kwargs.put("s", "text");
        byte[] full = serializer().serializeTask(new Task(kwargs, "trace", 1.5, 300));
        for (int length = 0; length < full.length; length++) {
            byte[] prefix = Arrays.copyOf(full, length);
            assertThat(fastPathTakes(prefix, TestDecodeLimits.DEFAULT)).isFalse();
            assertSameOutcome(prefix, TestDecodeLimits.DEFAULT);
        }
    }

    @Test
    @DisplayName("tight decode limits are enforced exactly as by the generic path")
    void limits() {
        StringBuilder twelve = new StringBuilder("8c");
        for (int i = 0; i < 12; i++) {
            twelve.append(str("k" + i)).append("c0");
        }
        List<byte[]> payloads = List.of(
                task("82" + str("run_count_x") + "91 91" + str("abcdefghij") + str("b") + "80", str("abcdefghijkl"), "00"),
                task("81" + str("a") + "01", "c0", "00"),
                task("80", "c0", "00"),
                task(twelve.toString(), "c0", "00"));
        for (byte[] payload : payloads) {
            assertThat(fastPathTakes(payload, TestDecodeLimits.DEFAULT)).isTrue();
            for (int depth : new int[] {1, 2, 3, 4, 5, 6}) {
                for (int length : new int[] {1, 2, 4, 8, 9, 10, 11, 12, 13}) {
                    assertSameOutcome(payload, TestDecodeLimits.of(1 << 20, 1 << 20, depth, length));
                }
            }
        }
    }

    @Test
    @DisplayName("tight value and retained-byte budgets are enforced exactly as by the generic path, before and after a container value")
    void budgets() {
        StringBuilder many = new StringBuilder("de 0190");
        for (int i = 0; i < 400; i++) {
            many.append(str("k" + i)).append(i % 3 == 0 ? "c0" : "01");
        }
        List<byte[]> payloads = List.of(
                task("81" + str("a") + "01", "c0", "00"),
                task("83" + str("a") + "01" + str("s") + str("text") + str("b") + "cb3ff8000000000000", str("trace"), "05"),
                task("83" + str("a") + "01" + str("l") + "93 01 02" + str("x") + str("b") + "c3", "c0", "00"),
                task(many.toString(), "c0", "00"));
        for (byte[] payload : payloads) {
            assertThat(fastPathTakes(payload, TestDecodeLimits.DEFAULT)).isTrue();
            DecodeBudget spent = DecodeBudget.startingNow("msgpack", TestDecodeLimits.DEFAULT);
            new BoundedMsgpackReader(payload, TestDecodeLimits.DEFAULT, CLOCK, new KeyCache(), spent).read();
            for (long objects = Math.max(1, spent.objects() - 3); objects <= spent.objects() + 1; objects++) {
                assertSameOutcome(payload, budgetLimits((int) objects, DecodeLimits.DEFAULT_MAX_RETAINED_BYTES));
            }
            for (long bytes = spent.bytes() - 60; bytes <= spent.bytes() + 1; bytes++) {
                assertSameOutcome(payload, budgetLimits(DecodeLimits.DEFAULT_MAX_OBJECTS, bytes));
            }
            assertThat(generic(payload, budgetLimits((int) spent.objects() - 1, DecodeLimits.DEFAULT_MAX_RETAINED_BYTES)))
                    .startsWith("error DECODE_BUDGET_EXCEEDED");
        }
    }

    private static DecodeLimits budgetLimits(int maxObjects, long maxRetainedBytes) {
        DecodeLimits base = TestDecodeLimits.DEFAULT;
        return new DecodeLimits(base.maxEncodedBytes(), base.maxDecompressedBytes(), base.maxDepth(),
                base.maxCollectionLength(), maxObjects, maxRetainedBytes, base.decodeDeadline());
    }

    @Test
    @DisplayName("with the deadline passed, the fast path gives what the generic path gives: a small task, or the deadline error")
    void passedDeadline() {
        StringBuilder many = new StringBuilder("de 0190");
        for (int i = 0; i < 400; i++) {
            many.append(str("k" + i)).append("01");
        }
        byte[] small = task("82" + str("a") + "01" + str("l") + "91 01", "c0", "00");
        byte[] large = task(many.toString(), "c0", "00");
        DecodeLimits limits = TestDecodeLimits.DEFAULT;
        for (byte[] payload : List.of(small, large)) {
            long passed = System.nanoTime() - 1;
            Task fast = TaskFastPath.read(payload, limits, new KeyCache(), CLOCK, passed);
            String generic;
            try {
                generic = shape(new BoundedMsgpackReader(payload, limits, CLOCK, new KeyCache(),
                        DecodeBudget.until("msgpack", limits, passed)).read());
            } catch (SergeantException e) {
                generic = error(e);
            }
            if (payload == small) {
                assertThat(shape(fast)).isEqualTo(generic);
            } else {
                assertThat(fast).isNull();
                assertThat(generic).startsWith("error DECODE_DEADLINE_EXCEEDED");
            }
        }
    }

    @Test
    @DisplayName("decoded kwargs are the task's own immutable map, small or large, flat or nested")
    void decodedKwargsAreImmutable() {
        MsgpackSerializer serializer = serializer();
        Map<String, Object> large = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            large.put("k" + i, (long) i);
        }
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("list", new ArrayList<>(List.of(1L)));
        nested.put("id", 7L);
        for (Map<String, Object> kwargs : List.of(Map.<String, Object>of("id", 5L), large, nested, Map.<String, Object>of())) {
            byte[] payload = serializer.serializeTask(new Task(kwargs, null, 1.0, 0));
            assertThat(fastPathTakes(payload, TestDecodeLimits.DEFAULT)).isTrue();
            Task task = serializer.deserializeTask(payload);
            assertThat(task.kwargs()).isEqualTo(kwargs);
            assertThat(new Task(task.kwargs(), null, 2.0, 1).kwargs()).isSameAs(task.kwargs());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> task.kwargs().put("x", 1L))
                    .isInstanceOf(UnsupportedOperationException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> task.kwargs().clear())
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThat(task.kwargs()).isEqualTo(kwargs);
        }
    }

    @Test
    @DisplayName("random mutations of task payloads give the generic path's result or error")
    void mutations() {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("id", 123456L);
        kwargs.put("url", "https://example.com/a/b");
        kwargs.put("nested", Map.of("l", List.of(1L, 2.5, "x"), "t", Instant.ofEpochSecond(7)));
        kwargs.put("flag", true);
        List<byte[]> seeds = List.of(serializer().serializeTask(new Task(kwargs, "trace-id", 1.5, 2)),
                serializer().serializeTask(MsgpackTaskBenchmark.typicalTask()));
        int[] interesting = {0x00, 0x01, 0x7f, 0x80, 0x81, 0x84, 0x8f, 0x90, 0x91, 0xa0, 0xa1, 0xa8, 0xbf, 0xc0, 0xc1,
                0xc2, 0xc3, 0xc4, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd3, 0xd9, 0xda, 0xdb, 0xdc, 0xde, 0xdf,
                0xe0, 0xff, '_', 'a'};
        KeyCache sharedCache = new KeyCache();
        for (byte[] seed : seeds) {
            for (int i = 0; i < seed.length; i++) {
                for (int value : interesting) {
                    byte[] mutated = seed.clone();
                    mutated[i] = (byte) value;
                    String expected = generic(mutated, TestDecodeLimits.DEFAULT);
                    assertThat(fastThenGeneric(mutated, TestDecodeLimits.DEFAULT, sharedCache))
                            .as("byte %d set to 0x%02x in %s", i, value, HexFormat.of().formatHex(seed)).isEqualTo(expected);
                }
            }
        }
        Random random = new Random(42);
        for (int round = 0; round < 20_000; round++) {
            byte[] mutated = seeds.get(round % seeds.size()).clone();
            for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            }
            if (random.nextInt(10) == 0) {
                mutated = Arrays.copyOf(mutated, random.nextInt(mutated.length + 3));
            }
            assertThat(fastThenGeneric(mutated, TestDecodeLimits.DEFAULT, sharedCache)).as(HexFormat.of().formatHex(mutated))
                    .isEqualTo(generic(mutated, TestDecodeLimits.DEFAULT));
        }
    }

    @Test
    @DisplayName("one fast path reused for payloads in turn gives each what a fresh one gives, whatever the one before left")
    void reusedInstanceKeepsNoState() {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("id", 123456L);
        kwargs.put("nested", Map.of("l", List.of(1L, 2.5, "x"), "t", Instant.ofEpochSecond(7)));
        List<byte[]> seeds = List.of(serializer().serializeTask(new Task(kwargs, "trace-id", 1.5, 2)),
                serializer().serializeTask(MsgpackTaskBenchmark.typicalTask()),
                serializer().serializeTask(Task.of(Map.of("i", 977_000L))));
        DecodeLimits limits = TestDecodeLimits.DEFAULT;
        KeyCache cache = new KeyCache();
        TaskFastPath reused = new TaskFastPath(limits, cache, CLOCK);
        Random random = new Random(11);
        int taken = 0;
        int takenAfterDecline = 0;
        boolean declined = false;
        for (int round = 0; round < 20_000; round++) {
            byte[] payload = seeds.get(random.nextInt(seeds.size())).clone();
            if (random.nextBoolean()) {
                for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                    payload[random.nextInt(payload.length)] = (byte) random.nextInt(256);
                }
            }
            if (random.nextInt(8) == 0) {
                payload = Arrays.copyOf(payload, random.nextInt(payload.length + 3));
            }
            long deadline = DecodeBudget.deadlineFromNow(limits);
            Task again = reused.decode(payload, deadline);
            assertLikeNew(reused, limits);
            Task fresh = TaskFastPath.read(payload, limits, new KeyCache(), CLOCK, deadline);
            assertThat(shape(again)).as(HexFormat.of().formatHex(payload)).isEqualTo(shape(fresh));
            taken += again != null ? 1 : 0;
            takenAfterDecline += again != null && declined ? 1 : 0;
            declined = again == null;
        }
        assertThat(taken).as("payloads the fast path took").isGreaterThan(5_000);
        assertThat(takenAfterDecline).as("payloads taken right after a decline").isGreaterThan(1_000);
    }

    /** {@code task(kwargs)} with {@code entries} more entries in front of kwargs' own {@code count}. */
    private static byte[] withEntries(int count, String kwargs, int entries, String entry) {
        return task(String.format("%02x", 0x80 | (count + entries)) + entry.repeat(entries) + kwargs, "c0", "00");
    }

    @Test
    @DisplayName("a reused fast path (the serializer's own) takes a task that fits the budget exactly after tasks over it, again and again")
    void reusedAfterBudgetDeclines() {
        String flat = str("a") + "01" + str("s") + str("text") + str("b") + "cb3ff8000000000000";
        String nested = str("a") + "01" + str("l") + "93 01 02" + str("x") + str("b") + "c3";
        for (String kwargs : List.of(flat, nested)) {
            byte[] fits = withEntries(3, kwargs, 0, "");
            DecodeBudget spent = DecodeBudget.startingNow("msgpack", TestDecodeLimits.DEFAULT);
            new BoundedMsgpackReader(fits, TestDecodeLimits.DEFAULT, CLOCK, new KeyCache(), spent).read();
            // Over the budget: one more flat entry (declined while counting, or by the budget of a container
            // value), or a list first (declined by the budget the container value brought).
            List<byte[]> over = List.of(withEntries(3, kwargs, 1, str("z") + "01"),
                    withEntries(3, kwargs, 1, str("big") + "9f" + "01".repeat(15)));
            for (DecodeLimits limits : List.of(budgetLimits((int) spent.objects(), spent.bytes()),
                    budgetLimits((int) spent.objects(), DecodeLimits.DEFAULT_MAX_RETAINED_BYTES),
                    budgetLimits(DecodeLimits.DEFAULT_MAX_OBJECTS, spent.bytes()))) {
                MsgpackSerializer serializer = serializer(limits, CLOCK);
                TaskFastPath reused = serializer.fastPath();
                assertThat(serializer.fastPath()).isSameAs(reused);
                String expected = generic(fits, limits);
                assertThat(expected).startsWith("Task(");
                for (byte[] tooLarge : over) {
                    assertThat(generic(tooLarge, limits)).startsWith("error DECODE_BUDGET_EXCEEDED");
                    for (int round = 0; round < 3; round++) {
                        assertThat(reused.decode(tooLarge, DecodeBudget.deadlineFromNow(limits))).isNull();
                        assertLikeNew(reused, limits);
                        assertThat(outcome(() -> serializer.deserializeTask(tooLarge))).isEqualTo(generic(tooLarge, limits));
                        assertLikeNew(reused, limits);
                        for (int again = 0; again < 20; again++) {
                            Task task = reused.decode(fits, DecodeBudget.deadlineFromNow(limits));
                            assertThat(task).as("taken by the fast path, round %d, %d in a row", round, again).isNotNull();
                            assertThat(shape(task)).isEqualTo(expected);
                            assertLikeNew(reused, limits);
                            assertThat(shape(serializer.deserializeTask(fits))).isEqualTo(expected);
                            assertLikeNew(reused, limits);
                        }
                    }
                }
            }
        }
    }

    @Test
    @DisplayName("a reused fast path takes a task after one declined on a passed deadline, and declines on a passed deadline after taking")
    void reusedAcrossDeadlines() {
        DecodeLimits limits = TestDecodeLimits.DEFAULT;
        StringBuilder many = new StringBuilder("de 0190");
        for (int i = 0; i < 400; i++) {
            many.append(str("k" + i)).append("01");
        }
        byte[] large = task(many.toString(), "c0", "00");
        byte[] small = task("82" + str("a") + "01" + str("l") + "91 01", "c0", "00");
        String expectedSmall = generic(small, limits);
        String expectedLarge = generic(large, limits);
        MsgpackSerializer serializer = serializer();
        TaskFastPath reused = serializer.fastPath();
        for (int round = 0; round < 3; round++) {
            // passed, then future: the stale deadline must not decline the task
            assertThat(reused.decode(large, System.nanoTime() - 1)).isNull();
            assertLikeNew(reused, limits);
            assertThat(shape(reused.decode(small, DecodeBudget.deadlineFromNow(limits)))).isEqualTo(expectedSmall);
            assertLikeNew(reused, limits);
            assertThat(reused.decode(large, System.nanoTime() - 1)).isNull();
            assertThat(shape(reused.decode(large, DecodeBudget.deadlineFromNow(limits)))).isEqualTo(expectedLarge);
            assertLikeNew(reused, limits);
            // future, then passed: the stale deadline must not accept the task
            long passed = System.nanoTime() - 1;
            assertThat(reused.decode(large, passed)).isNull();
            assertLikeNew(reused, limits);
            assertThat(outcome(() -> serializer.deserializeTask(large, passed))).startsWith("error DECODE_DEADLINE_EXCEEDED");
            assertLikeNew(reused, limits);
        }
        // A task of fewer than 256 charges is read without a clock check (as by read()), so it is taken with a
        // passed deadline; after attempts that stopped at every point of the 256-charge countdown too.
        long passed = System.nanoTime() - 1;
        assertThat(generic(small, limits)).isEqualTo(expectedSmall);
        for (int entries = 0; entries < 140; entries++) {
            StringBuilder kwargs = new StringBuilder("de").append(String.format("%04x", entries));
            for (int i = 0; i < entries; i++) {
                kwargs.append(str("k" + i)).append("01");
            }
            byte[] before = task(kwargs.toString(), "c0", "00");
            assertThat(reused.decode(before, DecodeBudget.deadlineFromNow(limits))).isNotNull();
            assertLikeNew(reused, limits);
            Task task = reused.decode(small, passed);
            assertThat(task).as("taken with a passed deadline after %d entries", entries).isNotNull();
            assertThat(shape(task)).isEqualTo(expectedSmall);
            assertLikeNew(reused, limits);
        }
    }

    @Test
    @DisplayName("a clock that decodes through the same serializer while it dates a nested task gets a fast path of its own")
    void reentryThroughTheClock() {
        String innerTask = "81" + str("__task__") + "81" + RUN_COUNT + "05";
        byte[] outer = task("83" + str("a") + "01" + str("t") + innerTask + str("z") + str("after"), str("outer"), "02");
        byte[] other = task("82" + str("b") + "02" + str("l") + "92 03" + str("x"), str("other"), "07");
        assertThat(fastPathTakes(other, TestDecodeLimits.DEFAULT)).isTrue();
        List<MsgpackSerializer> serializers = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        Clock decoding = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return CLOCK.getZone();
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Instant instant() {
                TaskFastPath path = serializers.get(0).fastPath();
                Object payload = field(path, "in");
                Object pos = field(path, "pos");
                seen.add("busy " + field(path, "busy") + ", outer payload " + (payload == outer));
                seen.add(shape(serializers.get(0).deserializeTask(other)));
                seen.add("after: busy " + field(path, "busy") + ", same payload " + (field(path, "in") == payload)
                        + ", same position " + field(path, "pos").equals(pos));
                return CLOCK.instant();
            }
        };
        MsgpackSerializer serializer = serializer(TestDecodeLimits.DEFAULT, decoding);
        serializers.add(serializer);
        for (int round = 0; round < 3; round++) {
            seen.clear();
            assertThat(shape(serializer.deserializeTask(outer))).isEqualTo(generic(outer, TestDecodeLimits.DEFAULT));
            // One clock call, made inside the fast path's attempt: a decline would have the generic reader date
            // the nested task a second time.
            assertThat(seen).containsExactly("busy true, outer payload true", generic(other, TestDecodeLimits.DEFAULT),
                    "after: busy true, same payload true, same position true");
            assertLikeNew(serializer.fastPath(), TestDecodeLimits.DEFAULT);
            assertThat(shape(serializer.deserializeTask(other))).isEqualTo(generic(other, TestDecodeLimits.DEFAULT));
        }
        assertThat(generic(outer, TestDecodeLimits.DEFAULT)).contains("runCount=5").contains("String(after)");
    }

    @Test
    @DisplayName("two serializers with different limits used in turn on one thread each keep their own limits")
    void twoSerializersOnOneThread() {
        byte[] fits = task("82" + str("a") + "01" + str("l") + "92 01 02", "c0", "00");
        byte[] over = task("83" + str("a") + "01" + str("l") + "92 01 02" + str("z") + "01", "c0", "00");
        DecodeBudget spent = DecodeBudget.startingNow("msgpack", TestDecodeLimits.DEFAULT);
        new BoundedMsgpackReader(fits, TestDecodeLimits.DEFAULT, CLOCK, new KeyCache(), spent).read();
        DecodeLimits tightLimits = budgetLimits((int) spent.objects(), spent.bytes());
        MsgpackSerializer tight = serializer(tightLimits, CLOCK);
        MsgpackSerializer loose = serializer();
        assertThat(tight.fastPath()).isNotSameAs(loose.fastPath());
        assertThat(generic(over, tightLimits)).startsWith("error DECODE_BUDGET_EXCEEDED");
        assertThat(generic(over, TestDecodeLimits.DEFAULT)).startsWith("Task(");
        for (int round = 0; round < 20; round++) {
            for (byte[] payload : List.of(fits, over)) {
                assertThat(outcome(() -> tight.deserializeTask(payload))).isEqualTo(generic(payload, tightLimits));
                assertThat(outcome(() -> loose.deserializeTask(payload))).isEqualTo(generic(payload, TestDecodeLimits.DEFAULT));
                assertThat(tight.fastPath().decode(payload, DecodeBudget.deadlineFromNow(tightLimits)) != null)
                        .isEqualTo(payload == fits);
                assertThat(loose.fastPath().decode(payload, DecodeBudget.deadlineFromNow(TestDecodeLimits.DEFAULT))).isNotNull();
                assertLikeNew(tight.fastPath(), tightLimits);
                assertLikeNew(loose.fastPath(), TestDecodeLimits.DEFAULT);
            }
        }
    }

    @Test
    @DisplayName("one serializer decoding different tasks on several threads at once gives every thread its own tasks")
    void concurrentDecoders() throws InterruptedException {
        MsgpackSerializer serializer = serializer();
        int threads = 4;
        List<List<byte[]>> payloads = new ArrayList<>();
        List<List<String>> expected = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<byte[]> mine = new ArrayList<>();
            List<String> shapes = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                Map<String, Object> kwargs = new LinkedHashMap<>();
                kwargs.put("k" + t + "_" + (i % 7), (long) t * 1_000_000 + i);
                kwargs.put(i % 2 == 0 ? "i" : "j" + t, i % 3 == 0 ? List.of((long) i, "t" + t) : "v" + t + "_" + i);
                byte[] payload = serializer.serializeTask(new Task(kwargs, i % 5 == 0 ? "trace" + t : null, i, i % 4));
                mine.add(payload);
                shapes.add(generic(payload, TestDecodeLimits.DEFAULT));
            }
            payloads.add(mine);
            expected.add(shapes);
        }
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int mine = t;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    for (int round = 0; round < 2_000; round++) {
                        int i = round % 64;
                        assertThat(shape(serializer.deserializeTask(payloads.get(mine).get(i))))
                                .isEqualTo(expected.get(mine).get(i));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            thread.start();
            running.add(thread);
        }
        start.countDown();
        for (Thread thread : running) {
            thread.join();
        }
        assertThat(failures).isEmpty();
    }

    @Test
    @DisplayName("the serializer's task and value entry points give the same results and errors as the generic path")
    void serializerEntryPoints() {
        MsgpackSerializer serializer = serializer();
        List<byte[]> payloads = new ArrayList<>();
        payloads.add(task("81" + str("a") + "01", "c0", "00"));
        payloads.add(hex(TASK + "82" + KWARGS + "80" + RUN_COUNT + "03"));
        payloads.add(hex(TASK + "84" + KWARGS + "81" + str("__datetime__") + "01" + TRACE_ID + "c0" + DATE + DATE_VALUE
                + RUN_COUNT + "00"));
        payloads.add(hex("81" + str("a") + "01"));
        payloads.add(hex("81" + str("__datetime__") + DATE_VALUE));
        payloads.add(hex("81"));
        payloads.add(new byte[0]);
        for (byte[] payload : payloads) {
            String generic = generic(payload, TestDecodeLimits.DEFAULT);
            String value = outcome(() -> serializer.deserializeValue(payload));
            assertThat(value).as(HexFormat.of().formatHex(payload)).isEqualTo(generic);
            String task = outcome(() -> serializer.deserializeTask(payload));
            if (generic.startsWith("Task(") || generic.startsWith("error")) {
                assertThat(task).isEqualTo(generic);
            } else {
                assertThat(task).startsWith("error MALFORMED_PAYLOAD").contains("not a {\"__task__\": ...} map");
            }
        }
    }

    private static String outcome(java.util.function.Supplier<Object> action) {
        try {
            return shape(action.get());
        } catch (SergeantException e) {
            return error(e);
        }
    }

    @Test
    @DisplayName("the key cache returns what strict UTF-8 decoding returns, for hits, misses, collisions and invalid bytes")
    void keyCache() {
        KeyCache cache = new KeyCache();
        Random random = new Random(7);
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            keys.add(("key-" + i).getBytes(StandardCharsets.UTF_8));
        }
        keys.add("é✓🎉".getBytes(StandardCharsets.UTF_8));
        keys.add(hex("c328"));
        keys.add(hex("eda080"));
        keys.add(new byte[40]);
        keys.add(new byte[0]);
        for (int round = 0; round < 30_000; round++) {
            byte[] key = keys.get(random.nextInt(keys.size()));
            byte[] buffer = new byte[key.length + 6];
            int offset = random.nextInt(4);
            System.arraycopy(key, 0, buffer, offset, key.length);
            assertThat(cache.decode(buffer, offset, key.length)).isEqualTo(Utf8.decode(buffer, offset, key.length));
        }
    }
}
