package io.sergeant.executor.thread;

import io.sergeant.spi.SergeantPlugin;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.execution.ExecutionContext;
import io.sergeant.spi.execution.ExecutorFactory;
import io.sergeant.spi.execution.ExecutorSpec;
import io.sergeant.spi.execution.TaskExecutor;

import java.util.Objects;
import java.util.Set;

/**
 * The {@code thread} executor: {@link ExecutorSpec#concurrency()} daemon threads in the worker
 * process run tasks through the context's runner, each under the context killer's watch (1 thread is
 * the serial executor; the task still runs on a pool thread so the killer interrupts that thread and
 * never the caller).
 *
 * <p>Options: {@value #THREAD_NAME_PREFIX} (default {@value #DEFAULT_THREAD_NAME_PREFIX}; threads are
 * named prefix plus a number). Unknown keys are rejected.
 *
 * <p>Stateless and thread safe; public no-argument constructor for {@link java.util.ServiceLoader}.
 */
@SergeantPlugin(name = ThreadExecutorFactory.NAME)
public final class ThreadExecutorFactory implements ExecutorFactory {

    /** The name configurations use: {@value}. */
    public static final String NAME = "thread";
    /** Option naming the pool threads: {@value}. */
    public static final String THREAD_NAME_PREFIX = "threadNamePrefix";
    /** Default of {@link #THREAD_NAME_PREFIX}: {@value}. */
    public static final String DEFAULT_THREAD_NAME_PREFIX = "sergeant-task-";

    /** Creates the factory. */
    public ThreadExecutorFactory() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Creates and starts an executor (its threads start lazily, on the first tasks).
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} for an unknown option or a blank prefix
     * @throws NullPointerException when an argument is null
     */
    @Override
    public TaskExecutor create(ExecutorSpec spec, ExecutionContext context) {
        Objects.requireNonNull(spec, "spec is null");
        Objects.requireNonNull(context, "context is null");
        spec.options().requireOnly(Set.of(THREAD_NAME_PREFIX));
        String prefix = spec.options().string(THREAD_NAME_PREFIX, DEFAULT_THREAD_NAME_PREFIX);
        if (prefix.isBlank()) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "option '" + THREAD_NAME_PREFIX
                    + "' of executor 'thread' is blank; give a prefix such as '" + DEFAULT_THREAD_NAME_PREFIX
                    + "' or leave it out");
        }
        return new ThreadExecutor(spec.concurrency(), prefix, context.runner(), context.killer(), spec.timeouts().enabled());
    }
}
