package io.sergeant.cli;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.core.config.WorkerConfigProperties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code sergeant} command: a picocli command whose subcommands run workers, a supervisor, the
 * demo, and administer queues. {@link #main} exits with {@link #execute}'s code: 0 on success,
 * {@value #EXIT_FAILURE} on a failure, {@value #EXIT_USAGE} on a usage error (unknown option, bad
 * value, unknown backend scheme or plugin, invalid configuration), and the worker exit-code contract
 * for {@code worker}. A {@link SergeantException} is reported by its message alone, without a stack
 * trace.
 *
 * <p>A new command is a picocli {@code @Command} class in this package, listed in {@code subcommands}
 * below (in the order {@code --help} shows them); queue commands take {@link ConfigOptions} as a mixin.
 */
@Command(name = "sergeant", mixinStandardHelpOptions = true, versionProvider = SergeantCommand.Version.class,
        description = "Sergeant for Java: a fast, safe and simple distributed task queue.",
        subcommands = {
                DemoCommand.class,
                WorkerCommand.class,
                SupervisorCommand.class,
                PushCommand.class,
                StatsCommand.class,
                WorkersCommand.class,
                TopCommand.class,
                DashboardCommand.class,
                PurgeCommand.class,
                DeadLettersCommand.class,
                io.sergeant.cli.bench.BenchCommand.class,
                CompletionCommand.class,
                CommandLine.HelpCommand.class})
public final class SergeantCommand implements Runnable {

    /** Exit code of a failed command. */
    public static final int EXIT_FAILURE = 1;

    /** Exit code of a usage error. */
    public static final int EXIT_USAGE = 2;

    private static final Set<ErrorCode> USAGE_ERRORS =
            Set.of(ErrorCode.INVALID_CONFIGURATION, ErrorCode.UNKNOWN_PLUGIN, ErrorCode.DUPLICATE_PLUGIN);

    @Spec
    CommandSpec spec;

    /** Runs the command line and exits the JVM with its code. */
    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs the command line with these streams and returns its exit code; never exits the JVM and never
     * throws for a command's failure (for tests and embedding).
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return commandLine(out, err).execute(args);
    }

    /**
     * As {@link #execute(String[], PrintWriter, PrintWriter)} with {@code environment} in place of this
     * process's environment for the {@code SERGEANT_*} configuration variables (for tests and embedding).
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err, Map<String, String> environment) {
        return commandLine(out, err, environment).execute(args);
    }

    /** The configured picocli command line of {@code sergeant}, reading this process's environment. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine(out, err, System.getenv());
    }

    /** The configured picocli command line of {@code sergeant}, reading {@code environment} for configuration. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, Map<String, String> environment) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                return type == ConfigOptions.class ? type.cast(new ConfigOptions(environment)) : defaults.create(type);
            }
        };
        CommandLine commandLine = new CommandLine(new SergeantCommand(), factory);
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setUsageHelpWidth(100);
        for (String name : new String[] {"worker", "supervisor"}) {
            commandLine.getSubcommands().get(name).getCommandSpec().usageMessage().footer(configurationKeys());
        }
        // Parse errors are collected rather than thrown one at a time, so that a command that can check its
        // configuration reports them together with its configuration problems, in one round.
        commandLine.getSubcommands().values().forEach(sub -> sub.getCommandSpec().parser().collectErrors(true));
        commandLine.setExecutionStrategy(parseResult -> {
            CommandLine.ParseResult leaf = parseResult;
            while (leaf.hasSubcommand()) {
                leaf = leaf.subcommand();
            }
            if (leaf.errors().isEmpty()) {
                return new CommandLine.RunLast().execute(parseResult);
            }
            List<String> configurationProblems = leaf.commandSpec().userObject() instanceof ConfigurationCheck check
                    ? check.configurationProblems() : List.of();
            if (configurationProblems.isEmpty()) {
                Exception first = leaf.errors().get(0);
                if (first instanceof CommandLine.ParameterException parameterException) {
                    throw parameterException;
                }
                throw new CommandLine.ParameterException(leaf.commandSpec().commandLine(), first.getMessage(), first);
            }
            List<String> problems = new ArrayList<>();
            leaf.errors().forEach(error -> problems.add(error.getMessage()));
            problems.addAll(configurationProblems);
            PrintWriter errors = leaf.commandSpec().commandLine().getErr();
            errors.println("error: " + problems.size() + " problems:\n  - " + String.join("\n  - ", problems));
            errors.println("Run 'sergeant " + leaf.commandSpec().name() + " --help' for the options and configuration keys.");
            errors.flush();
            return EXIT_USAGE;
        });
        commandLine.setExecutionExceptionHandler((exception, failed, parseResult) -> {
            PrintWriter errors = failed.getErr();
            if (exception instanceof SergeantException sergeantException) {
                errors.println("error: " + sergeantException.getMessage());
                errors.flush();
                return USAGE_ERRORS.contains(sergeantException.code()) ? EXIT_USAGE : EXIT_FAILURE;
            }
            errors.println("error: " + exception);
            exception.printStackTrace(errors);
            errors.flush();
            return EXIT_FAILURE;
        });
        return commandLine;
    }

    private static String[] configurationKeys() {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("Configuration keys (-D KEY=VALUE, environment SERGEANT_KEY_IN_UPPER_SNAKE_CASE, --config FILE);");
        lines.add("precedence: command line > environment > --config file > the worker's config():");
        int width = WorkerConfigProperties.KEYS.keySet().stream().mapToInt(String::length).max().orElse(0);
        new TreeMap<>(WorkerConfigProperties.KEYS).forEach((key, meaning) ->
                lines.add(String.format(Locale.ROOT, "  %-" + width + "s  %s", key, meaning)));
        lines.add("  and backend.option.*, executor.option.*, encoder.option.* for plugin options");
        return lines.toArray(String[]::new);
    }

    /** Without a subcommand: shows the usage and fails as a usage error. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: choose one of "
                + String.join(", ", spec.subcommands().keySet()));
    }

    /** The version of the sergeant-cli jar, from its manifest when packaged. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = SergeantCommand.class.getPackage().getImplementationVersion();
            return new String[] {"sergeant " + (version == null ? "(development build)" : version)};
        }
    }
}
