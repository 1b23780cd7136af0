package io.sergeant.cli;

import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.config.WorkerConfigProperties;
import io.sergeant.core.supervisor.Supervisor;
import io.sergeant.core.supervisor.SupervisorConfig;
import io.sergeant.micrometer.SupervisorMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sergeant supervisor}: runs a {@link Supervisor} of N worker JVMs in the foreground until it
 * ends (SIGTERM or SIGINT stop it gracefully) and exits with its code. Configuration overrides
 * ({@code --backend}, {@code --config}, {@code -D}) are checked first and passed to every worker.
 */
@Command(name = "supervisor", mixinStandardHelpOptions = true,
        description = {"Runs N worker processes of a worker class, respawning them as they exit.",
                "SIGTERM or Ctrl-C stops the workers gracefully: they finish or hand back their tasks, then exit."})
final class SupervisorCommand implements Callable<Integer>, ConfigurationCheck {

    @Mixin
    ConfigOptions configOptions;

    @Mixin
    ClassPathOption classPath;

    @Option(names = "--worker-class", required = true, paramLabel = "CLASS",
            description = "Fully qualified name of the Worker subclass; the workers load it, not the supervisor.")
    String workerClass;

    @Option(names = "--concurrent-workers", required = true, paramLabel = "N", description = "How many worker processes to run.")
    int concurrentWorkers;

    @Option(names = "--max-worker-memory-usage", paramLabel = "SIZE", converter = Converters.SizeConverter.class,
            description = "Replace a worker whose resident memory (with its child processes) passes this size, for example 512M.")
    Long maxWorkerMemoryUsage;

    @Option(names = "--max-tasks-per-worker", paramLabel = "M",
            description = "Respawn a worker after it ran this many tasks (default: the worker's maxTasksPerRun).")
    Integer maxTasksPerWorker;

    @Option(names = "--worker-jvm-options", paramLabel = "OPTIONS",
            description = "JVM options of the worker processes, space separated, for example \"-Xmx512m -XX:+UseSerialGC\".")
    String workerJvmOptions;

    @Option(names = "--guice-module", paramLabel = "CLASS", description = "A Guice module the workers are built with (repeatable).")
    List<String> guiceModules = new ArrayList<>();

    @Option(names = "-D", paramLabel = "KEY=VALUE",
            description = "A worker configuration override, for example -D tasksPerTransaction=100 (repeatable).")
    Map<String, String> defines = new LinkedHashMap<>();

    @Option(names = "--grace-period", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "On stop, how long workers may take to exit before they are killed (default: 30s).")
    Duration gracePeriod = SupervisorConfig.DEFAULT_GRACE_PERIOD;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics of the supervisor and all its workers (label worker) at /metrics, "
                    + "and /health/live and /health/ready, on this port (0: any free port).")
    Integer metricsPort;

    @Option(names = "--metrics-host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address the metrics endpoint binds (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String metricsHost;

    @Override
    public List<String> configurationProblems() {
        return Checks.of(configOptions, classPath, defines);
    }

    @Override
    public Integer call() throws java.io.IOException {
        ConfigurationCheck.requireNone(configurationProblems());
        Map<String, String> overrides = configOptions.properties(defines);
        String workerClassPath = classPath.childClassPath();
        List<String> jvmOptions = workerJvmOptions == null || workerJvmOptions.isBlank()
                ? List.of()
                : Arrays.asList(workerJvmOptions.trim().split("\\s+"));
        if (metricsPort == null) {
            return new Supervisor(new SupervisorConfig(workerClass, concurrentWorkers, maxWorkerMemoryUsage,
                    maxTasksPerWorker, jvmOptions, guiceModules, overrides, gracePeriod, workerClassPath)).run();
        }
        Path portDirectory = Files.createTempDirectory("sergeant-metrics-");
        try (SupervisorMetrics metrics = new SupervisorMetrics(new InetSocketAddress(metricsHost, metricsPort), portDirectory)) {
            System.err.println("sergeant: metrics at http://" + metricsHost + ":" + metrics.port() + "/metrics");
            List<String> withMetrics = new ArrayList<>(jvmOptions);
            withMetrics.addAll(metrics.workerJvmOptions());
            return new Supervisor(new SupervisorConfig(workerClass, concurrentWorkers, maxWorkerMemoryUsage,
                    maxTasksPerWorker, withMetrics, guiceModules, overrides, gracePeriod, workerClassPath)).run();
        } finally {
            try (var files = Files.list(portDirectory)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(portDirectory);
        }
    }
}
