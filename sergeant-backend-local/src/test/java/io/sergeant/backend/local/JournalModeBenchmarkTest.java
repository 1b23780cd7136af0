package io.sergeant.backend.local;

import io.sergeant.api.Priority;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.Receipt;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the default journal (a rollback journal with {@code synchronous=FULL}, so Python Sergeant can
 * share the file) costs against {@code journalMode=WAL} ({@code synchronous=NORMAL}) and against a
 * rollback journal with {@code synchronous=NORMAL}: single pushes (one autocommit transaction each),
 * bulk pushes, and drains in both delivery modes, in one process. Each round runs every setting on a
 * fresh file, settings interleaved, and the median of the rounds is printed (rates are never asserted).
 * Run with {@code mvn -o -q -pl sergeant-backend-local -am test -Dtest=JournalModeBenchmarkTest
 * -Dsergeant.bench=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class JournalModeBenchmarkTest {

    private static final int ROUNDS = 5;
    private static final int SINGLE = 1_000;
    private static final int BULK = 50_000;
    private static final int CHUNK = 1_000;
    private static final int BATCH = 100;
    private static final byte[] PAYLOAD = new byte[200];

    @TempDir
    Path directory;

    @Test
    @EnabledIfSystemProperty(named = "sergeant.bench", matches = "true")
    @DisplayName("prints the median rates of each journal setting (run on demand)")
    void measure() {
        Map<String, Map<String, String>> settings = new LinkedHashMap<>();
        settings.put("DELETE+FULL (default)", Map.of());
        settings.put("DELETE+NORMAL", Map.of("synchronous", "NORMAL"));
        settings.put("WAL+NORMAL", Map.of("journalMode", "WAL"));
        String[] measures = {"push one-by-one", "push bulk", "drain at-most-once", "drain at-least-once"};
        Map<String, double[][]> rates = new LinkedHashMap<>();
        settings.keySet().forEach(name -> rates.put(name, new double[measures.length][ROUNDS]));
        int file = 0;
        for (int round = 0; round < ROUNDS; round++) {
            for (var setting : settings.entrySet()) {
                double[][] r = rates.get(setting.getKey());
                try (Backend backend = open(directory.resolve("bench-" + file++ + ".db"), setting.getValue())) {
                    r[0][round] = SINGLE / seconds(() -> {
                        for (int i = 0; i < SINGLE; i++) {
                            backend.push("single", List.of(PAYLOAD), Priority.NORMAL, null);
                        }
                    });
                    r[1][round] = BULK / seconds(() -> pushBulk(backend, "amo"));
                    pushBulk(backend, "alo");
                    r[2][round] = BULK / seconds(() -> drain(backend, "amo", DeliveryOptions.AT_MOST_ONCE));
                    r[3][round] = BULK / seconds(() -> drain(backend, "alo",
                            DeliveryOptions.leased(Duration.ofMinutes(5), 10)));
                    assertThat(backend.length("single", true)).isEqualTo(SINGLE);
                    assertThat(backend.length("amo", true) + backend.length("alo", true)).isZero();
                }
            }
        }
        StringBuilder table = new StringBuilder("\n| setting | " + String.join(" | ", measures) + " |\n|---|---|---|---|---|\n");
        rates.forEach((name, r) -> {
            table.append("| ").append(name);
            for (double[] values : r) {
                table.append(" | ").append(String.format("%,.0f/s", median(values)));
            }
            table.append(" |\n");
        });
        System.out.println("journal mode benchmark, median of " + ROUNDS + " rounds, " + SINGLE + " single pushes, "
                + BULK + " tasks of " + PAYLOAD.length + " bytes (bulk chunks " + CHUNK + ", pops of " + BATCH + ")" + table);
    }

    private static void pushBulk(Backend backend, String queue) {
        List<byte[]> chunk = new ArrayList<>(CHUNK);
        for (int i = 0; i < CHUNK; i++) {
            chunk.add(PAYLOAD);
        }
        for (int pushed = 0; pushed < BULK; pushed += CHUNK) {
            backend.push(queue, chunk, Priority.NORMAL, null);
        }
    }

    private static void drain(Backend backend, String queue, DeliveryOptions options) {
        int drained = 0;
        while (drained < BULK) {
            List<Delivery> batch = backend.pop(queue, BATCH, options);
            if (options.leased()) {
                List<Receipt> receipts = new ArrayList<>(batch.size());
                batch.forEach(delivery -> receipts.add(delivery.receipt()));
                backend.leaseRole().orElseThrow().ack(queue, receipts);
            }
            drained += batch.size();
        }
    }

    private static double seconds(Runnable work) {
        long started = System.nanoTime();
        work.run();
        return (System.nanoTime() - started) / 1e9;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static Backend open(Path file, Map<String, String> options) {
        return new LocalBackendFactory().create(new BackendSpec("sqlite:" + file, options), PluginContext.defaults());
    }
}
