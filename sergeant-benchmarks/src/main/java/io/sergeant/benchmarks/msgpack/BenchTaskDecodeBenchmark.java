package io.sergeant.benchmarks.msgpack;

import io.sergeant.api.Task;
import io.sergeant.codec.msgpack.MsgpackSerializer;
import io.sergeant.spi.PluginContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Decoding the task {@code sergeant bench} drains: a no-op msgpack task whose kwargs hold only an id
 * ({@code {"i": n}}), as {@code MsgpackSerializer.deserializeTask} does it on the worker's loop thread. The
 * payloads are {@value #PAYLOADS} tasks with ids spread over the bench's default million (fixint, uint16
 * and uint32 ids, as in a drain), decoded in turn, so that one payload's bytes are not all the benchmark
 * sees. As the worker's batch decoder does, the clock is read once per {@value #CLOCK_EVERY} payloads for their
 * decode deadline. Reports the average time per decode.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BenchTaskDecodeBenchmark {

    private static final int PAYLOADS = 1024;
    private static final int CLOCK_EVERY = 64;
    private static final long DEADLINE_NANOS = 100_000_000L;

    private MsgpackSerializer serializer;
    private final byte[][] encoded = new byte[PAYLOADS][];
    private int next;
    private long deadline;

    /** Encodes the payloads once with the codec's writer. */
    @Setup
    public void setUp() {
        serializer = new MsgpackSerializer(PluginContext.defaults());
        for (int i = 0; i < PAYLOADS; i++) {
            long id = (long) i * 977L; // 0 .. ~1M: fixint, uint16 and uint32 ids
            encoded[i] = serializer.serializeTask(Task.of(Map.of("i", id)));
        }
    }

    /** One payload decoded, the next one on the next call. */
    @Benchmark
    public Task decode() {
        int at = next;
        next = (at + 1) & (PAYLOADS - 1);
        if ((at & (CLOCK_EVERY - 1)) == 0) {
            deadline = System.nanoTime() + DEADLINE_NANOS;
        }
        return serializer.deserializeTask(encoded[at], deadline);
    }

    /** Runs this benchmark with its annotated settings; JMH options on the command line are not parsed. */
    public static void main(String[] args) throws RunnerException {
        Options options = new OptionsBuilder().include(BenchTaskDecodeBenchmark.class.getSimpleName()).build();
        new Runner(options).run();
    }
}
