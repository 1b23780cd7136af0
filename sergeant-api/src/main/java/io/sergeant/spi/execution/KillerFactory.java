package io.sergeant.spi.execution;

import io.sergeant.api.config.Timeouts;
import io.sergeant.spi.PluginContext;

/**
 * Creates a {@link Killer}; listed in {@code META-INF/services/io.sergeant.spi.execution.KillerFactory}.
 * Stateless, thread safe, public no-argument constructor.
 */
public interface KillerFactory {

    /** The killer's name ({@code thread}, {@code process}). */
    String name();

    /** Creates a killer enforcing these timeouts; with timeouts disabled it watches nothing. */
    Killer create(Timeouts timeouts, PluginContext context);
}
