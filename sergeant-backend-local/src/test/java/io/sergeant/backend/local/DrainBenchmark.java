package io.sergeant.backend.local;

import io.sergeant.api.Priority;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Measures how fast the local backend drains a queue of no-op tasks, against the floor SQLite sets:
 * a raw loop of batched {@code DELETE ... RETURNING} statements on the same file with the same
 * settings (WAL, {@code synchronous=NORMAL}). Three drains, each on a fresh copy of one prepared file
 * (so every run starts from the same bytes): raw SQL, at-most-once pops, and at-least-once pops each
 * followed by an ack of the whole batch. Each batch size runs {@code rounds} times; the best rate of
 * each drain counts (other processes on the machine only ever slow a run down).
 *
 * <p>Run it with {@code mvn -o -q -pl sergeant-backend-local test -Dtest=DrainBenchmarkTest
 * -Dsergeant.bench=true} (200,000 tasks of 200 bytes, batches of 100 and 1000, best of 3), or from
 * {@link #main} with {@code tasks=N size=B batches=100,1000 rounds=R} arguments. Not thread safe; one
 * run at a time.
 */
public final class DrainBenchmark {

    /** The three drains. */
    public enum Drain {
        /** Batched {@code DELETE ... RETURNING} statements straight on the file. */
        RAW,
        /** {@code pop} in at-most-once mode. */
        AT_MOST_ONCE,
        /** {@code pop} with a lease, then {@code ack} of the batch. */
        AT_LEAST_ONCE
    }

    /** What to run. */
    public record Config(int tasks, int payloadBytes, List<Integer> batches, int rounds) {
        /** The full run: 200,000 tasks of 200 bytes, batches 100 and 1000, best of 3. */
        public static Config full() {
            return new Config(200_000, 200, List.of(100, 1000), 3);
        }
    }

    /**
     * The best rates (tasks per second) of each drain for one batch size: by wall-clock time, and by
     * the CPU time of the draining thread (SQLite runs on the calling thread), which other busy
     * processes on the machine disturb much less.
     */
    public record Result(int batch, Map<Drain, Double> bestRates, Map<Drain, Double> bestCpuRates) {
        /** The wall-clock rate of {@code drain} as a fraction of the raw rate. */
        public double ratio(Drain drain) {
            return bestRates.get(drain) / bestRates.get(Drain.RAW);
        }

        /** The CPU-time rate of {@code drain} as a fraction of the raw rate. */
        public double cpuRatio(Drain drain) {
            return bestCpuRates.get(drain) / bestCpuRates.get(Drain.RAW);
        }
    }

    private static final String QUEUE = "bench";
    private static final String RAW_POP =
            "DELETE FROM task_queue WHERE rowid IN (SELECT rowid FROM task_queue"
                    + " WHERE queue_name = ? AND priority <= ? ORDER BY priority, rowid LIMIT ?)"
                    + " RETURNING rowid, priority, value";
    private static final DeliveryOptions LEASED = DeliveryOptions.leased(Duration.ofSeconds(60), 100);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Config config;
    private final Path directory;
    private final PrintStream out;

    /** A benchmark working in {@code directory} (its files are left there), reporting to {@code out}. */
    public DrainBenchmark(Config config, Path directory, PrintStream out) {
        this.config = config;
        this.directory = directory;
        this.out = out;
    }

    /**
     * Runs every batch size; returns one result per batch size.
     *
     * @throws IllegalStateException if a drain did not take exactly the pushed tasks
     */
    public List<Result> run() throws IOException, SQLException {
        Path template = directory.resolve("template.db");
        prepare(template);
        List<Result> results = new ArrayList<>();
        for (int batch : config.batches()) {
            Map<Drain, Double> best = new EnumMap<>(Drain.class);
            Map<Drain, Double> bestCpu = new EnumMap<>(Drain.class);
            for (int round = 0; round < config.rounds(); round++) {
                for (Drain drain : Drain.values()) {
                    Path file = directory.resolve("run.db");
                    Files.deleteIfExists(directory.resolve("run.db-wal"));
                    Files.deleteIfExists(directory.resolve("run.db-shm"));
                    Files.copy(template, file, StandardCopyOption.REPLACE_EXISTING);
                    double[] rates = drain(drain, file, batch);
                    best.merge(drain, rates[0], Math::max);
                    bestCpu.merge(drain, rates[1], Math::max);
                }
            }
            Result result = new Result(batch, best, bestCpu);
            results.add(result);
            for (Drain drain : Drain.values()) {
                out.printf("batch %4d  %-13s wall %,10.0f tasks/s %5.1f%% of raw   cpu %,10.0f tasks/s %5.1f%% of raw%n",
                        batch, drain, best.get(drain), 100 * result.ratio(drain),
                        bestCpu.get(drain), 100 * result.cpuRatio(drain));
            }
        }
        return results;
    }

    private void prepare(Path template) throws IOException, SQLException {
        Files.deleteIfExists(template);
        byte[] payload = new byte[config.payloadBytes()];
        new Random(42).nextBytes(payload);
        try (Backend backend = open(template)) {
            List<byte[]> chunk = new ArrayList<>();
            for (int i = 0; i < config.tasks(); i++) {
                chunk.add(payload);
                if (chunk.size() == 10_000 || i == config.tasks() - 1) {
                    backend.push(QUEUE, chunk, Priority.NORMAL, null);
                    chunk.clear();
                }
            }
        }
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + template);
             Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
    }

    /** Wall-clock and CPU-time rates of one drain. */
    private double[] drain(Drain drain, Path file, int batch) throws SQLException {
        long start;
        long cpuStart;
        long taken = 0;
        if (drain == Drain.RAW) {
            try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file)) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("PRAGMA journal_mode = WAL");
                    statement.execute("PRAGMA synchronous = NORMAL");
                }
                try (PreparedStatement pop = connection.prepareStatement(RAW_POP)) {
                    start = System.nanoTime();
                    cpuStart = THREADS.getCurrentThreadCpuTime();
                    while (true) {
                        pop.setString(1, QUEUE);
                        pop.setDouble(2, System.currentTimeMillis() / 1000.0);
                        pop.setInt(3, batch);
                        int n = 0;
                        try (ResultSet rows = pop.executeQuery()) {
                            while (rows.next()) {
                                rows.getLong(1);
                                rows.getDouble(2);
                                rows.getBytes(3);
                                n++;
                            }
                        }
                        if (n == 0) {
                            break;
                        }
                        taken += n;
                    }
                }
            }
        } else {
            try (Backend backend = open(file)) {
                backend.length(QUEUE, false); // opens the first connection outside the timing
                start = System.nanoTime();
                cpuStart = THREADS.getCurrentThreadCpuTime();
                DeliveryOptions options = drain == Drain.AT_MOST_ONCE ? DeliveryOptions.AT_MOST_ONCE : LEASED;
                while (true) {
                    List<Delivery> deliveries = backend.pop(QUEUE, batch, options);
                    if (deliveries.isEmpty()) {
                        break;
                    }
                    if (drain == Drain.AT_LEAST_ONCE) {
                        List<Receipt> receipts = new ArrayList<>(deliveries.size());
                        for (Delivery delivery : deliveries) {
                            receipts.add(delivery.receipt());
                        }
                        SettleResult acked = backend.leaseRole().orElseThrow().ack(QUEUE, receipts);
                        if (acked.settled() != receipts.size()) {
                            throw new IllegalStateException("an ack was refused: " + acked);
                        }
                    }
                    taken += deliveries.size();
                }
            }
        }
        long elapsed = System.nanoTime() - start;
        long cpu = Math.max(1, THREADS.getCurrentThreadCpuTime() - cpuStart);
        if (taken != config.tasks()) {
            throw new IllegalStateException(drain + " drained " + taken + " tasks, not " + config.tasks());
        }
        return new double[] {taken / (elapsed / 1e9), taken / (cpu / 1e9)};
    }

    private static Backend open(Path file) {
        return new LocalBackendFactory().create(new BackendSpec("sqlite:" + file, Map.of()), PluginContext.defaults());
    }

    /** {@code tasks=N size=B batches=100,1000 rounds=R dir=PATH}; unset values as in {@link Config#full()}. */
    public static void main(String[] args) throws IOException, SQLException {
        Config full = Config.full();
        int tasks = full.tasks();
        int size = full.payloadBytes();
        List<Integer> batches = full.batches();
        int rounds = full.rounds();
        Path dir = null;
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "tasks" -> tasks = Integer.parseInt(kv[1]);
                case "size" -> size = Integer.parseInt(kv[1]);
                case "rounds" -> rounds = Integer.parseInt(kv[1]);
                case "dir" -> dir = Path.of(kv[1]);
                case "batches" -> {
                    List<Integer> parsed = new ArrayList<>();
                    for (String b : kv[1].split(",")) {
                        parsed.add(Integer.parseInt(b.trim()));
                    }
                    batches = parsed;
                }
                default -> throw new IllegalArgumentException("unknown argument '" + arg
                        + "'; use tasks=, size=, batches=, rounds=, dir=");
            }
        }
        Path directory = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("sergeant-drain");
        new DrainBenchmark(new Config(tasks, size, batches, rounds), directory, System.out).run();
    }
}
