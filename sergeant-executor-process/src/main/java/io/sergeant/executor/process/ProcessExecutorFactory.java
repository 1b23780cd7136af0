package io.sergeant.executor.process;

import io.sergeant.spi.SergeantPlugin;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.execution.ExecutionContext;
import io.sergeant.spi.execution.ExecutorFactory;
import io.sergeant.spi.execution.ExecutorSpec;
import io.sergeant.spi.execution.TaskExecutor;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code process} executor: a warm pool of {@link ExecutorSpec#concurrency()} child JVMs, each
 * hosting the worker class (its {@code initialize} runs in every child, {@code finalizeWorker} when the
 * executor closes) and running one task at a time. Children run the parent's {@code java} with the
 * parent's class path, its {@code sergeant.*} and logging system properties and the
 * {@linkplain ExecutionContext#childSystemProperties() system properties core asks for} (the worker's
 * effective configuration, so every action and hook in a child sees the configuration the parent runs
 * with, overrides made in code included); their stdout is the
 * parent's private channel and their stderr is inherited. See {@link ProcessExecutor} for timeouts, dead
 * children and replacements, and {@link ChildMain} for the child.
 *
 * <p>Options (unknown keys are rejected):
 * <ul>
 *   <li>{@value #JVM_OPTIONS}: JVM options of the children, separated by spaces (default
 *       {@value #DEFAULT_JVM_OPTIONS}: the serial collector and small thread stacks for a small footprint per
 *       child; children are long-lived, so the default keeps the optimizing compiler; adding
 *       {@code -XX:TieredStopAtLevel=1} roughly halves a child's start-up, at the cost of peak speed
 *       of CPU-bound tasks);</li>
 *   <li>{@value #START_TIMEOUT}: how long a child may take to start and run {@code initialize}
 *       (default 60s);</li>
 *   <li>{@value #SHUTDOWN_TIMEOUT}: how long children may take to run {@code finalizeWorker} and exit
 *       on close before they are killed (default 30s).</li>
 * </ul>
 *
 * <p>Stateless and thread safe; public no-argument constructor for {@link java.util.ServiceLoader}.
 */
@SergeantPlugin(name = "process")
public final class ProcessExecutorFactory implements ExecutorFactory {

    /** The name configurations use: {@value}. */
    public static final String NAME = "process";
    /** Option: JVM options of the children, space separated. */
    public static final String JVM_OPTIONS = "jvmOptions";
    /** Option: start-up bound of a child. */
    public static final String START_TIMEOUT = "startTimeout";
    /** Option: shutdown bound of the children. */
    public static final String SHUTDOWN_TIMEOUT = "shutdownTimeout";
    /** Default of {@link #JVM_OPTIONS}: {@value}. */
    public static final String DEFAULT_JVM_OPTIONS = "-XX:+UseSerialGC -Xss512k";

    /** Creates the factory. */
    public ProcessExecutorFactory() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Starts the children and returns once every one has run the worker's {@code initialize}.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} for an unknown or bad option;
     *         {@code EXECUTION_FAILED} when a child cannot start (the message names why, the child's
     *         stderr has the details)
     * @throws NullPointerException when an argument is null
     */
    @Override
    public TaskExecutor create(ExecutorSpec spec, ExecutionContext context) {
        Objects.requireNonNull(spec, "spec is null");
        Objects.requireNonNull(context, "context is null");
        spec.options().requireOnly(Set.of(JVM_OPTIONS, START_TIMEOUT, SHUTDOWN_TIMEOUT));
        List<String> jvmOptions = split(spec.options().string(JVM_OPTIONS, DEFAULT_JVM_OPTIONS));
        Duration startTimeout = positive(spec.options().duration(START_TIMEOUT, Duration.ofSeconds(60)), START_TIMEOUT);
        Duration shutdownTimeout = spec.options().duration(SHUTDOWN_TIMEOUT, Duration.ofSeconds(30));
        ChildCommand command = ChildCommand.of(jvmOptions, context.workerClassName(), context.workerArguments(),
                context.childSystemProperties());
        return ProcessExecutor.start(spec.concurrency(), context.runner(), context.killer(), context.codec(),
                spec.timeouts(), () -> ChildProcess.start(command.command(), startTimeout), shutdownTimeout);
    }

    private static List<String> split(String options) {
        return Arrays.stream(options.trim().split("\\s+")).filter(option -> !option.isEmpty()).toList();
    }

    private static Duration positive(Duration duration, String key) {
        if (duration.isZero()) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "option '" + key
                    + "' of executor 'process' is zero; give a positive duration such as 60s");
        }
        return duration;
    }
}
