package io.sergeant.cli.bench;

import ch.qos.logback.classic.Level;
import io.sergeant.backend.local.LocalSettings;
import io.sergeant.core.Sergeant;
import io.sergeant.spi.backend.BackendSpec;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code sergeant bench}: measures a backend through Sergeant (push one by one and in bulk, the drain
 * of a full queue by the worker loop in both delivery modes with 1 and N threads, pickup latency under a
 * steady producer) next to the raw client limit of the same backend measured in the same run, checks
 * that every task ran exactly once (at-most-once) or at least once (at-least-once), and prints a
 * Markdown table (also written to {@code --out}). With {@code --all}: SQLite, Redis (its own
 * {@code redis-server} unless {@code --backend} names one) and MongoDB (only with {@code --mongo-uri}).
 * Exits 0 when every check passed, 1 otherwise. Progress goes to stderr, the table to stdout.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures push, drain and pickup latency of a backend next to its raw client limit, "
                + "and checks delivery (exactly once / at least once).",
                "Prints a Markdown table; exits 0 only if every check passed."})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--backend", paramLabel = "URI",
            description = "Backend URI (default: a SQLite file in a temporary directory). With --all it replaces the "
                    + "backend of its kind. Its queue '" + BackendBench.QUEUE + "' is purged.")
    String backend;

    @Option(names = "--all", description = "Benchmark SQLite, Redis (starting its own redis-server unless --backend is a "
            + "redis URI) and MongoDB (only with --mongo-uri).")
    boolean all;

    @Option(names = "--mongo-uri", paramLabel = "URI", description = "MongoDB to benchmark with --all (for example mongodb://127.0.0.1:27017).")
    String mongoUri;

    @Option(names = "--redis-server", paramLabel = "PATH", defaultValue = "/usr/bin/redis-server",
            description = "The redis-server binary --all starts (default: ${DEFAULT-VALUE}).")
    String redisServer;

    @Option(names = "--tasks", paramLabel = "N",
            description = "Tasks of the bulk push, each drain and the raw limit (default: SQLite 200,000, Redis 1,000,000, MongoDB 100,000).")
    Integer tasks;

    @Option(names = "--single", paramLabel = "N", defaultValue = "10000",
            description = "Tasks pushed one by one (default: ${DEFAULT-VALUE}).")
    int single;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "1000",
            description = "Tasks per pop of the worker and of the raw client (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--push-chunk", paramLabel = "N", defaultValue = "10000",
            description = "Tasks per bulk push call (default: ${DEFAULT-VALUE}).")
    int pushChunk;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "4",
            description = "Executor threads of the multi-threaded drains (default: ${DEFAULT-VALUE}); drains also run with 1.")
    int threads;

    @Option(names = "--latency-seconds", paramLabel = "S", defaultValue = "3",
            description = "How long the steady producer of the latency runs pushes (default: ${DEFAULT-VALUE}); 0 skips them.")
    double latencySeconds;

    @Option(names = "--latency-rate", paramLabel = "N", defaultValue = "10000",
            description = "Tasks per second of the steady producer (default: ${DEFAULT-VALUE}).")
    int latencyRate;

    @Option(names = "--pickup-seconds", paramLabel = "S", defaultValue = "3",
            description = "How long the producer of the pickup runs pushes, one task per push, to a worker with the default "
                    + "poll interval (default: ${DEFAULT-VALUE}); 0 skips them.")
    double pickupSeconds;

    @Option(names = "--pickup-rate", paramLabel = "N", defaultValue = "1000",
            description = "Tasks per second of the pickup runs' producer (default: ${DEFAULT-VALUE}).")
    int pickupRate;

    @Option(names = "--idle-seconds", paramLabel = "S", defaultValue = "5",
            description = "After each pickup run on Redis, how long the idle worker's commands are counted with INFO "
                    + "commandstats (default: ${DEFAULT-VALUE}); 0 skips it.")
    double idleSeconds;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "5",
            description = "How many times each push, drain and raw limit is measured; the table shows the median and "
                    + "the spread (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the table (with the machine and the command) to this Markdown file.")
    Path out;

    @Option(names = "--verbose", description = "Show Sergeant's INFO logs.")
    boolean verbose;

    /** For picocli. */
    public BenchCommand() {
    }

    @Override
    public Integer call() throws IOException {
        validate();
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        if (!verbose && LoggerFactory.getLogger("io.sergeant") instanceof ch.qos.logback.classic.Logger logger) {
            logger.setLevel(Level.WARN);
        }
        Sergeant sergeant = Sergeant.create();
        List<ResultRow> rows = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Path directory = Files.createTempDirectory("sergeant-bench-");
        RedisServer redis = null;
        try {
            String sqliteUri = "sqlite:" + directory.resolve("bench.db");
            List<String> uris = new ArrayList<>();
            if (!all) {
                uris.add(backend != null ? backend : sqliteUri);
            } else {
                String scheme = backend == null ? "" : new BackendSpec(backend, java.util.Map.of()).scheme();
                uris.add(scheme.equals("sqlite") ? backend : sqliteUri);
                if (scheme.startsWith("redis")) {
                    uris.add(backend);
                } else {
                    redis = RedisServer.start(redisServer);
                    notes.add("Redis " + redis.version() + ": a redis-server started by the benchmark on " + redis.uri()
                            + " (no persistence)");
                    uris.add(redis.uri());
                }
                if (scheme.startsWith("mongodb")) {
                    uris.add(backend);
                } else if (mongoUri != null) {
                    uris.add(mongoUri);
                } else {
                    notes.add("MongoDB skipped: no --mongo-uri given (the benchmark never starts a MongoDB server)");
                    stderr.println("bench: MongoDB skipped: no --mongo-uri given");
                }
            }
            for (String uri : uris) {
                String kind = kind(uri);
                BenchSettings settings = new BenchSettings(tasks != null ? tasks : defaultTasks(kind), single, batch, pushChunk,
                        threads, latencySeconds, latencyRate, rounds, pickupSeconds, pickupRate, idleSeconds);
                // The bench's own SQLite file is never shared, so it takes the WAL journal (as the demo does);
                // a file the user names keeps the backend's default journal. The raw client uses the same
                // journal as the backend: switching a file's journal mode needs it to itself, so a raw client
                // in another mode would lock the worker out of the file (its start-up retries for ever).
                boolean ownSqlite = uri.equals(sqliteUri);
                java.util.Map<String, String> options = ownSqlite ? java.util.Map.of("journalMode", "WAL") : java.util.Map.of();
                Supplier<RawClient> raw = rawClient(kind, uri, ownSqlite ? "WAL" : LocalSettings.DEFAULT_JOURNAL_MODE);
                if (kind.equals("sqlite")) {
                    notes.add("SQLite journal: " + (ownSqlite ? "WAL (the bench's own file)" : LocalSettings.DEFAULT_JOURNAL_MODE
                            + " (the backend's default for a file you name)") + ", for Sergeant and the raw limit alike");
                }
                if (raw == null) {
                    notes.add(kind + ": no raw client limit for " + BackendSpec.maskSecrets(uri)
                            + " (measured for sqlite:, single-node redis:// and mongodb:// URIs)");
                }
                stderr.println("bench: " + kind + " at " + BackendSpec.maskSecrets(uri) + ", " + ResultTable.count(settings.tasks())
                        + " tasks, batches of " + settings.batch());
                double loadBefore = CpuClock.loadAverage();
                BackendBench bench = new BackendBench(sergeant, kind, uri, options, raw, settings, stderr);
                rows.addAll(bench.run());
                notes.addAll(bench.notes());
                notes.add(String.format(Locale.ROOT, "%s: load average %s at the start, %s at the end (%d CPUs)", kind,
                        load(loadBefore), load(CpuClock.loadAverage()), Runtime.getRuntime().availableProcessors()));
            }
        } finally {
            if (redis != null) {
                redis.close();
            }
            RedisServer.deleteTree(directory);
        }
        if (rows.stream().anyMatch(row -> row.measure().equals(BackendBench.PICKUP))) {
            notes.add(BackendBench.pythonPickup(pickupRate));
        }
        String table = ResultTable.markdown(rows);
        boolean passed = rows.stream().allMatch(ResultRow::passed);
        stdout.print(table);
        for (String note : notes) {
            stdout.println("- " + note);
        }
        stdout.println(passed ? "all delivery checks passed" : "SOME DELIVERY CHECKS FAILED");
        stdout.flush();
        if (out != null) {
            writeReport(table, notes, passed);
            stdout.println("wrote " + out);
            stdout.flush();
        }
        return passed ? 0 : 1;
    }

    private void validate() {
        CommandLine commandLine = spec.commandLine();
        if (tasks != null && tasks < 1) {
            throw new CommandLine.ParameterException(commandLine, "--tasks must be at least 1, got " + tasks);
        }
        if (single < 1 || batch < 1 || pushChunk < 1 || threads < 1 || latencyRate < 1 || rounds < 1 || pickupRate < 1) {
            throw new CommandLine.ParameterException(commandLine,
                    "--single, --batch, --push-chunk, --threads, --latency-rate, --pickup-rate and --rounds must be at least 1");
        }
        if (latencySeconds < 0 || pickupSeconds < 0 || idleSeconds < 0) {
            throw new CommandLine.ParameterException(commandLine, "--latency-seconds, --pickup-seconds and --idle-seconds"
                    + " must not be negative, got " + latencySeconds + ", " + pickupSeconds + ", " + idleSeconds);
        }
        if (mongoUri != null && !all) {
            throw new CommandLine.ParameterException(commandLine, "--mongo-uri goes with --all; without --all use --backend "
                    + BackendSpec.maskSecrets(mongoUri));
        }
    }

    private static String kind(String uri) {
        String scheme = new BackendSpec(uri, java.util.Map.of()).scheme();
        if (scheme.startsWith("redis")) {
            return "redis";
        }
        if (scheme.startsWith("mongodb")) {
            return "mongodb";
        }
        return scheme;
    }

    private static int defaultTasks(String kind) {
        return switch (kind) {
            case "redis" -> 1_000_000;
            case "mongodb" -> 100_000;
            default -> 200_000;
        };
    }

    private static Supplier<RawClient> rawClient(String kind, String uri, String sqliteJournal) {
        switch (kind) {
            case "sqlite" -> {
                String path = uri.substring(uri.indexOf(':') + 1);
                Path file = Path.of(path.startsWith("///") ? path.substring(2) : path).toAbsolutePath();
                return () -> new SqliteRawClient(file, sqliteJournal);
            }
            case "redis" -> {
                boolean singleNode = (uri.startsWith("redis://") || uri.startsWith("rediss://")) && !uri.contains(",");
                return singleNode ? () -> new RedisRawClient(uri) : null;
            }
            case "mongodb" -> {
                return uri.contains(",mongodb") ? null : () -> new MongoRawClient(uri, "sergeant");
            }
            default -> {
                return null;
            }
        }
    }

    private void writeReport(String table, List<String> notes, boolean passed) throws IOException {
        StringBuilder report = new StringBuilder();
        // The parse result's original arguments start with the subcommand's name.
        report.append("Command: `sergeant ").append(String.join(" ", spec.commandLine().getParseResult().originalArgs()))
                .append("`\n\n");
        report.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ")
                .append(memory()).append(", Java ").append(System.getProperty("java.vm.name")).append(' ')
                .append(Runtime.version()).append(", ").append(System.getProperty("os.name")).append(' ')
                .append(System.getProperty("os.arch")).append("\n\n");
        report.append("Each figure is the median of ").append(rounds).append(" rounds (min – max beside it); per CPU-s is tasks per")
                .append(" second of CPU time of the JVM's threads (ThreadMXBean) during the drain; the ratio compares the")
                .append(" median with the raw limit's median measured in the same run.\n\n");
        report.append(table).append('\n');
        for (String note : notes) {
            report.append("- ").append(note).append('\n');
        }
        report.append(passed ? "\nAll delivery checks passed.\n" : "\nSOME DELIVERY CHECKS FAILED.\n");
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(out, report.toString(), StandardCharsets.UTF_8);
    }

    private static String load(double value) {
        return value < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f", value);
    }

    private static String memory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return String.format(Locale.ROOT, "%.1f GiB memory", os.getTotalMemorySize() / (1024.0 * 1024 * 1024));
        }
        return "unknown memory";
    }
}
