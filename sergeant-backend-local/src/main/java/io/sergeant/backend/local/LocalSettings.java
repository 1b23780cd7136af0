package io.sergeant.backend.local;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.backend.BackendSpec;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The parsed configuration of a local backend: the database file and the options.
 *
 * <p>Options (all optional):
 * <ul>
 *   <li>{@code busyTimeout} (default {@code 10s}, as Python Sergeant): how long a statement waits for
 *       another process's write lock before failing with {@code BACKEND_UNAVAILABLE}.</li>
 *   <li>{@code journalMode} ({@code DELETE} (default), {@code TRUNCATE}, {@code PERSIST}, {@code WAL}):
 *       the default rollback journal lets Python Sergeant workers use the same file at the same time
 *       (their connector runs {@code PRAGMA journal_mode = OFF} on every connection, which SQLite
 *       refuses while another process holds the file in WAL mode). {@code WAL} is faster with several
 *       processes (readers never block the writer) but shuts Python workers out: see BENCHMARKS.md for
 *       what each costs.</li>
 *   <li>{@code synchronous} ({@code OFF}, {@code NORMAL}, {@code FULL}, {@code EXTRA}; default
 *       {@code FULL} with a rollback journal, {@code NORMAL} with {@code WAL}): both defaults never lose
 *       a committed transaction when a process dies (kill -9) and never corrupt the file on a power
 *       loss; with {@code WAL} and {@code NORMAL} a power loss or OS crash may roll back the last few
 *       commits, {@code FULL} also keeps those at the cost of an fsync per commit. {@code NORMAL} with
 *       a rollback journal risks corruption on a power loss (SQLite's documentation).</li>
 *   <li>{@code connections} (default 8): the most connections one backend keeps open; a thread waits
 *       for a free one.</li>
 *   <li>{@code maxPayloadSize} (default: the codec's maximum encoded size, {@code limits.maxEncodedBytes}):
 *       a pop moves a longer payload to the dead letters ({@code length(value)} in SQL) instead of
 *       reading it.</li>
 *   <li>{@code maxDeadLetters} (default 10,000; 0 = no cap): dead letters kept per queue; the oldest
 *       over the cap are deleted, counted and logged.</li>
 * </ul>
 *
 * @param file        the database file, absolute
 * @param busyTimeout how long to wait for a lock held by someone else
 * @param synchronous the SQLite {@code synchronous} setting
 * @param journalMode the SQLite {@code journal_mode}
 * @param connections the pool size, at least 1
 * @param maxPayloadBytes a pop dead-letters payloads longer than this, at least 1
 * @param maxDeadLetters  dead letters kept per queue, 0 for no cap
 */
public record LocalSettings(Path file, Duration busyTimeout, String synchronous, String journalMode, int connections,
                            int maxPayloadBytes, int maxDeadLetters) {

    /** The option keys this backend accepts. */
    public static final List<String> OPTIONS = List.of("busyTimeout", "synchronous", "journalMode", "connections",
            "maxPayloadSize", "maxDeadLetters");

    /** Dead letters kept per queue unless the option {@code maxDeadLetters} says otherwise. */
    public static final int DEFAULT_MAX_DEAD_LETTERS = 10_000;

    /**
     * The default {@code journalMode}: a rollback journal, so Python Sergeant workers can share the file
     * (Python's connector cannot switch a file held in WAL mode to its journal mode OFF).
     */
    public static final String DEFAULT_JOURNAL_MODE = "DELETE";

    private static final List<String> SYNCHRONOUS = List.of("OFF", "NORMAL", "FULL", "EXTRA");
    private static final List<String> JOURNAL_MODES = List.of("WAL", "DELETE", "TRUNCATE", "PERSIST");

    /** Checks every part. */
    public LocalSettings {
        Objects.requireNonNull(file, "file is null");
        Objects.requireNonNull(busyTimeout, "busyTimeout is null");
        Objects.requireNonNull(synchronous, "synchronous is null");
        Objects.requireNonNull(journalMode, "journalMode is null");
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be at least 1: " + connections);
        }
        if (maxPayloadBytes < 1 || maxDeadLetters < 0) {
            throw new IllegalArgumentException("maxPayloadBytes must be positive and maxDeadLetters not negative: "
                    + maxPayloadBytes + ", " + maxDeadLetters);
        }
    }

    /** Settings with the default payload maximum ({@link DecodeLimits#DEFAULT}) and dead-letter cap. */
    public LocalSettings(Path file, Duration busyTimeout, String synchronous, String journalMode, int connections) {
        this(file, busyTimeout, synchronous, journalMode, connections, DecodeLimits.DEFAULT.maxEncodedBytes(),
                DEFAULT_MAX_DEAD_LETTERS);
    }

    /**
     * Parses a spec.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} naming the bad URI or option and what is accepted
     */
    public static LocalSettings from(BackendSpec spec) {
        return from(spec, DecodeLimits.DEFAULT.maxEncodedBytes());
    }

    /**
     * Parses a spec; {@code defaultMaxPayloadBytes} (the codec's maximum encoded size) applies unless
     * the option {@code maxPayloadSize} is given.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} naming the bad URI or option and what is accepted
     */
    public static LocalSettings from(BackendSpec spec, int defaultMaxPayloadBytes) {
        PluginOptions options = new PluginOptions("backend 'local'", spec.options()).requireOnly(OPTIONS);
        Path file = parseUri(spec.uri());
        Duration busyTimeout = options.duration("busyTimeout", Duration.ofSeconds(10));
        if (busyTimeout.toMillis() > Integer.MAX_VALUE) {
            throw invalid("option 'busyTimeout' of backend 'local' is '" + options.string("busyTimeout", "")
                    + "'; expected at most " + Integer.MAX_VALUE + "ms");
        }
        String journalMode = oneOf(options, "journalMode", DEFAULT_JOURNAL_MODE, JOURNAL_MODES);
        String synchronous = oneOf(options, "synchronous", journalMode.equals("WAL") ? "NORMAL" : "FULL", SYNCHRONOUS);
        int connections = options.integer("connections", 8, 1, 64, "1 to 64");
        long maxPayload = options.size("maxPayloadSize", defaultMaxPayloadBytes, 1, Integer.MAX_VALUE, "1 byte to 2G");
        int maxDeadLetters = options.integer("maxDeadLetters", DEFAULT_MAX_DEAD_LETTERS, 0, Integer.MAX_VALUE,
                "0 (no cap) or more");
        return new LocalSettings(file, busyTimeout, synchronous, journalMode, connections, (int) maxPayload, maxDeadLetters);
    }

    /**
     * The file of a {@code sqlite:} URI: {@code sqlite:relative/path.db}, {@code sqlite:/abs/path.db} or
     * {@code sqlite:///abs/path.db}. The path is taken literally (no percent-decoding).
     */
    static Path parseUri(String uri) {
        String trimmed = uri.trim();
        int colon = trimmed.indexOf(':');
        if (colon <= 0 || !trimmed.substring(0, colon).toLowerCase(Locale.ROOT).equals(LocalBackendFactory.SCHEME)) {
            throw invalid("backend URI '" + uri + "' is not a sqlite URI; write sqlite:path/to/file.db or sqlite:///abs/path.db");
        }
        String path = trimmed.substring(colon + 1);
        if (path.startsWith("//")) {
            String rest = path.substring(2);
            if (!rest.startsWith("/")) {
                throw invalid("backend URI '" + uri + "' names a host; a sqlite file is local: write sqlite:///abs/path.db"
                        + " or sqlite:relative/path.db");
            }
            path = rest;
        }
        if (path.isBlank()) {
            throw invalid("backend URI '" + uri + "' has no file path; write sqlite:path/to/file.db");
        }
        if (path.contains("?") || path.equals(":memory:") || path.startsWith("file:")) {
            throw invalid("backend URI '" + uri + "' must name a plain file path (no query, no :memory:);"
                    + " put settings in the backend options " + OPTIONS);
        }
        try {
            return Path.of(path).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw invalid("backend URI '" + uri + "' has an invalid file path: " + e.getMessage());
        }
    }

    private static String oneOf(PluginOptions options, String key, String defaultValue, List<String> allowed) {
        String value = options.string(key, defaultValue).trim().toUpperCase(Locale.ROOT);
        if (!allowed.contains(value)) {
            throw invalid("option '" + key + "' of backend 'local' is '" + options.string(key, defaultValue)
                    + "'; expected one of " + allowed);
        }
        return value;
    }

    private static SergeantException invalid(String message) {
        return new SergeantException(ErrorCode.INVALID_CONFIGURATION, message);
    }
}
