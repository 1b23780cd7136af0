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
 * <p>Options: {@code database} (default {@code sergeant}, Python Sergeant's); {@code maxPayloadSize}
 * (default: the codec's maximum encoded size; a pop dead-letters a longer payload instead of handing
 * it to the worker); {@code maxDeadLetters} (default 10,000; dead letters kept per queue, the oldest
 * over it deleted and counted in the log; 0 = no cap). Unknown options are rejected. Stateless and
 * thread safe.
 */
@SergeantPlugin(name = MongoBackendFactory.NAME, schemes = {"mongodb", "mongodb+srv"})
public final class MongoBackendFactory implements BackendFactory {

    /** The plugin name. */
    public static final String NAME = "mongo";
    /** The option naming the database. */
    public static final String DATABASE_OPTION = "database";
    /** The option bounding the payloads a pop hands out. */
    public static final String MAX_PAYLOAD_OPTION = "maxPayloadSize";
    /** The option capping the dead letters kept per queue. */
    public static final String MAX_DEAD_LETTERS_OPTION = "maxDeadLetters";
    /** Dead letters kept per queue unless the option says otherwise. */
    public static final int DEFAULT_MAX_DEAD_LETTERS = 10_000;

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
                .requireOnly(Set.of(DATABASE_OPTION, MAX_PAYLOAD_OPTION, MAX_DEAD_LETTERS_OPTION));
        long maxPayload = options.size(MAX_PAYLOAD_OPTION, context.limits().maxEncodedBytes());
        if (maxPayload < 1 || maxPayload > Integer.MAX_VALUE) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "option '" + MAX_PAYLOAD_OPTION
                    + "' of backend 'mongo' is " + maxPayload + "; expected 1 byte to 2G");
        }
        int maxDeadLetters = options.integer(MAX_DEAD_LETTERS_OPTION, DEFAULT_MAX_DEAD_LETTERS);
        if (maxDeadLetters < 0) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "option '" + MAX_DEAD_LETTERS_OPTION
                    + "' of backend 'mongo' is " + maxDeadLetters + "; expected 0 (no cap) or more");
        }
        String database = options.string(DATABASE_OPTION, MongoLayout.DEFAULT_DATABASE).trim();
        if (database.isEmpty() || database.matches(".*[/\\\\. \"$].*")) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION,
                    "option 'database' of backend 'mongo' is '" + database + "'; expected a MongoDB database name "
                            + "without / \\ . space \" or $ (Python Sergeant uses 'sergeant')");
        }
        return MongoBackend.connect(spec.uri(), database, context.clock(), (int) maxPayload, maxDeadLetters);
    }
}
