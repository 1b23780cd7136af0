package io.sergeant.codec.msgpack;

import io.sergeant.testkit.codec.TestDecodeLimits;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.Contexts;
import io.sergeant.spi.codec.Serializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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

    private static final int ROUNDS = 8;

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
        Serializer serializer = new MsgpackSerializerFactory().create(Contexts.none(), Contexts.utc(TestDecodeLimits.DEFAULT));
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
        // The task of `sergeant bench` (one int kwarg, no trace id).
        byte[] benchPayload = serializer.serializeTask(Task.of(Map.of("id", 654321L)));
        measure("deserializeTask(bench)", ops, i -> serializer.deserializeTask(benchPayload).kwargs().size());
        // The floor any decoder pays: Task's constructor copying kwargs into its unmodifiable map.
        Map<String, Object> kwargs = task.kwargs();
        measure("new Task (floor)", ops, i -> new Task(kwargs, task.traceId(), task.date(), 0).kwargs().size());
    }

    /**
     * Prints the best and median per-op time over the rounds after the first, measured as this thread's
     * CPU time (so that other processes on a busy machine distort it less than wall time), plus wall time.
     */
    private static void measure(String name, int ops, IntToLongFunction op) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.ThreadMXBean allocations = threads instanceof com.sun.management.ThreadMXBean sun ? sun : null;
        long allocated = allocations == null ? 0 : allocations.getCurrentThreadAllocatedBytes();
        double[] cpuPerOp = new double[ROUNDS];
        double[] wallPerOp = new double[ROUNDS];
        long sink = 0;
        for (int round = 0; round < ROUNDS; round++) {
            long cpu = threads.getCurrentThreadCpuTime();
            long wall = System.nanoTime();
            for (int i = 0; i < ops; i++) {
                sink += op.applyAsLong(i);
            }
            wallPerOp[round] = (System.nanoTime() - wall) / (double) ops;
            cpuPerOp[round] = (threads.getCurrentThreadCpuTime() - cpu) / (double) ops;
        }
        double bytesPerOp = allocations == null ? Double.NaN
                : (allocations.getCurrentThreadAllocatedBytes() - allocated) / ((double) ops * ROUNDS);
        double[] cpu = Arrays.copyOfRange(cpuPerOp, 1, ROUNDS);
        double[] wall = Arrays.copyOfRange(wallPerOp, 1, ROUNDS);
        Arrays.sort(cpu);
        Arrays.sort(wall);
        System.out.printf("  %-24s cpu best %6.1f median %6.1f ns/op | wall best %6.1f median %6.1f ns/op"
                        + " | %4.0f B/op (cpu rounds %s) [sink %d]%n", name, cpu[0], cpu[cpu.length / 2], wall[0],
                wall[wall.length / 2], bytesPerOp, Arrays.toString(round(cpuPerOp)), sink);
    }

    private static long[] round(double[] values) {
        long[] rounded = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            rounded[i] = Math.round(values[i]);
        }
        return rounded;
    }
}
