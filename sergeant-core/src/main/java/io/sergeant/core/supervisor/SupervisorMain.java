package io.sergeant.core.supervisor;

import io.sergeant.api.SergeantException;
import io.sergeant.spi.PluginOptions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The supervisor process:
 * {@code SupervisorMain --worker-class C --concurrent-workers N [--max-worker-memory-usage 512M]
 * [--max-tasks-per-worker M] [--worker-jvm-options "-Xmx256m ..."] [--guice-module M]...
 * [--grace-period 30s] [--config key=value]...}. Runs a {@link Supervisor} and exits with its code
 * (see {@link Supervisor#run()}); bad arguments print the usage and exit 2.
 */
public final class SupervisorMain {

    /** The exit code for bad arguments. */
    public static final int EXIT_USAGE = 2;

    static final String USAGE = "usage: SupervisorMain --worker-class C --concurrent-workers N"
            + " [--max-worker-memory-usage 512M] [--max-tasks-per-worker M] [--worker-jvm-options \"...\"]"
            + " [--guice-module M]... [--grace-period 30s] [--config key=value]...";

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
        String workerClass = null;
        Integer workers = null;
        Long memory = null;
        Integer maxTasks = null;
        List<String> jvmOptions = new ArrayList<>();
        List<String> modules = new ArrayList<>();
        java.util.Map<String, String> config = new java.util.LinkedHashMap<>();
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
                    String pair = value(args, ++i, flag);
                    int equals = pair.indexOf('=');
                    if (equals <= 0) {
                        throw new IllegalArgumentException("--config needs key=value, got '" + pair + "'");
                    }
                    config.put(pair.substring(0, equals).trim(), pair.substring(equals + 1).trim());
                }
                default -> throw new IllegalArgumentException("unknown argument '" + flag + "'");
            }
        }
        if (workerClass == null) {
            throw new IllegalArgumentException("--worker-class is required");
        }
        if (workers == null) {
            throw new IllegalArgumentException("--concurrent-workers is required");
        }
        return SupervisorConfig.builder(workerClass, workers).maxWorkerMemoryBytes(memory).maxTasksPerWorker(maxTasks)
                .workerJvmOptions(jvmOptions).guiceModules(modules).configOverrides(config)
                .gracePeriod(grace).build();
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
