package io.sergeant.backend.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCommandException;
import com.mongodb.ReadPreference;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.BackendSpec;
import org.bson.Document;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One independent MongoDB deployment (a standalone server, a replica set or a mongos) with its
 * client and the four collections. Creating a node connects, asks the server what it is
 * ({@code hello}, or {@code isMaster} on servers that lack it), chooses the write concern and makes
 * sure the indexes exist. Thread safe (the driver's client is); {@link #close()} is idempotent.
 */
final class MongoNode implements AutoCloseable {

    /** Server selection timeout unless the URI sets {@code serverSelectionTimeoutMS}. */
    static final int DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 5_000;
    /** Connect timeout unless the URI sets {@code connectTimeoutMS}. */
    static final int DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

    private static final System.Logger LOG = System.getLogger(MongoNode.class.getName());

    private final int index;
    private final String maskedUri;
    private final MongoClient client;
    private final String topology;
    private final WriteConcern writeConcern;
    private final MongoCollection<Document> tasks;
    private final MongoCollection<Document> keys;
    private final MongoCollection<Document> locks;
    private final MongoCollection<Document> deadLetters;
    private final MongoCollection<Document> workers;

    private MongoNode(int index, String maskedUri, MongoClient client, String topology,
                      WriteConcern writeConcern, MongoDatabase database) {
        this.index = index;
        this.maskedUri = maskedUri;
        this.client = client;
        this.topology = topology;
        this.writeConcern = writeConcern;
        this.tasks = database.getCollection(MongoLayout.TASK_QUEUE);
        this.keys = database.getCollection(MongoLayout.KEYS);
        this.locks = database.getCollection(MongoLayout.LOCKS);
        this.deadLetters = database.getCollection(MongoLayout.DEAD_LETTERS);
        this.workers = database.getCollection(MongoLayout.WORKERS);
    }

    /**
     * Connects to one node, checks that it answers and creates the indexes.
     *
     * @throws SergeantException {@code BACKEND_UNAVAILABLE} when no server answers within the server
     *         selection timeout, {@code BACKEND_REFUSED} when it refuses (authentication, privileges)
     */
    static MongoNode connect(int index, ConnectionString uri, String databaseName) {
        Objects.requireNonNull(uri, "uri is null");
        String masked = BackendSpec.maskSecrets(uri.getConnectionString());
        MongoClientSettings.Builder settings = MongoClientSettings.builder()
                .applyToClusterSettings(b -> b.serverSelectionTimeout(
                        DEFAULT_SERVER_SELECTION_TIMEOUT_MS, TimeUnit.MILLISECONDS))
                .applyToSocketSettings(b -> b.connectTimeout(DEFAULT_CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS))
                .applicationName("sergeant-java");
        // Options in the URI win over the defaults above (applied last).
        settings.applyConnectionString(uri);
        MongoClient client = MongoClients.create(settings.build());
        try {
            Document hello = call(masked, "answer hello", () -> hello(client));
            String topology = topologyOf(hello);
            WriteConcern writeConcern = uri.getWriteConcern() != null
                    ? uri.getWriteConcern()
                    : "standalone".equals(topology) ? WriteConcern.W1 : WriteConcern.MAJORITY;
            // A queue must read what it just claimed: always the primary, whatever readPreference the URI has.
            MongoDatabase database = client.getDatabase(databaseName).withWriteConcern(writeConcern)
                    .withReadPreference(ReadPreference.primary());
            MongoNode node = new MongoNode(index, masked, client, topology, writeConcern, database);
            node.call("create the indexes of database '" + databaseName + "'", () -> {
                node.createIndexes();
                return null;
            });
            LOG.log(System.Logger.Level.INFO, "connected to mongodb node {0} ({1}, write concern {2}, database {3})",
                    masked, topology, describe(writeConcern), databaseName);
            return node;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** This node's position in the configured node list (the first is 0). */
    int index() {
        return index;
    }

    /** The node's URI with any password masked, for messages. */
    String maskedUri() {
        return maskedUri;
    }

    /** {@code standalone}, {@code replica set '<name>'} or {@code sharded cluster}. */
    String topology() {
        return topology;
    }

    /** The write concern every write on this node uses. */
    WriteConcern writeConcern() {
        return writeConcern;
    }

    MongoCollection<Document> tasks() {
        return tasks;
    }

    MongoCollection<Document> keys() {
        return keys;
    }

    MongoCollection<Document> locks() {
        return locks;
    }

    MongoCollection<Document> deadLetters() {
        return deadLetters;
    }

    MongoCollection<Document> workers() {
        return workers;
    }

    /**
     * Runs {@code operation}, translating driver exceptions (the backend's single translation point).
     *
     * @param action what is being done, for the error message
     */
    <T> T call(String action, Supplier<T> operation) {
        return call(maskedUri, action, operation);
    }

    @Override
    public void close() {
        client.close();
    }

    private static <T> T call(String maskedUri, String action, Supplier<T> operation) {
        try {
            return operation.get();
        } catch (RuntimeException e) {
            throw MongoErrors.translate(e, action, maskedUri);
        }
    }

    private void createIndexes() {
        // Serves the pop query {queue_name, priority <= now} sorted by (priority, _id) without a sort stage.
        tasks.createIndex(Indexes.ascending(MongoLayout.QUEUE_NAME, MongoLayout.PRIORITY, MongoLayout.ID));
        // Serves reap ({queue_name, sergeant_deadline < now}) and in-flight counts; unleased tasks index as null.
        tasks.createIndex(Indexes.ascending(MongoLayout.QUEUE_NAME, MongoLayout.DEADLINE));
        // Python's own key and lock indexes, with Python's names and options, so that both can start.
        keys.createIndex(Indexes.ascending(MongoLayout.KEY));
        locks.createIndex(Indexes.ascending(MongoLayout.LOCK_NAME), new IndexOptions().unique(true));
        locks.createIndex(Indexes.ascending(MongoLayout.EXPIRE_AT), new IndexOptions().expireAfter(0L, TimeUnit.SECONDS));
        deadLetters.createIndex(Indexes.ascending(MongoLayout.QUEUE_NAME, MongoLayout.DEAD_AT, MongoLayout.ID));
        // A server-side safety net for records of dead workers; reads filter on expires_at themselves.
        workers.createIndex(Indexes.ascending(MongoLayout.EXPIRES_AT), new IndexOptions().expireAfter(0L, TimeUnit.SECONDS));
    }

    private static Document hello(MongoClient client) {
        MongoDatabase admin = client.getDatabase("admin");
        try {
            return admin.runCommand(new Document("hello", 1));
        } catch (MongoCommandException e) {
            if (e.getErrorCode() != 59) {
                throw e;
            }
            // CommandNotFound: a server older than 4.4.2 (or an emulator) knows only the legacy name.
            return admin.runCommand(new Document("isMaster", 1));
        }
    }

    private static String topologyOf(Document hello) {
        if (hello.get("setName") != null) {
            return "replica set '" + hello.get("setName") + "'";
        }
        if ("isdbgrid".equals(hello.get("msg"))) {
            return "sharded cluster";
        }
        return "standalone";
    }

    private static String describe(WriteConcern writeConcern) {
        Object w = writeConcern.getWObject();
        return w == null ? "server default" : "w=" + w;
    }
}
