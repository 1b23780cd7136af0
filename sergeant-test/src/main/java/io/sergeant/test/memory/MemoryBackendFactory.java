package io.sergeant.test.memory;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.SergeantPlugin;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.backend.BackendSpec;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Creates the in-memory backend, {@code memory}, for URIs {@code memory:NAME}: every backend opened on
 * the same name in one JVM shares one store (see {@link MemoryStores}). It takes no options.
 *
 * <p>Core finds this factory through
 * {@code META-INF/services/io.sergeant.spi.backend.BackendFactory}; the {@link SergeantPlugin}
 * annotation lets core index its name and scheme without instantiating it. Stateless and thread safe.
 */
@SergeantPlugin(name = MemoryBackendFactory.NAME, schemes = {MemoryBackendFactory.SCHEME})
public final class MemoryBackendFactory implements BackendFactory {

    /** The plugin name. */
    public static final String NAME = "memory";
    /** The URI scheme. */
    public static final String SCHEME = "memory";

    private static final Pattern STORE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    /** For the service loader. */
    public MemoryBackendFactory() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> schemes() {
        return Set.of(SCHEME);
    }

    /**
     * Opens a backend on the store named by the URI, creating the store if it is new. Never blocks.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} for a URI that is not {@code memory:NAME}
     *         or for any option
     */
    @Override
    public Backend create(BackendSpec spec, PluginContext context) {
        Objects.requireNonNull(spec, "spec is null");
        Objects.requireNonNull(context, "context is null");
        new PluginOptions("backend '" + NAME + "'", spec.options()).requireOnly(Set.of());
        String name = storeName(spec);
        return new MemoryBackend(name, MemoryStores.open(name), context.clock());
    }

    /** The store name of a {@code memory:NAME} URI. */
    static String storeName(BackendSpec spec) {
        String uri = spec.uri().trim();
        if (!spec.scheme().equals(SCHEME)) {
            throw invalid(spec, "its scheme is not '" + SCHEME + "'");
        }
        String name = uri.substring(uri.indexOf(':') + 1);
        if (!STORE_NAME.matcher(name).matches()) {
            throw invalid(spec, "the store name must be 1 to 200 letters, digits, '.', '_' or '-', starting with"
                    + " a letter or digit (one store per URI: no commas, no '//')");
        }
        return name;
    }

    private static SergeantException invalid(BackendSpec spec, String why) {
        return new SergeantException(ErrorCode.INVALID_CONFIGURATION, "invalid memory backend URI '" + spec.maskedUri()
                + "': " + why + "; write memory:NAME, for example memory:orders");
    }
}
