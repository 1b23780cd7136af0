package io.sergeant.codec;

import io.sergeant.testkit.codec.TestDecodeLimits;
import io.sergeant.api.Task;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.codec.Compressor;
import io.sergeant.spi.codec.CompressorFactory;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.spi.codec.SerializerFactory;
import io.sergeant.testkit.codec.DeepEquality;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs real CPython on what Java writes: pickles (protocol 5 and 4, through every compressor) must
 * unpickle as {@code sergeant.objects.Task} with the same values, using a stand-in
 * {@code sergeant.objects} module. Skipped only when {@code python3} is not installed; the msgpack check
 * runs only when Python has the {@code msgpack} module.
 */
class PythonInteropTest {

    private static final String READER = """
            import bz2, datetime, gzip, json, lzma, pickle, sys, zlib
            import sergeant.objects

            def tag(value):
                if isinstance(value, sergeant.objects.Task):
                    return {"$task": {"kwargs": tag(value.kwargs), "trace_id": value.trace_id,
                                      "date": value.date, "run_count": value.run_count}}
                if isinstance(value, bytes):
                    return {"$bytes": value.hex()}
                if isinstance(value, datetime.datetime):
                    return {"$datetime": value.isoformat(timespec="microseconds")}
                if isinstance(value, tuple):
                    return {"$tuple": [tag(v) for v in value]}
                if isinstance(value, list):
                    return [tag(v) for v in value]
                if isinstance(value, dict):
                    if all(isinstance(k, str) for k in value):
                        return {k: tag(v) for k, v in value.items()}
                    return {"$map": [[tag(k), tag(v)] for k, v in value.items()]}
                return value

            decompress = {"none": lambda b: b, "zlib": zlib.decompress, "gzip": gzip.decompress,
                          "bzip2": bz2.decompress, "lzma": lzma.decompress}
            results = []
            for path, compressor, serializer in zip(sys.argv[1::3], sys.argv[2::3], sys.argv[3::3]):
                data = decompress[compressor](open(path, "rb").read())
                if serializer == "pickle":
                    value = pickle.loads(data, encoding="utf-8")
                    assert type(value) is sergeant.objects.Task, type(value)
                else:
                    import msgpack
                    def hook(obj):
                        if "__datetime__" in obj:
                            return datetime.datetime.fromtimestamp(obj["__datetime__"])
                        if "__tuple__" in obj:
                            return tuple(obj["__tuple__"])
                        if "__task__" in obj:
                            return sergeant.objects.Task(**obj["__task__"])
                        return obj
                    value = msgpack.unpackb(data, strict_map_key=False, raw=False, object_hook=hook)
                results.append(tag(value))
            print(json.dumps(results))
            """;

    @TempDir
    Path temp;

    private Task richTask() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("k", 7L);
        nested.put("unicode", "héllo ✓ 日本語 🎉");
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("i", 7L);
        kwargs.put("neg", -123456789012L);
        kwargs.put("big", 1L << 40);
        kwargs.put("f", 3.5);
        kwargs.put("b", new byte[] {0, (byte) 0xff, 'x'});
        kwargs.put("long_bytes", new byte[300]);
        kwargs.put("long_text", "y".repeat(400));
        kwargs.put("l", List.of(7L, "x", true, false));
        kwargs.put("m", nested);
        kwargs.put("n", null);
        kwargs.put("d", Instant.ofEpochSecond(1700000007L, 500_000_000L));
        kwargs.put("d2", Instant.ofEpochSecond(1700000008L, 0L));
        List<Object> many = new ArrayList<>();
        for (long i = 0; i < 2500; i++) {
            many.add(i * 1000);
        }
        kwargs.put("many", many);
        kwargs.put("intkeys", Map.of(1L, "one"));
        return new Task(kwargs, "trace-1", 1700000000.5, 2);
    }

    @Test
    @DisplayName("CPython unpickles Java's pickles (protocol 5 and 4, every compressor) into the same Task")
    void pythonReadsJavaPickles() throws Exception {
        assumeTrue(CPython.available(), "python3 is not installed; install it to run the CPython interop check");
        PluginContext context = Contexts.utc(TestDecodeLimits.DEFAULT);
        Map<String, Compressor> compressors = new LinkedHashMap<>();
        for (CompressorFactory factory : ServiceLoader.load(CompressorFactory.class)) {
            compressors.put(factory.name(), factory.create(Contexts.none(), context));
        }
        Task task = richTask();
        List<String> arguments = new ArrayList<>();
        List<Task> expected = new ArrayList<>();
        int n = 0;
        List<String> serializers = new ArrayList<>(List.of("pickle"));
        if (CPython.hasModule("msgpack")) {
            serializers.add("msgpack");
        }
        for (String serializerName : serializers) {
            for (String protocol : List.of("5", "4")) {
                if (serializerName.equals("msgpack") && protocol.equals("4")) {
                    continue;
                }
                Serializer serializer = ServiceLoader.load(SerializerFactory.class).stream()
                        .map(ServiceLoader.Provider::get).filter(f -> f.name().equals(serializerName)).findFirst()
                        .orElseThrow().create(Contexts.options(Map.of("pickle.protocol", protocol)), context);
                byte[] serialized = serializer.serializeTask(task);
                Map<String, byte[]> variants = new LinkedHashMap<>();
                variants.put("none", serialized);
                compressors.forEach((name, compressor) -> variants.put(name, compressor.compress(serialized)));
                for (Map.Entry<String, byte[]> variant : variants.entrySet()) {
                    Path file = temp.resolve("task-" + n++ + ".bin");
                    Files.write(file, variant.getValue());
                    arguments.addAll(List.of(file.toString(), variant.getKey(), serializerName));
                    expected.add(task);
                }
            }
        }
        String output = CPython.run(temp, READER, "UTC", Duration.ofSeconds(60), arguments);
        List<?> decoded = (List<?>) TaggedJson.untag(TaggedJson.parseRaw(output.trim()));
        assertThat(decoded).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            DeepEquality.assertDeepEquals(expected.get(i), decoded.get(i));
        }
    }
}
