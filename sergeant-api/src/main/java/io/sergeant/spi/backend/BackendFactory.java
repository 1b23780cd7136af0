package io.sergeant.spi.backend;

import io.sergeant.spi.PluginContext;

import java.util.Set;

/**
 * Creates a {@link Backend}. Listed in {@code META-INF/services/io.sergeant.spi.backend.BackendFactory};
 * core discovers every factory but instantiates a backend only through the factory whose
 * {@link #schemes()} contain the configured URI's scheme. Names and schemes must be unique across
 * installed plugins. Factories are stateless and thread safe; they need a public no-argument
 * constructor.
 */
public interface BackendFactory {

    /** The plugin's name, lower case (for example {@code redis}). */
    String name();

    /** The URI schemes this backend serves (for example {@code redis}, {@code rediss}, {@code redis-cluster}). */
    Set<String> schemes();

    /**
     * Connects a backend. May check connectivity eagerly.
     *
     * @throws io.sergeant.api.SergeantException {@code INVALID_CONFIGURATION} for a bad URI or option
     *         (never quoting a password), {@code BACKEND_UNAVAILABLE} when the server does not answer
     */
    Backend create(BackendSpec spec, PluginContext context);
}
