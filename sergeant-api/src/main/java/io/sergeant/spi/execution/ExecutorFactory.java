package io.sergeant.spi.execution;

/**
 * Creates a {@link TaskExecutor}; listed in {@code META-INF/services/io.sergeant.spi.execution.ExecutorFactory}.
 * Only the factory the configuration names ({@code executor.kind}) is asked. Stateless, thread safe,
 * public no-argument constructor.
 */
public interface ExecutorFactory {

    /** The executor's kind ({@code thread}, {@code process}). */
    String name();

    /**
     * Creates and starts an executor.
     *
     * @throws io.sergeant.api.SergeantException {@code INVALID_CONFIGURATION} for a bad option,
     *         {@code EXECUTION_FAILED} when it cannot start (for example a child JVM does not come up)
     */
    TaskExecutor create(ExecutorSpec spec, ExecutionContext context);
}
