package io.sergeant.codec.pickle;

import io.sergeant.testkit.codec.TestDecodeLimits;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.Contexts;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.testkit.codec.DeepEquality;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PickleSerializerTest {

    /** One task pickled by CPython 3.11 at protocols 2, 3, 4 and 5 (TZ=UTC). */
    private static final List<String> PYTHON_PICKLES = List.of(
            "8002637365726765616e742e6f626a656374730a5461736b0a7100298171017d71022858060000006b776172677371037d7104285801000000627105635f636f646563730a656e636f64650a7106580300000000c3bf710758060000006c6174696e31710886710952710a580100000065710b635f5f6275696c74696e5f5f0a62797465730a710c2952710d580100000073710e580300000068c3a9710f580300000062696771108a0900000000000000004058030000006e656771114afbffffff5801000000647112636461746574696d650a6461746574696d650a71136806580c00000007c3a70b0e160d1b07c2a1207114680886711552711685711752711858010000007a711968136806580c00000007c3a70b0e160d1b07c2a120711a680886711b52711c636461746574696d650a74696d657a6f6e650a711d636461746574696d650a74696d6564656c74610a711e4b004d201c4b0087711f52712085712152712286712352712458010000007471254b015801000000787126867127580200000062617128635f5f6275696c74696e5f5f0a6279746561727261790a7129680658020000006162712a680886712b52712c85712d52712e580100000066712f473ff800000000000058010000006c71305d7131284b015d7132284b027d71334b034e73656575580800000074726163655f6964713458020000007472713558040000006461746571364741d954fc40200000580900000072756e5f636f756e7471374b0175622e",
            "8003637365726765616e742e6f626a656374730a5461736b0a7100298171017d71022858060000006b776172677371037d7104285801000000627105430200ff71065801000000657107430071085801000000737109580300000068c3a9710a5803000000626967710b8a0900000000000000004058030000006e6567710c4afbffffff580100000064710d636461746574696d650a6461746574696d650a710e430a07e70b0e160d1b07a120710f85711052711158010000007a7112680e430a07e70b0e160d1b07a1207113636461746574696d650a74696d657a6f6e650a7114636461746574696d650a74696d6564656c74610a71154b004d201c4b0087711652711785711852711986711a52711b580100000074711c4b01580100000078711d86711e58020000006261711f636275696c74696e730a6279746561727261790a71204302616271218571225271235801000000667124473ff800000000000058010000006c71255d7126284b015d7127284b027d71284b034e73656575580800000074726163655f6964712958020000007472712a580400000064617465712b4741d954fc40200000580900000072756e5f636f756e74712c4b0175622e",
            "8004955e010000000000008c107365726765616e742e6f626a65637473948c045461736b9493942981947d94288c066b7761726773947d94288c016294430200ff948c0165944300948c0173948c0368c3a9948c03626967948a090000000000000000408c036e6567944afbffffff8c0164948c086461746574696d65948c086461746574696d65949394430a07e70b0e160d1b07a12094859452948c017a946812430a07e70b0e160d1b07a1209468108c0874696d657a6f6e6594939468108c0974696d6564656c74619493944b004d201c4b008794529485945294869452948c0174944b018c01789486948c026261948c086275696c74696e73948c096279746561727261799493944302616294859452948c016694473ff80000000000008c016c945d94284b015d94284b027d944b034e736565758c0874726163655f6964948c027472948c0464617465944741d954fc402000008c0972756e5f636f756e74944b0175622e",
            "80059548010000000000008c107365726765616e742e6f626a65637473948c045461736b9493942981947d94288c066b7761726773947d94288c016294430200ff948c0165944300948c0173948c0368c3a9948c03626967948a090000000000000000408c036e6567944afbffffff8c0164948c086461746574696d65948c086461746574696d65949394430a07e70b0e160d1b07a12094859452948c017a946812430a07e70b0e160d1b07a1209468108c0874696d657a6f6e6594939468108c0974696d6564656c74619493944b004d201c4b008794529485945294869452948c0174944b018c01789486948c026261949602000000000000006162948c016694473ff80000000000008c016c945d94284b015d94284b027d944b034e736565758c0874726163655f6964948c027472948c0464617465944741d954fc402000008c0972756e5f636f756e74944b0175622e",
            "");

    private final Serializer serializer = create(TestDecodeLimits.DEFAULT);

    private static Serializer create(DecodeLimits limits) {
        return new PickleSerializerFactory().create(Contexts.none(), Contexts.utc(limits));
    }

    private static SergeantException error(Runnable action) {
        try {
            action.run();
        } catch (SergeantException e) {
            return e;
        }
        throw new AssertionError("expected a SergeantException");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    @DisplayName("CPython pickles of protocols 2 to 5 decode to the same task and Java types")
    void readsEveryProtocol() {
        Map<Object, Object> inner = new LinkedHashMap<>();
        inner.put(3L, null);
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("b", new byte[] {0, (byte) 0xff});
        kwargs.put("e", new byte[0]);
        kwargs.put("s", "hé");
        kwargs.put("big", BigInteger.ONE.shiftLeft(70));
        kwargs.put("neg", -5L);
        kwargs.put("d", Instant.ofEpochSecond(1700000007L, 500_000_000L));
        kwargs.put("z", Instant.ofEpochSecond(1700000007L - 7200, 500_000_000L));
        kwargs.put("t", List.of(1L, "x"));
        kwargs.put("ba", new byte[] {'a', 'b'});
        kwargs.put("f", 1.5);
        kwargs.put("l", List.of(1L, List.of(2L, inner)));
        Task expected = new Task(kwargs, "tr", 1700000000.5, 1);
        for (String hex : PYTHON_PICKLES) {
            if (hex.isEmpty()) {
                continue;
            }
            DeepEquality.assertDeepEquals(expected, serializer.deserializeTask(HexFormat.of().parseHex(hex)));
        }
    }

    @Test
    @DisplayName("any global outside the allow-set is refused naming its module and name, before anything runs")
    void refusesOtherGlobals() {
        SergeantException global = error(() -> serializer.deserializeValue(bytes("\u0080\u0002cos\nsystem\n(S'id'\ntR.")));
        assertThat(global.code()).isEqualTo(ErrorCode.CLASS_NOT_ALLOWED);
        assertThat(global.getMessage()).contains("module 'os'").contains("name 'system'");
        SergeantException stackGlobal = error(() -> serializer.deserializeValue(
                bytes("\u0080\u0004\u008c\u0008builtins\u008c\u0004eval\u0093\u008c\u00011\u0085R.")));
        assertThat(stackGlobal.code()).isEqualTo(ErrorCode.CLASS_NOT_ALLOWED);
        assertThat(stackGlobal.getMessage()).contains("builtins.eval");
        SergeantException inst = error(() -> serializer.deserializeValue(bytes("(isubprocess\nPopen\n.")));
        assertThat(inst.code()).isEqualTo(ErrorCode.CLASS_NOT_ALLOWED);
        assertThat(inst.getMessage()).contains("subprocess.Popen");
        assertThat(error(() -> serializer.deserializeValue(bytes("\u0080\u0002\u0082\u0001)R."))).code())
                .isEqualTo(ErrorCode.CLASS_NOT_ALLOWED);
    }

    @Test
    @DisplayName("nesting built through the memo with a flat stack is still bounded, and cycles are refused")
    void boundsMemoTricks() {
        ByteArrayOutputStream deep = new ByteArrayOutputStream();
        deep.write(0x80);
        deep.write(4);
        deep.write(']');
        deep.write('q');
        deep.write(0); // memo[0] = root
        for (int i = 0; i < 100_000; i++) {
            deep.write(']'); // new list
            deep.write('q');
            deep.write(1); // memo[1] = new list
            deep.write('a'); // append it to the list below
            deep.write('0'); // pop the list below
            deep.write('h');
            deep.write(1); // continue from the new list
        }
        deep.write('0');
        deep.write('h');
        deep.write(0);
        deep.write('.');
        SergeantException tooDeep = error(() -> serializer.deserializeValue(deep.toByteArray()));
        assertThat(tooDeep.code()).isEqualTo(ErrorCode.NESTING_TOO_DEEP);
        SergeantException cycle = error(() -> serializer.deserializeValue(bytes("\u0080\u0004]q\u0000h\u0000a.")));
        assertThat(cycle.code()).isEqualTo(ErrorCode.MALFORMED_PAYLOAD);
        assertThat(cycle.getMessage()).contains("contains itself");
    }

    @Test
    @DisplayName("a million-deep nesting on the stack gives a typed error, never a StackOverflowError")
    void boundsDeepStacks() {
        int depth = 1_000_000;
        byte[] payload = new byte[2 * depth + 2];
        Arrays.fill(payload, 0, depth, (byte) ']');
        Arrays.fill(payload, depth, 2 * depth - 1, (byte) 'a');
        payload[2 * depth - 1] = 'N';
        payload[2 * depth] = 'a';
        payload[2 * depth + 1] = '.';
        SergeantException small = error(() -> create(TestDecodeLimits.of(16 << 20, 16 << 20, 128, 1000)).deserializeValue(payload));
        assertThat(small.code()).isEqualTo(ErrorCode.COLLECTION_TOO_LARGE);
        DecodeLimits noDeadline = DecodeLimits.DEFAULT.withDecodeDeadline(java.time.Duration.ofMinutes(1));
        SergeantException generousBudget = error(() -> create(noDeadline.withBudget(4_000_000, 1L << 30))
                .deserializeValue(payload));
        assertThat(generousBudget.code()).isEqualTo(ErrorCode.NESTING_TOO_DEEP);
        // A million lists are 64 MB of containers: the default retained-bytes budget refuses them first.
        SergeantException byDefault = error(() -> create(noDeadline).deserializeValue(payload));
        assertThat(byDefault.code()).isEqualTo(ErrorCode.DECODE_BUDGET_EXCEEDED);
    }

    @Test
    @DisplayName("declared lengths and memo indexes past the payload are refused without allocating them")
    void boundsDeclaredLengths() {
        assertThat(error(() -> serializer.deserializeValue(bytes("\u0080\u0004X\u00ff\u00ff\u00ff\u007fab."))).code())
                .isEqualTo(ErrorCode.COLLECTION_TOO_LARGE);
        assertThat(error(() -> serializer.deserializeValue(bytes("\u0080\u0004\u008e\u00ff\u00ff\u00ff\u00ff\u0000\u0000\u0000\u0000."))).code())
                .isEqualTo(ErrorCode.COLLECTION_TOO_LARGE);
        assertThat(error(() -> serializer.deserializeValue(bytes("\u0080\u0004Nr\u00ff\u00ff\u00ff\u00ff."))).code())
                .isEqualTo(ErrorCode.MALFORMED_PAYLOAD);
        assertThat(error(() -> serializer.deserializeValue(bytes("\u0080\u0004\u008f."))).code())
                .isEqualTo(ErrorCode.MALFORMED_PAYLOAD);
    }

    @Test
    @DisplayName("protocol 2 names of Python 2 (__builtin__) are mapped as Python does")
    void readsPython2Names() {
        assertThat((byte[]) serializer.deserializeValue(bytes("\u0080\u0002c__builtin__\nbytes\n)R."))).isEmpty();
    }

    @Test
    @DisplayName("the writer uses protocol 5 by default and 4 on request; other protocols are a configuration error")
    void protocolOption() {
        Task task = Task.of(Map.of("a", 1L));
        assertThat(serializer.serializeTask(task)[1]).isEqualTo((byte) 5);
        Serializer four = new PickleSerializerFactory().create(Contexts.options(Map.of("pickle.protocol", "4")),
                Contexts.utc(TestDecodeLimits.DEFAULT));
        assertThat(four.serializeTask(task)[1]).isEqualTo((byte) 4);
        assertThatThrownBy(() -> new PickleSerializerFactory().create(Contexts.options(Map.of("pickle.protocol", "3")),
                Contexts.utc(TestDecodeLimits.DEFAULT))).isInstanceOf(SergeantException.class)
                .hasMessageContaining("pickle.protocol");
        assertThatThrownBy(() -> new PickleSerializerFactory().create(Contexts.options(Map.of("pickle.protokol", "3")),
                Contexts.utc(TestDecodeLimits.DEFAULT))).isInstanceOf(SergeantException.class)
                .hasMessageContaining("pickle.protokol").hasMessageContaining("pickle.protocol");
    }

    @Test
    @DisplayName("small values are written without a frame, as CPython does")
    void smallValuesHaveNoFrame() {
        assertThat(HexFormat.of().formatHex(serializer.serializeValue(null))).isEqualTo("80054e2e");
        assertThat(serializer.deserializeValue(serializer.serializeValue(7L))).isEqualTo(7L);
    }
}
