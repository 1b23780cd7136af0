package io.sergeant.benchmarks.msgpack;

import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.benchmarks.TypicalTask;
import io.sergeant.codec.msgpack.MsgpackSerializer;
import io.sergeant.spi.PluginContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.concurrent.TimeUnit;

/**
 * Issue 12 section 5: decoding a msgpack payload with the codec's hand-written bounded reader against
 * the same bounds built on msgpack-core ({@link MsgpackCoreReader}). {@code task} is the typical task
 * as producers write it (the hand-written reader's fast path applies); {@code kwargs} is the same
 * task's kwargs as a plain value, which both read generically. Reports the average time per decode.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MsgpackDecodeBenchmark {

    /** What the payload holds: {@code task} or {@code kwargs}. */
    @Param({"task", "kwargs"})
    public String payload;

    private MsgpackSerializer serializer;
    private byte[] encoded;

    /** Encodes the payload once with the codec's writer. */
    @Setup
    public void setUp() {
        serializer = new MsgpackSerializer(PluginContext.defaults());
        Task task = TypicalTask.create();
        encoded = payload.equals("task") ? serializer.serializeTask(task) : serializer.serializeValue(task.kwargs());
        Object viaCore = new MsgpackCoreReader(encoded, DecodeLimits.DEFAULT).read();
        Object viaHand = payload.equals("task") ? serializer.deserializeTask(encoded) : serializer.deserializeValue(encoded);
        if (!viaCore.equals(viaHand)) {
            throw new IllegalStateException("the readers disagree: " + viaCore + " vs " + viaHand);
        }
    }

    /** The codec's hand-written reader (with its task fast path for {@code task}). */
    @Benchmark
    public Object handWritten() {
        return payload.equals("task") ? serializer.deserializeTask(encoded) : serializer.deserializeValue(encoded);
    }

    /** The same bounds on msgpack-core's pull parser. */
    @Benchmark
    public Object msgpackCore() {
        return new MsgpackCoreReader(encoded, DecodeLimits.DEFAULT).read();
    }

    /**
     * Runs this benchmark with its annotated settings, or with the argument {@code cpu} measures thread
     * CPU time instead of wall time (for a machine too loaded for JMH's wall-clock figures): both readers
     * in alternating rounds of 100,000 decodes after a warm-up, printing the median CPU ns per decode.
     */
    public static void main(String[] args) throws RunnerException {
        if (args.length > 0 && args[0].equals("cpu")) {
            for (String kind : new String[] {"task", "kwargs"}) {
                cpuTime(kind);
            }
            return;
        }
        Options options = new OptionsBuilder().include(MsgpackDecodeBenchmark.class.getSimpleName()).build();
        new Runner(options).run();
    }

    private static void cpuTime(String kind) {
        MsgpackDecodeBenchmark bench = new MsgpackDecodeBenchmark();
        bench.payload = kind;
        bench.setUp();
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        int rounds = 15;
        int perRound = 100_000;
        long[][] nanos = new long[2][rounds];
        Object sink = null;
        for (int round = -5; round < rounds; round++) { // five warm-up rounds
            for (int reader = 0; reader < 2; reader++) {
                long start = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < perRound; i++) {
                    sink = reader == 0 ? bench.handWritten() : bench.msgpackCore();
                }
                if (round >= 0) {
                    nanos[reader][round] = threads.getCurrentThreadCpuTime() - start;
                }
            }
        }
        for (int reader = 0; reader < 2; reader++) {
            long[] sorted = nanos[reader].clone();
            java.util.Arrays.sort(sorted);
            System.out.printf("%-7s %-12s median %6.0f CPU ns/decode (min %6.0f, max %6.0f)%n", kind,
                    reader == 0 ? "handWritten" : "msgpackCore", sorted[rounds / 2] / (double) perRound,
                    sorted[0] / (double) perRound, sorted[rounds - 1] / (double) perRound);
        }
        if (sink == null) {
            throw new IllegalStateException("no result");
        }
    }
}
