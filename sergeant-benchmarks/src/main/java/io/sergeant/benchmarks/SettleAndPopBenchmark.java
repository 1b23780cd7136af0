package io.sergeant.benchmarks;

import io.sergeant.api.Priority;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettledPop;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The at-least-once settle-and-pop path against real stores: each operation acks the previous batch's
 * {@value #BATCH} receipts and leases the next {@value #BATCH} tasks, either in one call
 * ({@link BackendLeases#ackAndPop}, {@code fused=true}) or as an ack followed by a pop
 * ({@code fused=false}). {@code redis}: a {@code redis-server} from the PATH that the benchmark starts
 * on a free loopback port without persistence (the testkit's {@link RedisServerProcess}); {@code sqlite}: a WAL file in a temporary directory. Scores are tasks per
 * second. Each iteration starts with the queue topped up to {@code topUp} small payloads; should an
 * iteration drain it, the operation that finds it short pushes another top-up (counted in its time).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SettleAndPopBenchmark {

    /** Tasks acked and leased per operation. */
    public static final int BATCH = 1000;

    private static final String QUEUE = "jmh-settle-and-pop";
    private static final DeliveryOptions LEASE = DeliveryOptions.leased(Duration.ofMinutes(10), 100);

    /** The store. */
    @Param({"redis", "sqlite"})
    public String backend;

    /** Tasks in the queue at the start of each iteration. */
    @Param({"400000"})
    public int topUp;

    /** One call per batch (true) or an ack and a pop (false). */
    @Param({"true", "false"})
    public boolean fused;

    private RedisServerProcess redis;
    private Path directory;
    private Backend store;
    private BackendLeases leases;
    private List<byte[]> payloads;
    private List<Receipt> previous = List.of();

    /** Starts the store and opens the backend. */
    @Setup(Level.Trial)
    public void open() throws IOException {
        payloads = new ArrayList<>(10_000);
        for (int i = 0; i < 10_000; i++) {
            payloads.add(("{\"args\":[],\"kwargs\":{\"i\":" + i + "}}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if (backend.equals("redis")) {
            redis = RedisServerProcess.start();
            store = factory("redis").create(new BackendSpec(redis.uri(), Map.of()), PluginContext.defaults());
        } else {
            directory = Files.createTempDirectory("sergeant-jmh-");
            store = factory("sqlite").create(new BackendSpec("sqlite:" + directory.resolve("bench.db"),
                    Map.of("journalMode", "WAL")), PluginContext.defaults());
        }
        leases = store.leaseRole().orElseThrow();
    }

    /** Acks what is held, empties the queue and tops it up. */
    @Setup(Level.Iteration)
    public void topUp() {
        if (!previous.isEmpty()) {
            leases.ack(QUEUE, previous);
            previous = List.of();
        }
        store.purge(QUEUE);
        push(topUp);
    }

    /** One batch: ack the previous receipts and lease the next ones. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void settleAndPop(Blackhole hole) {
        List<Delivery> next;
        if (fused) {
            SettledPop result = leases.ackAndPop(store, QUEUE, previous, BATCH, LEASE);
            hole.consume(result.acked());
            next = result.deliveries();
        } else {
            if (!previous.isEmpty()) {
                hole.consume(leases.ack(QUEUE, previous));
            }
            next = store.pop(QUEUE, BATCH, LEASE);
        }
        List<Receipt> receipts = new ArrayList<>(next.size());
        for (Delivery delivery : next) {
            receipts.add(delivery.receipt());
        }
        previous = receipts;
        if (next.size() < BATCH) {
            push(topUp);
        }
    }

    /** Closes the backend, stops the server and deletes the file. */
    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        if (redis != null) {
            redis.close();
        }
        if (directory != null) {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    private void push(int count) {
        for (int from = 0; from < count; from += payloads.size()) {
            store.push(QUEUE, payloads.subList(0, Math.min(payloads.size(), count - from)), Priority.NORMAL, null);
        }
    }

    /** The backend plugin of {@code scheme}, found as the runtime finds it (the backends are runtime dependencies). */
    private static BackendFactory factory(String scheme) {
        for (BackendFactory factory : java.util.ServiceLoader.load(BackendFactory.class)) {
            if (factory.schemes().contains(scheme)) {
                return factory;
            }
        }
        throw new IllegalStateException("no backend plugin for '" + scheme + ":' on the class path");
    }

    /**
     * Runs this benchmark with its annotated settings.
     *
     * @param args ignored
     * @throws RunnerException if JMH fails
     */
    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(SettleAndPopBenchmark.class.getSimpleName()).build()).run();
    }
}
