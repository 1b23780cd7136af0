package io.sergeant.benchmarks;

import io.sergeant.api.Task;
import io.sergeant.core.internal.encoding.TaskEncoder;
import io.sergeant.core.internal.plugin.PluginRegistry;
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
 * Encoding and decoding of {@link TypicalTask} for every serializer and compressor: the per-task cost
 * a producer pays on push and a worker on pop. Reports the average time per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {

    /** The serializer. */
    @Param({"msgpack", "pickle", "java"})
    public String serializer;

    /** The compressor. */
    @Param({"none", "zlib", "gzip", "bzip2", "lzma"})
    public String compressor;

    private TaskEncoder encoder;
    private Task task;
    private byte[] encoded;

    /** Builds the encoder and encodes the task once for the decode benchmark. */
    @Setup
    public void setUp() {
        encoder = TypicalTask.encoder(PluginRegistry.discover(), serializer, compressor);
        task = TypicalTask.create();
        encoded = encoder.encode(task);
    }

    /** Serializes and compresses the task. */
    @Benchmark
    public byte[] encode() {
        return encoder.encode(task);
    }

    /** Decompresses and deserializes the task (bounded, as a worker does). */
    @Benchmark
    public Task decode() {
        return encoder.decode(encoded);
    }

    /** Runs this benchmark with its annotated settings; JMH options on the command line are not parsed. */
    public static void main(String[] args) throws RunnerException {
        Options options = new OptionsBuilder().include(CodecBenchmark.class.getSimpleName()).build();
        new Runner(options).run();
    }
}
