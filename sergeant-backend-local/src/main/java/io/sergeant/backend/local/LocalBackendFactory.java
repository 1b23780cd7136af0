package io.sergeant.backend.local;

import io.sergeant.spi.PluginContext;
import io.sergeant.spi.SergeantPlugin;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.backend.BackendSpec;

import java.util.Objects;
import java.util.Set;

/**
 * Creates the embedded SQLite backend, {@code local}, for URIs {@code sqlite:path/to/file.db}
 * (relative to the working directory), {@code sqlite:/abs/path.db} or {@code sqlite:///abs/path.db}.
 * Options are listed in {@link LocalSettings}. Stateless and thread safe.
 */
@SergeantPlugin(name = LocalBackendFactory.NAME, schemes = {LocalBackendFactory.SCHEME})
public final class LocalBackendFactory implements BackendFactory {

    /** The plugin name. */
    public static final String NAME = "local";
    /** The URI scheme. */
    public static final String SCHEME = "sqlite";

    /** For the service loader. */
    public LocalBackendFactory() {
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
     * Opens (creating if needed) the SQLite file and its tables, and checks that it is usable.
     *
     * @throws io.sergeant.api.SergeantException {@code INVALID_CONFIGURATION} for a bad URI or option,
     *         {@code BACKEND_UNAVAILABLE} or {@code BACKEND_REFUSED} when the file cannot be opened
     */
    @Override
    public Backend create(BackendSpec spec, PluginContext context) {
        Objects.requireNonNull(spec, "spec is null");
        Objects.requireNonNull(context, "context is null");
        return LocalBackend.open(LocalSettings.from(spec, context.limits().maxEncodedBytes()), context.clock());
    }
}
