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
 * {@code sergeant.objects.Task} dataclass (skipped only when {@code python3} is not installed), and from
 * what CPython 3.11 wrote for the same cases, recorded here (SHA-256 and length of each pickle; the
 * datetime pickles and timestamps verbatim), so the item is proven on a machine without {@code python3}
 * too.
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

    /**
     * What CPython 3.11.7 wrote for {@link #WRITER}'s cases ({@code TZ=UTC}): protocol, length and SHA-256
     * of each pickle, in the order of {@link #cases()}, protocol 5 then 4. Most are several frames
     * (a single-frame writer fails every line but the first of each protocol).
     */
    private static final List<String> CPYTHON_DIGESTS = List.of(
            "5 140 a16090340cfae896d7bef0916f20aee454026d7347c319404f38f2626b58f617",
            "5 89931 2370b04bbc737d2a1877be52ecff899e791f4391a7562c63e4144f433df7eb82",
            "5 203793 6a09114a98dec0e8542ce02927c671f8485a659b2be124f486cd3172be65458c",
            "5 70146 ebbcff94bf80f4943c9d355b632f9c3748366a04fd2e56981f6c9cebeabeec3e",
            "5 65673 574792b70b068eb2b4db5b58a8c46cd1e0f3d4b0ee0532c56de188c526bc15e9",
            "5 65672 3c7f78af4daeff4e3056537cc4a9b4a1e0f20f95a2d65128107b556b95e322c7",
            "5 976608 057fb7d14f6c3965d39ac4e0d46dc41364881e01b9401941a11edd78f0ff10ac",
            "5 133173 0bbbada1746a347b706431c48aded42c49ce3c21bbcf0186d8c932ee9fa3bfb6",
            "4 140 aed053df304d5fbef84d7d0b01e8f3664dc3556b8a500024e0c610922cb664cf",
            "4 89931 320c0cabf73e08f7beedb16b8e399fcc5b6cdcb4a10c6e84f0adde2c552eb0a2",
            "4 203793 81dcda1ac1a156cf9549c12f477dbea8902427308bab1460773431233caa921f",
            "4 70146 45d49dd60b65143581de569c4f81b3b41bbd0282ac8b2077a49f929b9544740e",
            "4 65673 6685ef004be7ee1307636e3404126bd888301a1b8d5a19878c6cf3a77687f8f6",
            "4 65672 0f06cd915460ccc2d3bdc9d3ed442071c97ebfec33be99b22bbb52f0e1fb1851",
            "4 976608 6c2c3fe3c82b1cb8b8308ae5726f4d3b0237cf50f5916d9d791b8c2632668848",
            "4 133173 f1c341641efb94e2aa10b0cf84db33879789a84c12ce7128379319db4f5d64d6");

    /** The DST script's output from CPython 3.11.7 with {@code TZ=Europe/Berlin}: pickle hex, timestamp. */
    private static final String DST_SCRIPT = """
            import datetime, pickle, sys
            for fold in (0, 1):
                for args in ((2024, 3, 31, 2, 30), (2024, 10, 27, 2, 30), (2024, 6, 1, 12, 0)):
                    d = datetime.datetime(*args, fold=fold)
                    print(pickle.dumps({"d": d}, protocol=5).hex(), repr(d.timestamp()))
            """;
    private static final String DST_ZONE = "Europe/Berlin";
    private static final List<String> CPYTHON_DST_LINES = List.of(
            "80059531000000000000007d948c0164948c086461746574696d65948c086461746574696d65949394430a07e8031f021e000000009485945294732e 1711848600.0",
            "80059531000000000000007d948c0164948c086461746574696d65948c086461746574696d65949394430a07e80a1b021e000000009485945294732e 1729989000.0",
            "80059531000000000000007d948c0164948c086461746574696d65948c086461746574696d65949394430a07e806010c00000000009485945294732e 1717236000.0",
            "80059531000000000000007d948c0164948c086461746574696d65948c086461746574696d65949394430a07e8831f021e000000009485945294732e 1711845000.0",
            "80059531000000000000007d948c0164948c086461746574696d65948c086461746574696d65949394430a07e88a1b021e000000009485945294732e 1729992600.0",
            "80059531000000000000007d948c0164948c086461746574696d65948c086461746574696d65949394430a07e886010c00000000009485945294732e 1717236000.0");

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
    @DisplayName("pickles of 64 KiB and more have the bytes CPython 3.11 wrote for them (recorded digests; no python3 needed)")
    void largePicklesHaveTheRecordedCPythonBytes() throws Exception {
        List<Map<String, Object>> cases = cases();
        assertThat(CPYTHON_DIGESTS).hasSize(2 * cases.size());
        java.security.MessageDigest sha256 = java.security.MessageDigest.getInstance("SHA-256");
        int line = 0;
        for (String protocol : List.of("5", "4")) {
            Serializer serializer = new PickleSerializerFactory().create(
                    Contexts.options(Map.of("pickle.protocol", protocol)), Contexts.utc(TestDecodeLimits.DEFAULT));
            for (Map<String, Object> kwargs : cases) {
                byte[] written = serializer.serializeTask(new Task(kwargs, "trace", 1700000000.5, 3));
                String actual = protocol + " " + written.length + " " + HexFormat.of().formatHex(sha256.digest(written));
                assertThat(actual).as("protocol %s, kwargs keys %s", protocol, kwargs.keySet()).isEqualTo(CPYTHON_DIGESTS.get(line++));
            }
        }
    }

    @Test
    @DisplayName("a naive datetime in a DST gap decodes as Python reads it, fold=0 and fold=1")
    void naiveDatetimesInADstGapHonourFold() throws Exception {
        assumeTrue(CPython.available(), "python3 is not installed; install it to compare with CPython's datetimes");
        List<String> lines = python(DST_SCRIPT, DST_ZONE).lines().toList();
        assertThat(lines).as("the live CPython agrees with the recorded lines").isEqualTo(CPYTHON_DST_LINES);
        assertDecodedAsPython(lines);
    }

    @Test
    @DisplayName("a naive datetime in a DST gap decodes as CPython 3.11 read it, fold=0 and fold=1 (recorded; no python3 needed)")
    void naiveDatetimesInADstGapHonourFoldAsRecorded() {
        assertDecodedAsPython(CPYTHON_DST_LINES);
    }

    /**
     * Each line is a pickle of {@code {"d": naive datetime}} and the timestamp Python gave that datetime in
     * {@link #DST_ZONE}: 2024-03-31 02:30 does not exist in Berlin (clocks go from 02:00 to 03:00), 2024-10-27
     * 02:30 happens twice, 2024-06-01 12:00 is ordinary; each with fold 0 and fold 1.
     */
    private static void assertDecodedAsPython(List<String> lines) {
        Serializer serializer = new PickleSerializerFactory().create(Contexts.none(),
                new io.sergeant.spi.PluginContext(TestDecodeLimits.DEFAULT, Clock.system(ZoneId.of(DST_ZONE)),
                        CPythonPickleBytesTest.class.getClassLoader()));
        assertThat(lines).hasSize(6);
        for (String line : lines) {
            String[] parts = line.split(" ");
            double timestamp = Double.parseDouble(parts[1]);
            Object decoded = ((Map<?, ?>) serializer.deserializeValue(HexFormat.of().parseHex(parts[0]))).get("d");
            assertThat(decoded).as("pickle %s", parts[0]).isEqualTo(Instant.ofEpochSecond((long) timestamp));
        }
    }
}
