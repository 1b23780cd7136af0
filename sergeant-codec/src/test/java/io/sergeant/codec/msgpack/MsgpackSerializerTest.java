package io.sergeant.codec.msgpack;

import io.sergeant.testkit.codec.TestDecodeLimits;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.Contexts;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.testkit.codec.DeepEquality;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MsgpackSerializerTest {

    private final Serializer serializer = new MsgpackSerializerFactory().create(Contexts.none(), Contexts.utc(TestDecodeLimits.DEFAULT));

    private static SergeantException error(Runnable action) {
        try {
            action.run();
        } catch (SergeantException e) {
            return e;
        }
        throw new AssertionError("expected a SergeantException");
    }

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    @Test
    @DisplayName("a million-deep nesting gives NESTING_TOO_DEEP, never a StackOverflowError")
    void millionDeepNesting() {
        byte[] payload = new byte[1_000_001];
        Arrays.fill(payload, (byte) 0x91);
        payload[1_000_000] = (byte) 0xc0;
        assertThat(error(() -> serializer.deserializeValue(payload)).code()).isEqualTo(ErrorCode.NESTING_TOO_DEEP);
    }

    @Test
    @DisplayName("headers claiming 2^32-1 elements, or more than the bytes left, are refused at once")
    void hostileHeaders() {
        for (String payload : List.of("dd ffffffff", "df ffffffff", "db ffffffff", "c6 ffffffff", "dc 03e8 0000",
                "de 0100 c0c0", "da 0010 6161", "9f c0")) {
            SergeantException e = error(() -> serializer.deserializeValue(hex(payload)));
            assertThat(e.code()).as(payload).isEqualTo(ErrorCode.COLLECTION_TOO_LARGE);
        }
    }

    @Test
    @DisplayName("wire types decode to Long, BigInteger, Double, String, byte[], lists and maps with any keys")
    void decodedTypes() {
        Object value = serializer.deserializeValue(hex("87 a169 ca3fc00000 a175 cfffffffffffffffff a16e d3ffffffffffffffff"
                + " a162 c40100 01 a16f a178 c2 92 c0 ff c0"));
        Map<Object, Object> expected = new LinkedHashMap<>();
        expected.put("i", 1.5);
        expected.put("u", new BigInteger("18446744073709551615"));
        expected.put("n", -1L);
        expected.put("b", new byte[] {0});
        expected.put(1L, "o");
        expected.put("x", false);
        expected.put(Arrays.asList(null, -1L), null);
        DeepEquality.assertDeepEquals(expected, value);
    }

    @Test
    @DisplayName("any map holding __datetime__, __tuple__ or __task__ is converted, even with other keys")
    void objectHook() {
        Object value = serializer.deserializeValue(hex("93 82 ac5f5f6461746574696d655f5f cb41d954fc41e00000 a178 01"
                + " 81 a95f5f7475706c655f5f 92 07 a179"
                + " 81 a85f5f7461736b5f5f 81 a9 72756e5f636f756e74 05"));
        List<?> list = (List<?>) value;
        assertThat(list.get(0)).isEqualTo(Instant.ofEpochSecond(1700000007L, 500_000_000L));
        assertThat(list.get(1)).isEqualTo(List.of(7L, "y"));
        assertThat(((Task) list.get(2)).runCount()).isEqualTo(5);
        assertThat(((Task) list.get(2)).kwargs()).isEmpty();
        assertThat(error(() -> serializer.deserializeValue(hex("81 a85f5f7461736b5f5f 81 a3 666f6f 01"))).code())
                .isEqualTo(ErrorCode.MALFORMED_PAYLOAD);
    }

    @Test
    @DisplayName("datetimes encode as Python's timestamp(); LocalDateTime is naive local time in the clock's zone")
    void datetimes() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        PluginContext context = new PluginContext(TestDecodeLimits.DEFAULT, Clock.system(berlin), getClass().getClassLoader());
        Serializer local = new MsgpackSerializerFactory().create(Contexts.none(), context);
        Instant instant = Instant.ofEpochSecond(1700000007L, 500_000_000L);
        String expected = "81ac5f5f6461746574696d655f5fcb41d954fc41e00000";
        assertThat(HexFormat.of().formatHex(local.serializeValue(instant))).isEqualTo(expected);
        assertThat(HexFormat.of().formatHex(local.serializeValue(OffsetDateTime.ofInstant(instant, ZoneOffset.ofHours(5)))))
                .isEqualTo(expected);
        assertThat(HexFormat.of().formatHex(local.serializeValue(LocalDateTime.ofInstant(instant, berlin))))
                .isEqualTo(expected);
        assertThat(local.deserializeValue(hex(expected))).isEqualTo(instant);
    }

    @Test
    @DisplayName("extension types, never-used bytes and invalid UTF-8 are malformed")
    void malformedWireTypes() {
        for (String payload : List.of("d6ff00000000", "c1", "a2c328", "a3eda080")) {
            assertThat(error(() -> serializer.deserializeValue(hex(payload))).code()).as(payload)
                    .isEqualTo(ErrorCode.MALFORMED_PAYLOAD);
        }
    }

    @Test
    @DisplayName("integers beyond 64 bits, lone surrogates and unsupported keys fail at encode time")
    void encodeRejections() {
        assertThat(error(() -> serializer.serializeValue(BigInteger.ONE.shiftLeft(64))).code()).isEqualTo(ErrorCode.UNSUPPORTED_VALUE);
        assertThat(error(() -> serializer.serializeTask(Task.of(Map.of("s", "\ud800")))).getMessage()).contains("kwargs.s");
        SergeantException key = error(() -> serializer.serializeTask(Task.of(Map.of("m", Map.of(1.5, "x")))));
        assertThat(key.getMessage()).contains("kwargs.m").contains("java.lang.Double");
        assertThat(serializer.deserializeValue(serializer.serializeValue(BigInteger.ONE.shiftLeft(63))))
                .isEqualTo(BigInteger.ONE.shiftLeft(63));
        assertThat(serializer.deserializeValue(serializer.serializeValue(Map.of(3, "int key")))).isEqualTo(Map.of(3L, "int key"));
    }

    @Test
    @DisplayName("msgpack-core reads what we write and we read what msgpack-core writes")
    void agreesWithMsgpackCore() throws Exception {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("s", "héllo ✓ 🎉");
        kwargs.put("b", new byte[] {1, 2});
        kwargs.put("l", List.of(-1L, 300L, 70000L, 1L << 40, -(1L << 40), 1.25));
        byte[] ours = serializer.serializeTask(new Task(kwargs, "t", 1.5, 3));
        try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(ours)) {
            Value value = unpacker.unpackValue();
            assertThat(value.toJson()).contains("\"run_count\":3").contains("héllo");
            assertThat(unpacker.hasNext()).isFalse();
        }
        try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
            packer.packMapHeader(1).packString("__task__").packMapHeader(4);
            packer.packString("kwargs").packMapHeader(2).packString("x").packBinaryHeader(1).writePayload(new byte[] {9});
            packer.packString("y").packArrayHeader(2).packLong(-70000).packDouble(0.5);
            packer.packString("trace_id").packNil().packString("date").packDouble(2.5).packString("run_count").packInt(1);
            Map<String, Object> expected = new LinkedHashMap<>();
            expected.put("x", new byte[] {9});
            expected.put("y", List.of(-70000L, 0.5));
            DeepEquality.assertDeepEquals(new Task(expected, null, 2.5, 1), serializer.deserializeTask(packer.toByteArray()));
        }
    }

    @Test
    @DisplayName("unknown msgpack.* options are refused; other prefixes are ignored")
    void options() {
        SergeantException e = error(() -> new MsgpackSerializerFactory().create(
                Contexts.options(Map.of("msgpack.compact", "true", "zlib.level", "1")), Contexts.utc(TestDecodeLimits.DEFAULT)));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
        assertThat(e.getMessage()).contains("msgpack.compact").doesNotContain("zlib.level");
    }
}
