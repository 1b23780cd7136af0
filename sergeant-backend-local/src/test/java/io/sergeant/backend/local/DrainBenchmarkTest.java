package io.sergeant.backend.local;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs {@link DrainBenchmark}: a tiny smoke run in every build (each drain takes every task exactly
 * once), and the full measurement only with {@code -Dsergeant.bench=true}. Rates are printed, never
 * asserted (timings on a shared machine are not a test).
 */
class DrainBenchmarkTest {

    @TempDir
    Path directory;

    @Test
    @DisplayName("the drain benchmark runs end to end on a small queue (every drain takes every task once)")
    void smoke() throws Exception {
        List<DrainBenchmark.Result> results =
                new DrainBenchmark(new DrainBenchmark.Config(2_000, 200, List.of(100), 1), directory, System.out).run();
        assertThat(results).hasSize(1);
        assertThat(results.get(0).bestRates()).hasSize(DrainBenchmark.Drain.values().length)
                .allSatisfy((drain, rate) -> assertThat(rate).isPositive());
        assertThat(results.get(0).bestCpuRates()).hasSize(DrainBenchmark.Drain.values().length);
    }

    @Test
    @EnabledIfSystemProperty(named = "sergeant.bench", matches = "true")
    @DisplayName("full drain benchmark: 200,000 tasks of 200 bytes, batches 100 and 1000, best of 3")
    void full() throws Exception {
        List<DrainBenchmark.Result> results =
                new DrainBenchmark(DrainBenchmark.Config.full(), directory, System.out).run();
        assertThat(results).hasSize(2);
    }
}
