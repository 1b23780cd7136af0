package io.sergeant.spi.execution;

import io.sergeant.spi.PluginContext;

import java.util.List;
import java.util.Map;

/**
 * What core gives an executor: the runner of a task's whole lifecycle, the configured killer, the
 * task codec and how to recreate the worker in another process. Thread safe.
 *
 * @param runner          runs a task's hooks, {@code work} and outcome handler on the calling thread
 * @param killer          the killer the configuration names; enforces {@link ExecutorSpec#timeouts()}
 * @param codec           encodes tasks for transport to child processes
 * @param workerClassName the worker class, for child processes
 * @param workerArguments further arguments a child passes to {@link ChildRuntimeProvider#open}
 *                        (for example the user's Guice module)
 * @param pluginContext   the plugin context
 * @param childSystemProperties system properties a child process sets before it opens the worker, so
 *                        that it runs the worker exactly as this process does (core: the effective
 *                        configuration, overrides made in code included; see {@code WorkerConfigProperties}
 *                        in core). They may hold secrets (a backend password): an executor passes them
 *                        off the command line (for example in a JVM argument file readable by its owner
 *                        only), never as {@code -D} options. Empty when there are none. Since 0.2.
 */
public record ExecutionContext(TaskRunner runner, Killer killer, TaskCodec codec, String workerClassName,
                               List<String> workerArguments, PluginContext pluginContext,
                               Map<String, String> childSystemProperties) {

    /** A context whose children need no system properties of their own. */
    public ExecutionContext(TaskRunner runner, Killer killer, TaskCodec codec, String workerClassName,
                            List<String> workerArguments, PluginContext pluginContext) {
        this(runner, killer, codec, workerClassName, workerArguments, pluginContext, Map.of());
    }

    /** Checks that no part is null and copies the arguments and properties. */
    public ExecutionContext {
        java.util.Objects.requireNonNull(runner, "runner is null");
        java.util.Objects.requireNonNull(killer, "killer is null");
        java.util.Objects.requireNonNull(codec, "codec is null");
        java.util.Objects.requireNonNull(workerClassName, "workerClassName is null");
        workerArguments = List.copyOf(workerArguments);
        java.util.Objects.requireNonNull(pluginContext, "pluginContext is null");
        childSystemProperties = Map.copyOf(childSystemProperties);
    }
}
