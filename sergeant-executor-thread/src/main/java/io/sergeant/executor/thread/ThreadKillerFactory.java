package io.sergeant.executor.thread;

import io.sergeant.toolkit.execution.DeadlineKiller;
import io.sergeant.spi.SergeantPlugin;
import io.sergeant.api.config.Timeouts;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.execution.Killer;
import io.sergeant.spi.execution.KillerFactory;

import java.util.Objects;

/**
 * The {@code thread} killer: one daemon thread per killer checks every watched task a few times per
 * tenth of a second; at the timeout it calls {@link io.sergeant.spi.execution.Killable#interrupt()}
 * once, at timeout plus grace period {@link io.sergeant.spi.execution.Killable#kill()} once. With
 * timeouts disabled the killer starts no thread and its watches never fire.
 *
 * <p>Stateless and thread safe; public no-argument constructor for {@link java.util.ServiceLoader}.
 */
@SergeantPlugin(name = ThreadKillerFactory.NAME)
public final class ThreadKillerFactory implements KillerFactory {

    /** The name configurations use: {@value}. */
    public static final String NAME = "thread";

    /** Creates the factory. */
    public ThreadKillerFactory() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Creates a killer; it measures time with {@link System#nanoTime()} (monotonic), not the context's
     * clock, so wall-clock changes never fire or delay a timeout.
     *
     * @throws NullPointerException when an argument is null
     */
    @Override
    public Killer create(Timeouts timeouts, PluginContext context) {
        Objects.requireNonNull(timeouts, "timeouts is null");
        Objects.requireNonNull(context, "context is null");
        return new DeadlineKiller(timeouts, NAME);
    }
}
