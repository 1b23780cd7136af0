package io.sergeant.codec.pickle;

import io.sergeant.codec.CPython;
import io.sergeant.testkit.codec.TestDecodeLimits;
import io.sergeant.api.Task;
import io.sergeant.codec.Contexts;
import io.sergeant.spi.codec.Serializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 14 item 13: the bytes Java writes are the bytes CPython's pickle writes, for pickles of 64 KiB
 * and more too (CPython cuts them into frames of about 64 KiB and writes a str or bytes of 64 KiB or more
 * outside any frame), and a naive datetime inside a DST gap with {@code fold=1} decodes as Python reads
 * it. The expected bytes and timestamps come from the local {@code python3} at test time, with a stand-in
 * {@code sergeant.objects.Task} dataclass; skipped only when {@code python3} is not installed.
 */
class CPythonPickleBytesTest {

    /** Each case's kwargs, built in Python exactly as {@link #cases()} builds them in Java. */
    private static final String WRITER = """
            import datetime, pickle, sys
            from sergeant.objects import Task

            def cases():
                yield {"small": [1, "two", 3.5, None, True]}
                yield {"many": list(range(30000))}
                yield {"nested": [[i, -i, i * 1000] for i in range(12000)], "tail": "end"}
                yield {"big_text": "x" * 70000, "after": 1}
                yield {"blob": b"z" * 65536, "n": None}
                yield {"just_under": "s" * 65535}
                yield {"texts": ["t%d" % i * 40 for i in range(4000)], "blob": b"q" * 200000, "more": list(range(3000))}
                yield {"dates": [datetime.datetime(2023, 11, 14, 22, 13, 27, i) for i in range(7000)]}

            for protocol in (5, 4):
                for kwargs in cases():
                    print(pickle.dumps(Task(kwargs, "trace", 1700000000.5, 3), protocol=protocol).hex())
            """;

    @TempDir
    Path temp;

    private static List<Map<String, Object>> cases() {
        List<Map<String, Object>> cases = new ArrayList<>();
        List<Object> small = new ArrayList<>();
        small.add(1L);
        small.add("two");
        small.add(3.5);
        small.add(null);
        small.add(true);
        cases.add(Map.of("small", small));
        List<Object> many = new ArrayList<>();
        for (long i = 0; i < 30000; i++) {
            many.add(i);
        }
        cases.add(Map.of("many", many));
        List<Object> nested = new ArrayList<>();
        for (long i = 0; i < 12000; i++) {
            nested.add(List.of(i, -i, i * 1000));
        }
        cases.add(ordered("nested", nested, "tail", "end"));
        cases.add(ordered("big_text", "x".repeat(70000), "after", 1L));
        byte[] blob = new byte[65536];
        java.util.Arrays.fill(blob, (byte) 'z');
        cases.add(ordered("blob", blob, "n", null));
        cases.add(Map.of("just_under", "s".repeat(65535)));
        List<Object> texts = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            texts.add(("t" + i).repeat(40));
        }
        byte[] q = new byte[200000];
        java.util.Arrays.fill(q, (byte) 'q');
        List<Object> more = new ArrayList<>();
        for (long i = 0; i < 3000; i++) {
            more.add(i);
        }
        Map<String, Object> mixed = ordered("texts", texts, "blob", q);
        mixed.put("more", more);
        cases.add(mixed);
        List<Object> dates = new ArrayList<>();
        for (int i = 0; i < 7000; i++) {
            dates.add(LocalDateTime.of(2023, 11, 14, 22, 13, 27, i * 1000).toInstant(ZoneOffset.UTC));
        }
        cases.add(Map.of("dates", dates));
        return cases;
    }

    private static Map<String, Object> ordered(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put(k1, v1);
        map.put(k2, v2);
        return map;
    }

    private String python(String script, String timezone) throws Exception {
        return CPython.run(temp, script, timezone, Duration.ofSeconds(120), List.of());
    }

    @Test
    @DisplayName("pickles of 64 KiB and more are cut into frames, and big strings and bytes left out of them, as CPython does")
    void largePicklesHaveCPythonsFrames() throws Exception {
        assumeTrue(CPython.available(), "python3 is not installed; install it to compare with CPython's bytes");
        List<String> expected = python(WRITER, "UTC").lines().toList();
        List<Map<String, Object>> cases = cases();
        assertThat(expected).hasSize(2 * cases.size());
        int line = 0;
        for (String protocol : List.of("5", "4")) {
            Serializer serializer = new PickleSerializerFactory().create(
                    Contexts.options(Map.of("pickle.protocol", protocol)), Contexts.utc(TestDecodeLimits.DEFAULT));
            for (Map<String, Object> kwargs : cases) {
                byte[] written = serializer.serializeTask(new Task(kwargs, "trace", 1700000000.5, 3));
                String python = expected.get(line++);
                assertThat(HexFormat.of().formatHex(written)).as("protocol %s, kwargs keys %s (%d bytes from CPython)",
                        protocol, kwargs.keySet(), python.length() / 2).isEqualTo(python);
                assertThat(serializer.deserializeTask(written).kwargs()).containsOnlyKeys(kwargs.keySet());
            }
        }
    }

    @Test
    @DisplayName("a naive datetime in a DST gap decodes as Python reads it, fold=0 and fold=1")
    void naiveDatetimesInADstGapHonourFold() throws Exception {
        assumeTrue(CPython.available(), "python3 is not installed; install it to compare with CPython's datetimes");
        String zone = "Europe/Berlin";
        // 2024-03-31 02:30 does not exist in Berlin (clocks go from 02:00 to 03:00); also an ambiguous time
        // (2024-10-27 02:30 happens twice) and an ordinary one.
        String script = """
                import datetime, pickle, sys
                for fold in (0, 1):
                    for args in ((2024, 3, 31, 2, 30), (2024, 10, 27, 2, 30), (2024, 6, 1, 12, 0)):
                        d = datetime.datetime(*args, fold=fold)
                        print(pickle.dumps({"d": d}, protocol=5).hex(), repr(d.timestamp()))
                """;
        Serializer serializer = new PickleSerializerFactory().create(Contexts.none(),
                new io.sergeant.spi.PluginContext(TestDecodeLimits.DEFAULT, Clock.system(ZoneId.of(zone)),
                        getClass().getClassLoader()));
        List<String> lines = python(script, zone).lines().toList();
        assertThat(lines).hasSize(6);
        for (String line : lines) {
            String[] parts = line.split(" ");
            double timestamp = Double.parseDouble(parts[1]);
            Object decoded = ((Map<?, ?>) serializer.deserializeValue(HexFormat.of().parseHex(parts[0]))).get("d");
            assertThat(decoded).as("pickle %s", parts[0]).isEqualTo(Instant.ofEpochSecond((long) timestamp));
        }
    }
}
