package io.sergeant.spi.execution;

import java.util.List;

/**
 * Builds the worker runtime inside a child process of the process executor. Implemented by core and
 * listed in {@code META-INF/services/io.sergeant.spi.execution.ChildRuntimeProvider}, so an executor
 * plugin can host a worker without depending on core. Where several providers are on the class path
 * (a test kit hosting its own runner beside core), the child uses the first that {@linkplain #hosts hosts}
 * the class it is given, or the first one found when none does (its {@link #open} then says why it
 * cannot).
 */
public interface ChildRuntimeProvider {

    /**
     * Whether this provider hosts the named class. Must be cheap and must not run the class's code; the
     * default hosts every class.
     *
     * @since 0.2
     */
    default boolean hosts(String workerClassName) {
        return true;
    }

    /**
     * Instantiates the worker class, binds it to a runtime (with its own broker connection) and runs
     * its {@code initialize}.
     *
     * @throws io.sergeant.api.SergeantException {@code WORKER_CLASS_NOT_FOUND} when the class cannot be loaded
     */
    ChildRuntime open(String workerClassName, List<String> workerArguments);
}
