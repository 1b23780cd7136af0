package io.sergeant.backend.mongo;

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

/**
 * Creates the MongoDB backend, {@code mongo}, for {@code mongodb://} and {@code mongodb+srv://}
 * URIs. Everything MongoDB's connection string supports (credentials, {@code authSource}, TLS,
 * {@code replicaSet}, {@code w}, {@code readConcernLevel}, timeouts) passes through to the driver.
 * Several independent nodes are written as complete URIs separated by {@code ,mongodb://}
 * ({@code mongodb://a:27017,mongodb://b:27017}); a plain comma list of hosts inside one URI is one
 * replica set, as everywhere in MongoDB.
 *
 * <p>Defaults: server selection timeout and connect timeout 5 s ({@code serverSelectionTimeoutMS},
 * {@code connectTimeoutMS} in the URI override them); write concern {@code majority} on a replica set
 * or sharded cluster and {@code w=1} on a standalone server, unless the URI sets {@code w}.
 *
 * <p>Options: {@code database} (default {@code sergeant}, Python Sergeant's). Unknown options are
 * rejected. Stateless and thread safe.
 */
@SergeantPlugin(name = MongoBackendFactory.NAME, schemes = {"mongodb", "mongodb+srv"})
public final class MongoBackendFactory implements BackendFactory {

    /** The plugin name. */
    public static final String NAME = "mongo";
    /** The option naming the database. */
    public static final String DATABASE_OPTION = "database";

    /** For the service loader. */
    public MongoBackendFactory() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> schemes() {
        return MongoUris.SCHEMES;
    }

    /**
     * Connects to every node, checks that each answers, and creates the indexes.
     *
     * @throws io.sergeant.api.SergeantException {@code INVALID_CONFIGURATION} for a bad URI or option
     *         (passwords masked), {@code BACKEND_UNAVAILABLE} when a node does not answer within the
     *         server selection timeout, {@code BACKEND_REFUSED} when it refuses (for example bad credentials)
     */
    @Override
    public Backend create(BackendSpec spec, PluginContext context) {
        Objects.requireNonNull(spec, "spec is null");
        Objects.requireNonNull(context, "context is null");
        PluginOptions options = new PluginOptions("backend '" + NAME + "'", spec.options())
                .requireOnly(Set.of(DATABASE_OPTION));
        String database = options.string(DATABASE_OPTION, MongoLayout.DEFAULT_DATABASE).trim();
        if (database.isEmpty() || database.matches(".*[/\\\\. \"$].*")) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION,
                    "option 'database' of backend 'mongo' is '" + database + "'; expected a MongoDB database name "
                            + "without / \\ . space \" or $ (Python Sergeant uses 'sergeant')");
        }
        return MongoBackend.connect(spec.uri(), database, context.clock());
    }
}
