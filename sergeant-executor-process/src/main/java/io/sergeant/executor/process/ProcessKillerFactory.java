package io.sergeant.executor.process;

import io.sergeant.toolkit.execution.DeadlineKiller;
import io.sergeant.spi.SergeantPlugin;
import io.sergeant.api.config.Timeouts;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.execution.Killer;
import io.sergeant.spi.execution.KillerFactory;

import java.util.Objects;

/**
 * The {@code process} killer, the process executor's pair: at a task's timeout it asks the task's child
 * process to interrupt the task; past the grace period it has the child (and its descendants) killed by
 * force, after which the executor reports the task as timed out and starts a fresh child. The firing
 * itself is done by one daemon thread per killer; what interrupting and killing mean is up to the
 * executor's {@link io.sergeant.spi.execution.Killable}. With timeouts disabled it starts no thread.
 *
 * <p>Stateless and thread safe; public no-argument constructor for {@link java.util.ServiceLoader}.
 */
@SergeantPlugin(name = "process")
public final class ProcessKillerFactory implements KillerFactory {

    /** The name configurations use: {@value}. */
    public static final String NAME = "process";

    /** Creates the factory. */
    public ProcessKillerFactory() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Creates a killer.
     *
     * @throws NullPointerException when an argument is null
     */
    @Override
    public Killer create(Timeouts timeouts, PluginContext context) {
        Objects.requireNonNull(timeouts, "timeouts is null");
        Objects.requireNonNull(context, "context is null");
        return new DeadlineKiller(timeouts, "process");
    }
}
