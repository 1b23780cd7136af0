package io.sergeant.benchmarks;

import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.LoggingConfig;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.benchmarks.prefilled.PrefilledBackendFactory;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.plugin.PluginRegistry;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.core.worker.WorkerRuntime;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The worker's dispatch path without a server: a {@link WorkerRuntime} over the benchmarks' {@code prefilled} backend
 * pops {@value #TASKS} pre-encoded msgpack tasks in batches, decodes them, runs a no-op {@code work}
 * on the thread executor through the full task lifecycle, and in at-least-once mode acks them; the
 * run ends by {@code maxTasksPerRun}. Reports tasks per second; one invocation includes building and
 * closing the runtime (tens of microseconds against milliseconds of tasks).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DispatchBenchmark {

    /** Tasks one invocation dispatches. */
    public static final int TASKS = 20_000;

    /** The delivery mode. */
    @Param({"AT_MOST_ONCE", "AT_LEAST_ONCE"})
    public DeliveryMode delivery;

    /** Executor threads. */
    @Param({"1", "4"})
    public int threads;

    /** Tasks per pop. */
    @Param({"1000"})
    public int batch;

    private Sergeant sergeant;
    private WorkerConfig config;

    /** Encodes the typical task once and prepares the configuration. */
    @Setup
    public void setUp() {
        PluginRegistry registry = PluginRegistry.discover();
        sergeant = new Sergeant(registry);
        byte[] payload = TypicalTask.encoder(registry, "msgpack", "none").encode(TypicalTask.create());
        config = WorkerConfig.builder("bench")
                .backend(PrefilledBackendFactory.NAME + ":bench")
                .backendOptions(Map.of(PrefilledBackendFactory.PAYLOAD, HexFormat.of().formatHex(payload),
                        PrefilledBackendFactory.TASKS, Integer.toString(TASKS), PrefilledBackendFactory.QUEUE, "bench"))
                .maxTasksPerRun(TASKS)
                .tasksPerTransaction(batch)
                .executor("thread", threads)
                .delivery(delivery)
                .pollInterval(Duration.ofMillis(1))
                .logging(new LoggingConfig(LoggingConfig.DEFAULT.events(), false))
                .build();
    }

    /** Dispatches {@value #TASKS} tasks through a fresh worker runtime. */
    @Benchmark
    @OperationsPerInvocation(TASKS)
    public long dispatch() {
        NoOpWorker worker = new NoOpWorker(config);
        try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
            RunSummary summary = runtime.run();
            long ran = worker.ran.sum();
            if (ran != TASKS || summary.exitCode() != 0) {
                throw new IllegalStateException("dispatched " + ran + " of " + TASKS + " tasks, exit code "
                        + summary.exitCode() + ": " + summary.toJson());
            }
            return ran;
        }
    }

    /** Runs this benchmark with its annotated settings; JMH options on the command line are not parsed. */
    public static void main(String[] args) throws RunnerException {
        Options options = new OptionsBuilder().include(DispatchBenchmark.class.getSimpleName()).build();
        new Runner(options).run();
    }

    /** Counts its tasks and does nothing else. Thread safe. */
    public static final class NoOpWorker extends Worker {

        private final WorkerConfig config;
        final LongAdder ran = new LongAdder();

        NoOpWorker(WorkerConfig config) {
            this.config = config;
        }

        @Override
        public WorkerConfig config() {
            return config;
        }

        @Override
        public Object work(Task task) {
            ran.increment();
            return null;
        }
    }
}
