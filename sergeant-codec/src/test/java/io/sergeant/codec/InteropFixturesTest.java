package io.sergeant.codec;

import io.sergeant.testkit.codec.TestDecodeLimits;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.compress.GzipCompressor;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.codec.Compressor;
import io.sergeant.spi.codec.CompressorFactory;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.spi.codec.SerializerFactory;
import io.sergeant.testkit.codec.DeepEquality;
import io.sergeant.testkit.interop.InteropFixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads every byte fixture Python Sergeant wrote (the testkit's {@link InteropFixtures}, in the repository)
 * and checks the decoded values against fixtures.json, and that what Java writes for the same task equals
 * Python's bytes where Python's output is deterministic. A missing file fails the test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InteropFixturesTest {

    private Map<?, ?> fixtures;
    private final Map<String, Serializer> serializers = new HashMap<>();
    private final Map<String, Compressor> compressors = new HashMap<>();

    @BeforeAll
    void load() {
        fixtures = (Map<?, ?>) TaggedJson.parseRaw(InteropFixtures.text("fixtures.json"));
        PluginContext context = Contexts.utc(TestDecodeLimits.DEFAULT);
        for (SerializerFactory factory : ServiceLoader.load(SerializerFactory.class)) {
            serializers.put(factory.name(), factory.create(Contexts.options(Map.of("java.allow", "")), context));
        }
        for (CompressorFactory factory : ServiceLoader.load(CompressorFactory.class)) {
            compressors.put(factory.name(), factory.create(Contexts.none(), context));
        }
    }

    private List<?> entries() {
        return (List<?>) fixtures.get("fixtures");
    }

    private static byte[] read(String file) {
        return InteropFixtures.bytes(file);
    }

    private byte[] decompress(String compressor, byte[] data) {
        if ("none".equals(compressor)) {
            return data;
        }
        assertThat(compressors).as("installed compressors").containsKey(compressor);
        return compressors.get(compressor).decompress(data);
    }

    @Test
    @DisplayName("every fixture decompresses to Python's serialized bytes and decodes to the listed values")
    void decodesEveryFixture() throws Exception {
        assertThat(entries()).hasSizeGreaterThanOrEqualTo(12);
        for (Object item : entries()) {
            Map<?, ?> fixture = (Map<?, ?>) item;
            String file = (String) fixture.get("file");
            byte[] data = read(file);
            assertThat(sha256(data)).as("sha256 of %s", file).isEqualTo(fixture.get("sha256"));
            byte[] serialized = decompress((String) fixture.get("compressor"), data);
            assertThat(HexFormat.of().formatHex(serialized)).as("decompressed %s", file)
                    .isEqualTo(fixture.get("serialized_hex"));
            Serializer serializer = serializers.get((String) fixture.get("serializer"));
            Task decoded = serializer.deserializeTask(serialized);
            Task expected = TaggedJson.task((Map<?, ?>) fixture.get("expected_decoded"));
            String difference = DeepEquality.difference(expected, decoded);
            assertThat(difference).as("decoded %s", file).isNull();
        }
    }

    @Test
    @DisplayName("rich fixtures decode the naive datetime to its UTC instant and the tuple to an unmodifiable list")
    void decodesDatetimeAndTuple() throws Exception {
        Instant expected = Instant.ofEpochSecond(1700000007L, 500_000_000L);
        for (String file : List.of("task-rich-msgpack-none.bin", "task-rich-pickle-none.bin")) {
            String serializer = file.contains("msgpack") ? "msgpack" : "pickle";
            Task task = serializers.get(serializer).deserializeTask(read(file));
            assertThat(task.kwargs().get("d")).as(file).isEqualTo(expected);
            @SuppressWarnings("unchecked")
            List<Object> tuple = (List<Object>) task.kwargs().get("u");
            assertThat(tuple).containsExactly(7L, "y");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> tuple.clear())
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }

    private Task fixtureTask() {
        Map<?, ?> task = (Map<?, ?>) fixtures.get("task");
        return TaggedJson.task((Map<?, ?>) task.get("expected_decoded"));
    }

    @Test
    @DisplayName("Java's msgpack and pickle output for the fixture task equals Python's bytes exactly")
    void writesPythonsBytes() throws Exception {
        Task task = fixtureTask();
        assertThat(HexFormat.of().formatHex(serializers.get("msgpack").serializeTask(task)))
                .isEqualTo(HexFormat.of().formatHex(read("task-msgpack-none.bin")));
        assertThat(HexFormat.of().formatHex(serializers.get("pickle").serializeTask(task)))
                .isEqualTo(HexFormat.of().formatHex(read("task-pickle-none.bin")));
    }

    @Test
    @DisplayName("Java's pickle of the rich task equals Python's bytes except for the tuple Java cannot express")
    void writesRichPickleLikePython() throws Exception {
        Task rich = TaggedJson.task((Map<?, ?>) ((Map<?, ?>) fixtures.get("rich_task")).get("expected_decoded"));
        Map<String, Object> kwargs = new LinkedHashMap<>(rich.kwargs());
        kwargs.remove("u");
        byte[] java = serializers.get("pickle").serializeTask(new Task(kwargs, rich.traceId(), rich.date(), rich.runCount()));
        String python = HexFormat.of().formatHex(read("task-rich-pickle-none.bin"));
        // Python's pickle up to the datetime's REDUCE + MEMOIZE (offset 185) is the same; then 'u' follows.
        String javaHex = HexFormat.of().formatHex(java);
        assertThat(javaHex.substring(22, 185 * 2)).isEqualTo(python.substring(22, 185 * 2));
    }

    @Test
    @DisplayName("the golden vector of Python Sergeant's msgpack format encodes byte for byte")
    void goldenVector() {
        Task task = new Task(Map.of("a", 1L), null, 1700000000.5, 0);
        assertThat(HexFormat.of().formatHex(serializers.get("msgpack").serializeTask(task))).isEqualTo(
                "81a85f5f7461736b5f5f84a66b7761726773 81a161 01 a8 74726163655f6964 c0 a4 64617465 cb 41d954fc40200000"
                        .replace(" ", "") + "a972756e5f636f756e7400");
    }

    @Test
    @DisplayName("zlib and gzip output equals Python's bytes (gzip with the same mtime)")
    void compressesLikePython() throws Exception {
        for (String serializer : List.of("msgpack", "pickle")) {
            byte[] serialized = read("task-" + serializer + "-none.bin");
            assertThat(compressors.get("zlib").compress(serialized)).as("zlib " + serializer)
                    .isEqualTo(read("task-" + serializer + "-zlib.bin"));
            byte[] python = read("task-" + serializer + "-gzip.bin");
            long mtime = (python[4] & 0xffL) | (python[5] & 0xffL) << 8 | (python[6] & 0xffL) << 16 | (python[7] & 0xffL) << 24;
            Compressor gzip = new GzipCompressor(TestDecodeLimits.DEFAULT, 9,
                    Clock.fixed(Instant.ofEpochSecond(mtime), ZoneOffset.UTC));
            assertThat(gzip.compress(serialized)).as("gzip " + serializer).isEqualTo(python);
        }
    }

    private static String sha256(byte[] data) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
