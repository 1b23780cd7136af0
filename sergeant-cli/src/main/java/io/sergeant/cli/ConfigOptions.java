package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.config.ConfigSources;
import io.sergeant.core.config.WorkerConfigProperties;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The options every command shares to reach a backend: {@code --backend URI} and {@code --config FILE} (a
 * properties file of {@link WorkerConfigProperties} keys), with the {@code SERGEANT_*} environment
 * variables of {@link ConfigSources}. One precedence everywhere: <b>command line</b> ({@code --backend},
 * {@code -D key=value}, a command's own options) <b>&gt; environment &gt; {@code --config} file &gt; the
 * worker's {@code config()}</b>; without any backend the default {@link WorkerConfig#DEFAULT_BACKEND} is
 * used. A picocli mixin; one instance per parsed command, not thread safe.
 */
public final class ConfigOptions {

    @Option(names = "--backend", paramLabel = "URI",
            description = "Backend URI: sqlite:PATH, redis://HOST:PORT/DB, redis-cluster://H1:P1,H2:P2, mongodb://... "
                    + "(default: $SERGEANT_BACKEND, else the backend of --config, else "
                    + "sqlite:${sys:java.io.tmpdir}/sergeant_default_db.sqlite3).")
    String backend;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A properties file of configuration keys (backend, encoder.serializer, delivery.mode, ...). "
                    + "Precedence: command line > SERGEANT_* environment > this file > the worker's config().")
    Path configFile;

    private final Map<String, String> environment;
    private Sergeant sergeant;

    /** Options reading this process's environment. */
    public ConfigOptions() {
        this(System.getenv());
    }

    /** Options reading {@code environment} instead of this process's (for tests and embedding). */
    public ConfigOptions(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /** The overriding properties: the {@code --config} file's, then the environment's, then {@code --backend}. */
    public Map<String, String> properties() {
        return properties(Map.of());
    }

    /**
     * The overriding properties: the {@code --config} file's, then the environment's, then {@code --backend},
     * then {@code commandLine} (a command's {@code -D} and own options), each replacing the ones before.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} when the file cannot be read
     */
    public Map<String, String> properties(Map<String, String> commandLine) {
        Map<String, String> fromCommandLine = new TreeMap<>();
        if (backend != null) {
            fromCommandLine.put("backend", backend);
        }
        fromCommandLine.putAll(commandLine);
        return ConfigSources.layered(configFile == null ? Map.of() : ConfigSources.readFile(configFile),
                ConfigSources.fromEnvironment(environment), fromCommandLine);
    }

    /**
     * A configuration for {@code queue}: defaults, then {@link #properties()}, then {@code extra}.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} for an unreadable file, an unknown key or a bad value
     */
    public WorkerConfig config(String queue, Map<String, String> extra) {
        Map<String, String> properties = new TreeMap<>(properties(extra));
        properties.remove("name");
        WorkerConfigProperties.Reading reading = WorkerConfigProperties.read(WorkerConfig.builder(queue).build(), properties);
        // Bad values and the plugins the other keys name (backend scheme, serializer, compressor, executor)
        // are reported together: one round of errors.
        List<String> problems = new ArrayList<>(reading.problems());
        try {
            sergeant().validate(reading.config());
        } catch (SergeantException e) {
            problems.addAll(ConfigurationCheck.problemsOf(e));
        }
        ConfigurationCheck.requireNone(problems);
        return reading.config();
    }

    /** The plugins of this process, discovered once per command. */
    private Sergeant sergeant() {
        if (sergeant == null) {
            sergeant = Sergeant.create();
        }
        return sergeant;
    }

    /**
     * Opens a broker for {@code queue} with {@link #config(String, Map)}; the caller closes it.
     *
     * @throws SergeantException for an invalid configuration, an unknown backend scheme or an unreachable backend
     */
    public Broker openBroker(String queue, Map<String, String> extra) {
        WorkerConfig config = config(queue, extra);
        return sergeant().broker(config);
    }

    /**
     * As {@link #openBroker} for commands that only read or clean up ({@code stats}, {@code purge},
     * {@code dead-letters}, {@code workers}): a {@code sqlite:} backend whose file does not exist is an
     * error instead of a new, empty database (a mistyped path must not create directories and files).
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} naming the missing file
     */
    public Broker openExistingBroker(String queue, Map<String, String> extra) {
        WorkerConfig config = config(queue, extra);
        java.nio.file.Path file = sqliteFile(config.backend());
        if (file != null && !Files.isRegularFile(file)) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "no SQLite database at " + file
                    + " (backend " + config.backend() + "); this command reads an existing database and never creates "
                    + "one: check --backend or the 'backend' key of --config");
        }
        return sergeant().broker(config);
    }

    /** The file of a {@code sqlite:} URI (sqlite:path, sqlite:/abs, sqlite:///abs), or null for other backends. */
    static java.nio.file.Path sqliteFile(String backend) {
        String trimmed = backend.trim();
        if (!trimmed.toLowerCase(java.util.Locale.ROOT).startsWith("sqlite:")) {
            return null;
        }
        String path = trimmed.substring("sqlite:".length());
        if (path.startsWith("///")) {
            path = path.substring(2);
        }
        if (path.isBlank() || path.startsWith("//")) {
            return null; // malformed: the backend itself reports it with the forms it accepts
        }
        try {
            return java.nio.file.Path.of(path).toAbsolutePath().normalize();
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }
}
