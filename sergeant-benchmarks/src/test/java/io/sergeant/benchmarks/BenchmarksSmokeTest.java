package io.sergeant.benchmarks;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.util.Collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Runs every benchmark once, in this JVM, with one short warmup and measurement iteration, so that a
 * broken benchmark fails the build instead of rotting. Scores are not judged, only that each
 * combination ran and produced a positive score.
 */
class BenchmarksSmokeTest {

    private static Collection<RunResult> runQuickly(Class<?> benchmark, String... params) throws RunnerException {
        // A smoke run measures nothing: it need not wait for another build's JMH run on a shared machine.
        System.setProperty("jmh.ignoreLock", "true");
        OptionsBuilder builder = new OptionsBuilder();
        for (int i = 0; i + 1 < params.length; i += 2) {
            builder.param(params[i], params[i + 1]);
        }
        Options options = builder
                .include("^" + benchmark.getName() + "\\.")
                .forks(0)
                .warmupIterations(1)
                .warmupTime(TimeValue.milliseconds(100))
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build();
        return new Runner(options).run();
    }

    @Test
    @DisplayName("encode and decode run for every serializer and compressor")
    void codec() throws RunnerException {
        Collection<RunResult> results = runQuickly(CodecBenchmark.class);

        assertThat(results).hasSize(3 * 5 * 2);
        assertThat(results).allSatisfy(result -> assertThat(result.getPrimaryResult().getScore()).isPositive());
        assertThat(results).extracting(result -> result.getParams().getParam("serializer") + "+"
                        + result.getParams().getParam("compressor"))
                .contains("java+lzma", "msgpack+none", "pickle+bzip2");
    }

    @Test
    @DisplayName("the dispatch path runs in both delivery modes with 1 and 4 threads")
    void dispatch() throws RunnerException {
        Collection<RunResult> results = runQuickly(DispatchBenchmark.class);

        assertThat(results).hasSize(4);
        assertThat(results).allSatisfy(result -> assertThat(result.getPrimaryResult().getScore()).isPositive());
    }

    @Test
    @DisplayName("settle-and-pop runs fused and as two calls on a redis-server it starts and on SQLite")
    void settleAndPop() throws RunnerException {
        Collection<RunResult> results = runQuickly(SettleAndPopBenchmark.class, "topUp", "5000");

        assertThat(results).hasSize(4);
        assertThat(results).allSatisfy(result -> assertThat(result.getPrimaryResult().getScore()).isPositive());
    }

    @Test
    @DisplayName("the msgpack readers run on a task and on plain kwargs, and agree on both (checked in setUp)")
    void msgpackReaders() throws RunnerException {
        Collection<RunResult> results = runQuickly(io.sergeant.benchmarks.msgpack.MsgpackDecodeBenchmark.class);

        assertThat(results).hasSize(2 * 2);
        assertThat(results).allSatisfy(result -> assertThat(result.getPrimaryResult().getScore()).isPositive());
    }

    @Test
    @DisplayName("the bench task decode benchmark runs")
    void benchTaskDecodeRuns() throws RunnerException {
        Collection<RunResult> results = runQuickly(io.sergeant.benchmarks.msgpack.BenchTaskDecodeBenchmark.class);

        assertThat(results).hasSize(1);
        assertThat(results).allSatisfy(result -> assertThat(result.getPrimaryResult().getScore()).isPositive());
    }

    @Test
    @DisplayName("the msgpack-core candidate keeps the bounds: a map declaring 2^31-1 entries in 5 bytes is refused before allocating")
    void msgpackCoreCandidateIsBounded() {
        byte[] hostile = {(byte) 0xdf, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};

        assertThatThrownBy(() -> new io.sergeant.benchmarks.msgpack.MsgpackCoreReader(hostile,
                io.sergeant.api.config.DecodeLimits.DEFAULT).read())
                .isInstanceOf(io.sergeant.api.SergeantException.class)
                .hasMessageContaining("declares 2147483647");
    }
}
