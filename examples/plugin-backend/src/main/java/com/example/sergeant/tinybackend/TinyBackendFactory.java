package com.example.sergeant.tinybackend;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.backend.BackendSpec;

import java.util.Objects;
import java.util.Set;

/**
 * Registers the tiny in-memory backend for URIs {@code tiny:NAME} (listed in
 * {@code META-INF/services/io.sergeant.spi.backend.BackendFactory}). Each backend it opens has a store of
 * its own; it takes no options and refuses any, saying which were given.
 */
public final class TinyBackendFactory implements BackendFactory {

    /** For the service loader. */
    public TinyBackendFactory() {
    }

    @Override
    public String name() {
        return "tiny";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("tiny");
    }

    /**
     * Opens an empty backend.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} for another scheme or any option
     */
    @Override
    public Backend create(BackendSpec spec, PluginContext context) {
        Objects.requireNonNull(spec, "spec is null");
        new PluginOptions("backend 'tiny'", spec.options()).requireOnly(Set.of());
        if (!spec.scheme().equals("tiny")) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "invalid tiny backend URI '"
                    + spec.maskedUri() + "'; write tiny:NAME, for example tiny:orders");
        }
        return new TinyBackend(context.clock());
    }
}
