package io.sergeant.spi.execution;

import io.sergeant.spi.PluginContext;

import java.util.List;

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
 */
public record ExecutionContext(TaskRunner runner, Killer killer, TaskCodec codec, String workerClassName,
                               List<String> workerArguments, PluginContext pluginContext) {

    /** Checks that no part is null and copies the arguments. */
    public ExecutionContext {
        java.util.Objects.requireNonNull(runner, "runner is null");
        java.util.Objects.requireNonNull(killer, "killer is null");
        java.util.Objects.requireNonNull(codec, "codec is null");
        java.util.Objects.requireNonNull(workerClassName, "workerClassName is null");
        workerArguments = List.copyOf(workerArguments);
        java.util.Objects.requireNonNull(pluginContext, "pluginContext is null");
    }
}
