package io.sergeant.core.supervisor;

import io.sergeant.api.SergeantException;
import io.sergeant.core.config.ConfigSources;
import io.sergeant.spi.PluginOptions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The supervisor process:
 * {@code SupervisorMain --worker-class C --concurrent-workers N [--max-worker-memory-usage 512M]
 * [--max-tasks-per-worker M] [--worker-jvm-options "-Xmx256m ..."] [--guice-module M]...
 * [--grace-period 30s] [--config FILE] [-D key=value]...}. Runs a {@link Supervisor} and exits with its code
 * (see {@link Supervisor#run()}); bad arguments print the usage and exit 2. The workers' configuration
 * overrides follow {@link ConfigSources}' precedence, as in the {@code sergeant} command: {@code -D key=value}
 * &gt; the {@code SERGEANT_*} environment &gt; the {@code --config} properties file &gt; the worker's
 * {@code config()}.
 */
public final class SupervisorMain {

    /** The exit code for bad arguments. */
    public static final int EXIT_USAGE = 2;

    static final String USAGE = "usage: SupervisorMain --worker-class C --concurrent-workers N"
            + " [--max-worker-memory-usage 512M] [--max-tasks-per-worker M] [--worker-jvm-options \"...\"]"
            + " [--guice-module M]... [--grace-period 30s] [--config FILE] [-D key=value]...";

    private SupervisorMain() {
    }

    /** Runs the supervisor; never returns (exits with its code). */
    public static void main(String[] args) {
        SupervisorConfig config;
        try {
            config = parse(args);
        } catch (SergeantException | IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(EXIT_USAGE);
            return;
        }
        System.exit(new Supervisor(config).run());
    }

    /**
     * Parses the command line.
     *
     * @throws IllegalArgumentException for an unknown flag, a missing value or a malformed number
     * @throws SergeantException {@code INVALID_CONFIGURATION} for values the configuration rejects
     */
    static SupervisorConfig parse(String[] args) {
        return parse(args, System.getenv());
    }

    /** As {@link #parse(String[])} with {@code environment} for the {@code SERGEANT_*} configuration variables. */
    static SupervisorConfig parse(String[] args, java.util.Map<String, String> environment) {
        String workerClass = null;
        Integer workers = null;
        Long memory = null;
        Integer maxTasks = null;
        List<String> jvmOptions = new ArrayList<>();
        List<String> modules = new ArrayList<>();
        java.util.Map<String, String> config = new java.util.LinkedHashMap<>();
        java.util.Map<String, String> file = java.util.Map.of();
        java.time.Duration grace = SupervisorConfig.DEFAULT_GRACE_PERIOD;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "--worker-class" -> workerClass = value(args, ++i, flag);
                case "--concurrent-workers" -> workers = integer(value(args, ++i, flag), flag);
                case "--max-worker-memory-usage" -> memory = size(value(args, ++i, flag), flag);
                case "--max-tasks-per-worker" -> maxTasks = integer(value(args, ++i, flag), flag);
                case "--worker-jvm-options" -> jvmOptions.addAll(Arrays.stream(value(args, ++i, flag).trim().split("\\s+"))
                        .filter(option -> !option.isEmpty()).toList());
                case "--guice-module" -> modules.add(value(args, ++i, flag));
                case "--grace-period" -> grace = duration(value(args, ++i, flag), flag);
                case "--config" -> {
                    String path = value(args, ++i, flag);
                    if (path.contains("=") && !java.nio.file.Files.exists(java.nio.file.Path.of(path))) {
                        throw new IllegalArgumentException("--config takes a properties file, got '" + path
                                + "'; give single keys as -D " + path);
                    }
                    file = ConfigSources.readFile(java.nio.file.Path.of(path));
                }
                case "-D" -> define(config, value(args, ++i, flag));
                default -> {
                    if (!flag.startsWith("-D") || flag.length() == 2) {
                        throw new IllegalArgumentException("unknown argument '" + flag + "'");
                    }
                    define(config, flag.substring(2));
                }
            }
        }
        if (workerClass == null) {
            throw new IllegalArgumentException("--worker-class is required");
        }
        if (workers == null) {
            throw new IllegalArgumentException("--concurrent-workers is required");
        }
        return SupervisorConfig.builder(workerClass, workers).maxWorkerMemoryBytes(memory).maxTasksPerWorker(maxTasks)
                .workerJvmOptions(jvmOptions).guiceModules(modules).configOverrides(ConfigSources.layered(file, ConfigSources.fromEnvironment(environment), config))
                .gracePeriod(grace).build();
    }

    private static void define(java.util.Map<String, String> config, String pair) {
        int equals = pair.indexOf('=');
        if (equals <= 0) {
            throw new IllegalArgumentException("-D needs key=value, got '" + pair + "'");
        }
        config.put(pair.substring(0, equals).trim(), pair.substring(equals + 1).trim());
    }

    private static String value(String[] args, int index, String flag) {
        if (index >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[index];
    }

    private static int integer(String value, String flag) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " is '" + value + "'; give an integer", e);
        }
    }

    private static long size(String value, String flag) {
        try {
            return PluginOptions.parseSize(value);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(flag + " is '" + value + "'; give a size such as 536870912, 512M or 1G", e);
        }
    }

    private static java.time.Duration duration(String value, String flag) {
        try {
            return PluginOptions.parseDuration(value);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(flag + " is '" + value + "'; give a duration such as 30s or 2m", e);
        }
    }
}
