package io.sergeant.codec.msgpack;

import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.Contexts;
import io.sergeant.spi.codec.Serializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntToLongFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A JMH-free micro benchmark of the msgpack serializer on a typical task: decodes and encodes it a few
 * million times and prints ns/op. Skipped unless {@code -Dsergeant.perf=true}:
 * {@code mvn -o -q -pl sergeant-codec test -Dtest=MsgpackTaskBenchmark -Dsergeant.perf=true}; or run
 * {@link #main} ({@code args[0]}: operations per round). Timings are printed, never asserted.
 */
class MsgpackTaskBenchmark {

    private static final int ROUNDS = 5;

    @Test
    @DisplayName("ns/op of msgpack task decode and encode (only with -Dsergeant.perf=true)")
    void benchmark() {
        assumeTrue(Boolean.getBoolean("sergeant.perf"), "set -Dsergeant.perf=true to run the benchmark");
        run(Integer.getInteger("sergeant.perf.ops", 2_000_000));
    }

    /** Runs the benchmark; {@code args[0]} is the number of operations per round (default 2,000,000). */
    public static void main(String[] args) {
        run(args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000);
    }

    static Task typicalTask() {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("id", 123456L);
        kwargs.put("url", "https://example.com/a/b");
        kwargs.put("n", 3L);
        kwargs.put("flag", true);
        return new Task(kwargs, "0af7651916cd43dd8448eb211c80319c", 1700000000.123456, 0);
    }

    private static void run(int ops) {
        Serializer serializer = new MsgpackSerializerFactory().create(Contexts.none(), Contexts.utc(DecodeLimits.DEFAULT));
        Task task = typicalTask();
        byte[] payload = serializer.serializeTask(task);
        assertThat(serializer.deserializeTask(payload)).isEqualTo(task);
        System.out.printf("msgpack typical task: %d bytes, %d ops per round, %d rounds (first is warm-up)%n",
                payload.length, ops, ROUNDS);
        measure("deserializeTask", ops, i -> {
            Task decoded = serializer.deserializeTask(payload);
            return decoded.runCount() + decoded.kwargs().size();
        });
        measure("serializeTask", ops, i -> serializer.serializeTask(task).length);
        measure("deserializeValue(task)", ops, i -> ((Task) serializer.deserializeValue(payload)).kwargs().size());
    }

    private static void measure(String name, int ops, IntToLongFunction op) {
        double[] nsPerOp = new double[ROUNDS];
        long sink = 0;
        for (int round = 0; round < ROUNDS; round++) {
            long start = System.nanoTime();
            for (int i = 0; i < ops; i++) {
                sink += op.applyAsLong(i);
            }
            nsPerOp[round] = (System.nanoTime() - start) / (double) ops;
        }
        double[] measured = Arrays.copyOfRange(nsPerOp, 1, ROUNDS);
        Arrays.sort(measured);
        System.out.printf("  %-24s best %7.1f ns/op, median %7.1f ns/op (warm-up %7.1f; rounds %s) [sink %d]%n", name,
                measured[0], measured[measured.length / 2], nsPerOp[0], Arrays.toString(round(nsPerOp)), sink);
    }

    private static long[] round(double[] values) {
        long[] rounded = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            rounded[i] = Math.round(values[i]);
        }
        return rounded;
    }
}
