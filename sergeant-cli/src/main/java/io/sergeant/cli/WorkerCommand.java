package io.sergeant.cli;

import io.sergeant.api.SergeantException;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.config.WorkerConfigProperties;
import io.sergeant.core.worker.ExitCode;
import io.sergeant.core.worker.WorkerFactory;
import io.sergeant.core.worker.WorkerMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sergeant worker}: runs one worker in this JVM, as a worker process of the supervisor does, and
 * exits with the worker exit-code contract. Configuration overrides ({@code --backend}, {@code --config},
 * {@code -D key=value}) are checked before the worker starts and handed to it as
 * {@code sergeant.config.<key>} system properties, which are restored when the worker returns.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Runs one worker in this process until it ends.",
                "Exit codes: 0 normal end, 1 abnormal, 2 usage error, 3 worker class not found, 4 asked to respawn, "
                        + "5 asked to stop, 6 execution failure, 7 worker class not loadable."})
final class WorkerCommand implements Callable<Integer>, ConfigurationCheck {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--worker-class", required = true, paramLabel = "CLASS",
            description = "Fully qualified name of the Worker subclass.")
    String workerClass;

    @Option(names = "--guice-module", paramLabel = "CLASS",
            description = "A Guice module to build the worker with (repeatable).")
    List<String> guiceModules = new ArrayList<>();

    @Mixin
    ClassPathOption classPath;

    @Option(names = "-D", paramLabel = "KEY=VALUE",
            description = "A worker configuration override, for example -D tasksPerTransaction=100 (repeatable).")
    Map<String, String> defines = new LinkedHashMap<>();

    @Option(names = "--summary-file", paramLabel = "FILE",
            description = "Write the run summary as one JSON line to this file.")
    Path summaryFile;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics at /metrics, and /health/live and /health/ready, on this port (0: any free port).")
    Integer metricsPort;

    @Option(names = "--metrics-host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address the metrics endpoint binds (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String metricsHost;

    @Override
    public Integer call() {
        return classPath.callWithUserClasses(this::runWorker);
    }

    @Override
    public List<String> configurationProblems() {
        return Checks.of(configOptions, classPath, defines);
    }

    private Integer runWorker() {
        ConfigurationCheck.requireNone(configurationProblems());
        Map<String, String> overrides = configOptions.properties(defines);
        try {
            WorkerFactory.load(workerClass);
        } catch (WorkerFactory.WorkerNotBuildableException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return ExitCode.WORKER_MODULE_NOT_IMPORTABLE.code();
        } catch (SergeantException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return ExitCode.WORKER_CLASS_NOT_FOUND.code();
        }
        List<String> arguments = new ArrayList<>(List.of("--worker-class", workerClass));
        guiceModules.forEach(module -> arguments.addAll(List.of("--guice-module", module)));
        if (summaryFile != null) {
            arguments.addAll(List.of("--summary-file", summaryFile.toString()));
        }
        Map<String, String> properties = new LinkedHashMap<>();
        overrides.forEach((key, value) -> properties.put(WorkerSystemProperties.PREFIX + key, value));
        if (metricsPort != null) {
            String listeners = System.getProperty("sergeant.listeners", "");
            properties.put("sergeant.listeners", listeners.isBlank() ? "prometheus" : listeners + ",prometheus");
            properties.put("sergeant.prometheus.port", Integer.toString(metricsPort));
            properties.put("sergeant.prometheus.host", metricsHost);
        }
        Map<String, String> previous = new HashMap<>();
        properties.forEach((key, value) -> previous.put(key, System.setProperty(key, value)));
        try {
            return WorkerMain.run(arguments.toArray(String[]::new));
        } finally {
            previous.forEach((key, value) -> {
                if (value == null) {
                    System.clearProperty(key);
                } else {
                    System.setProperty(key, value);
                }
            });
        }
    }
}
