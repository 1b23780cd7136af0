package io.sergeant.backend.mongo;

import com.mongodb.ConnectionString;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.BackendSpec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Splits a backend URI into independent MongoDB nodes.
 *
 * <p>The syntax follows the other backends' "comma separated URIs" rule while keeping MongoDB's own
 * meaning of a comma inside one connection string: a comma starts a new node only when it is
 * followed by a new {@code scheme://} prefix ({@code mongodb://} or {@code mongodb+srv://}; any other
 * scheme is rejected by name). So
 * {@code mongodb://a:27017,b:27017/?replicaSet=rs} is ONE node (a replica set of two members, the
 * driver's standard), while {@code mongodb://a:27017,mongodb://b:27017} is TWO independent nodes
 * (Python Sergeant's multi-node mode: no replication between them, tasks spread round robin).
 * Each part is a complete MongoDB connection string with its own options (auth, TLS, replica set).
 * Stateless.
 */
final class MongoUris {

    /** The schemes a node may use. */
    static final Set<String> SCHEMES = Set.of("mongodb", "mongodb+srv");

    /** A comma followed by any {@code scheme://} starts a new node (other schemes are then rejected by name). */
    private static final Pattern NODE_SEPARATOR = Pattern.compile(",\\s*(?=[A-Za-z][A-Za-z0-9+.-]*://)");

    private MongoUris() {
    }

    /**
     * Parses every node of {@code uri}.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} for an empty, malformed or repeated node
     *         (the message masks any password)
     */
    static List<ConnectionString> parse(String uri) {
        if (uri == null || uri.isBlank()) {
            throw invalid("the MongoDB URI is empty; give mongodb://host:port (several independent "
                    + "nodes as mongodb://a:27017,mongodb://b:27017)");
        }
        List<ConnectionString> nodes = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String part : NODE_SEPARATOR.split(uri.trim())) {
            String node = part.trim();
            String scheme = node.contains("://") ? node.substring(0, node.indexOf("://")).toLowerCase(Locale.ROOT) : "";
            if (!SCHEMES.contains(scheme)) {
                throw invalid("MongoDB node '" + BackendSpec.maskSecrets(node) + "' does not start with mongodb:// "
                        + "or mongodb+srv://; separate independent nodes with ',mongodb://'");
            }
            if (!seen.add(node)) {
                throw invalid("MongoDB node '" + BackendSpec.maskSecrets(node) + "' is listed twice in '"
                        + BackendSpec.maskSecrets(uri) + "'; list each independent node once");
            }
            // The driver accepts only a lower-case scheme.
            nodes.add(connectionString(scheme + node.substring(scheme.length())));
        }
        return List.copyOf(nodes);
    }

    private static ConnectionString connectionString(String node) {
        try {
            return new ConnectionString(node);
        } catch (IllegalArgumentException e) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "MongoDB node '"
                    + BackendSpec.maskSecrets(node) + "' is not a valid connection string: "
                    + BackendSpec.maskSecrets(String.valueOf(e.getMessage()))
                    + "; see https://www.mongodb.com/docs/manual/reference/connection-string/");
        }
    }

    private static SergeantException invalid(String message) {
        return new SergeantException(ErrorCode.INVALID_CONFIGURATION, message);
    }
}
