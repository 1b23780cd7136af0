package io.sergeant.spi.execution;

import java.util.List;

/**
 * Builds the worker runtime inside a child process of the process executor. Implemented by core and
 * listed in {@code META-INF/services/io.sergeant.spi.execution.ChildRuntimeProvider}, so an executor
 * plugin can host a worker without depending on core.
 */
public interface ChildRuntimeProvider {

    /**
     * Instantiates the worker class, binds it to a runtime (with its own broker connection) and runs
     * its {@code initialize}.
     *
     * @throws io.sergeant.api.SergeantException {@code WORKER_CLASS_NOT_FOUND} when the class cannot be loaded
     */
    ChildRuntime open(String workerClassName, List<String> workerArguments);
}
