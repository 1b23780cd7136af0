package io.sergeant.codec.msgpack;

import io.sergeant.testkit.codec.TestDecodeLimits;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.Contexts;
import io.sergeant.spi.codec.Serializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The writer's one-pass ASCII strings and its task kwargs loop: same bytes as msgpack-core (an independent
 * encoder) and as the generic map writer, same rejections.
 */
class MsgpackWriterTest {

    private final Serializer serializer = new MsgpackSerializerFactory().create(Contexts.none(), Contexts.utc(TestDecodeLimits.DEFAULT));

    private static byte[] msgpackCore(String s) throws IOException {
        try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
            packer.packString(s);
            return packer.toByteArray();
        }
    }

    @Test
    @DisplayName("strings of every header size, ASCII or not, encode as msgpack-core encodes them")
    void stringsAsMsgpackCore() throws IOException {
        List<String> strings = new ArrayList<>();
        for (int length : new int[] {0, 1, 31, 32, 255, 256, 65535, 65536, 70000}) {
            String ascii = "a".repeat(length);
            strings.add(ascii);
            if (length > 0) {
                strings.add("é" + ascii.substring(1));
                strings.add(ascii.substring(1) + "\u00ff");
                strings.add(ascii.substring(1) + "\u0080");
                strings.add("✓" + ascii.substring(1));
            }
            if (length > 1) {
                strings.add(ascii.substring(2) + "🎉");
            }
        }
        strings.add("\u007f\u0000 control");
        strings.add("héllo ✓ 🎉");
        for (String s : strings) {
            assertThat(HexFormat.of().formatHex(serializer.serializeValue(s))).as("length %d", s.length())
                    .isEqualTo(HexFormat.of().formatHex(msgpackCore(s)));
            assertThat(serializer.deserializeValue(serializer.serializeValue(s))).isEqualTo(s);
        }
    }

    @Test
    @DisplayName("lone surrogates are refused wherever they are, after ASCII or not")
    void loneSurrogates() {
        for (String s : List.of("\ud800", "abc\ud800", "abc\udc00def", "é\ud800", "a".repeat(40) + "\udbff")) {
            assertThatThrownBy(() -> serializer.serializeTask(Task.of(Map.of("s", s))))
                    .isInstanceOf(SergeantException.class).hasMessageContaining("kwargs.s")
                    .hasMessageContaining("lone UTF-16 surrogate");
            assertThatThrownBy(() -> serializer.serializeTask(Task.of(Map.of(s, 1L))))
                    .isInstanceOf(SergeantException.class).hasMessageContaining("lone UTF-16 surrogate");
        }
        assertThatThrownBy(() -> serializer.serializeTask(Task.of(Map.of(), "ab\ud800")))
                .isInstanceOf(SergeantException.class).hasMessageContaining("trace id");
    }

    @Test
    @DisplayName("a task's kwargs are written byte for byte as the same map written as a plain value")
    void kwargsAsPlainMap() {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("id", 123456L);
        kwargs.put("é", List.of(1L, Map.of("k", "v")));
        kwargs.put("nothing", null);
        for (int i = 0; i < 20; i++) {
            kwargs.put("k" + i, i);
        }
        Task task = new Task(kwargs, "t", 1.5, 2);
        byte[] written = serializer.serializeTask(task);
        byte[] map = serializer.serializeValue(task.kwargs());
        byte[] prefix = HexFormat.of().parseHex("81a85f5f7461736b5f5f84a66b7761726773");
        assertThat(Arrays.copyOf(written, prefix.length)).isEqualTo(prefix);
        assertThat(Arrays.copyOfRange(written, prefix.length, prefix.length + map.length)).isEqualTo(map);
    }

    @Test
    @DisplayName("non-String kwargs keys smuggled in by an unchecked cast are written or refused as by the map writer")
    @SuppressWarnings("unchecked")
    void uncheckedKwargsKeys() {
        Map<Object, Object> raw = new LinkedHashMap<>();
        raw.put("a", 1L);
        raw.put(7L, "int key");
        Task task = new Task((Map<String, Object>) (Map<?, ?>) raw, null, 1.0, 0);
        byte[] written = serializer.serializeTask(task);
        byte[] map = serializer.serializeValue(raw);
        assertThat(Arrays.copyOfRange(written, 18, 18 + map.length)).isEqualTo(map);
        assertThatThrownBy(() -> serializer.deserializeTask(serializer.serializeTask(task)))
                .isInstanceOf(SergeantException.class).hasMessageContaining("task kwargs has the key 7");
        raw.put(1.5, "double key");
        Task bad = new Task((Map<String, Object>) (Map<?, ?>) raw, null, 1.0, 0);
        SergeantException e = org.junit.jupiter.api.Assertions.assertThrows(SergeantException.class,
                () -> serializer.serializeTask(bad));
        assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_VALUE);
        assertThat(e.getMessage()).contains("kwargs[1.5]").contains("java.lang.Double");
    }
}
