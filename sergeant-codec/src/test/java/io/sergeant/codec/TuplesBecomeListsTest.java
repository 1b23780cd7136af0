package io.sergeant.codec;

import io.sergeant.codec.msgpack.MsgpackSerializerFactory;
import io.sergeant.codec.pickle.PickleSerializerFactory;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.testkit.codec.TestDecodeLimits;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Pins the documented tuple difference (docs/python-compat.md, "Serialization", issue 14 item 11): a
 * Python tuple decodes to an unmodifiable {@link List}, and kwargs that Java re-encodes (a retry, a
 * requeue) carry a list where Python had a tuple. Tasks handed back or redelivered keep their original
 * bytes, so only a re-encode changes the type. If tuples are ever kept, this test is the one to change.
 */
class TuplesBecomeListsTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    @DisplayName("msgpack: {'t': (7, 'y')} from Python decodes to a list and re-encodes as a plain array")
    void msgpackTupleComesBackAsAList() {
        Serializer msgpack = new MsgpackSerializerFactory().create(Contexts.none(), Contexts.utc(TestDecodeLimits.DEFAULT));
        // Python Sergeant's msgpack encoder: {"t": {"__tuple__": [7, "y"]}}
        byte[] fromPython = HEX.parseHex("81a17481a95f5f7475706c655f5f9207a179");
        Map<?, ?> decoded = (Map<?, ?>) msgpack.deserializeValue(fromPython);
        assertThat(decoded.get("t")).isEqualTo(List.of(7L, "y"));
        List<?> tuple = (List<?>) decoded.get("t");
        assertThatThrownBy(() -> tuple.add(null))
                .as("the decoded tuple is unmodifiable, as a tuple is").isInstanceOf(UnsupportedOperationException.class);

        byte[] reEncoded = msgpack.serializeValue(decoded);
        assertThat(new String(reEncoded, StandardCharsets.ISO_8859_1)).doesNotContain("__tuple__");
        assertThat(reEncoded).isEqualTo(msgpack.serializeValue(Map.of("t", List.of(7L, "y"))));
    }

    @Test
    @DisplayName("pickle: {'t': (7, 'y')} from CPython decodes to a list and re-encodes as a list")
    void pickleTupleComesBackAsAList() {
        Serializer pickle = new PickleSerializerFactory().create(Contexts.none(), Contexts.utc(TestDecodeLimits.DEFAULT));
        // pickle.dumps({'t': (7, 'y')}, protocol=2) from CPython 3.11 (TUPLE2 opcode 0x86)
        byte[] fromPython = HEX.parseHex("80027d710058010000007471014b075801000000797102867103732e");
        Map<?, ?> decoded = (Map<?, ?>) pickle.deserializeValue(fromPython);
        assertThat(decoded.get("t")).isEqualTo(List.of(7L, "y"));

        byte[] reEncoded = pickle.serializeValue(decoded);
        assertThat(reEncoded).isEqualTo(pickle.serializeValue(Map.of("t", List.of(7L, "y"))));
        assertThat(pickle.deserializeValue(reEncoded)).isEqualTo(Map.of("t", List.of(7L, "y")));
    }
}
