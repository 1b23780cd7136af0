package io.sergeant.backend.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.testkit.backend.BackendCompatibilitySuite;
import org.junit.jupiter.api.BeforeAll;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The backend compatibility suite, both delivery modes, against a real MongoDB (4.4 or newer) named by
 * {@code -Dsergeant.test.mongo.uri=mongodb://…} (several independent nodes as
 * {@code mongodb://a,mongodb://b}); skipped without it. Data goes to the database named by
 * {@code -Dsergeant.test.mongo.database} (default {@code sergeant_test}) under unique queue names.
 */
class RealMongoCompatibilityTest extends BackendCompatibilitySuite {

    private static final String URI_PROPERTY = "sergeant.test.mongo.uri";

    @BeforeAll
    static void requireServer() {
        assumeTrue(uri() != null && !uri().isBlank(),
                "no real MongoDB given; run with -D" + URI_PROPERTY + "=mongodb://host:27017 to include it");
    }

    @Override
    protected Backend newBackend() {
        String database = System.getProperty("sergeant.test.mongo.database", "sergeant_test");
        return new MongoBackendFactory().create(
                new BackendSpec(uri(), Map.of(MongoBackendFactory.DATABASE_OPTION, database)), PluginContext.defaults());
    }

    @Override
    protected Backend newBackendWithLimits(int maxPayloadBytes, int maxDeadLetters) {
        return new MongoBackendFactory().create(new BackendSpec(uri(), Map.of(MongoBackendFactory.DATABASE_OPTION, System.getProperty("sergeant.test.mongo.database", "sergeant_test"), "maxPayloadSize",
                Integer.toString(maxPayloadBytes), "maxDeadLetters", Integer.toString(maxDeadLetters))),
                PluginContext.defaults());
    }

    @Override
    protected boolean singleNode() {
        return MongoUris.parse(uri()).size() == 1;
    }

    /** The queue's documents in the test database's {@code task_queue} on each node. */
    @Override
    protected List<Long> tasksPerNode(String queue) {
        List<Long> counts = new ArrayList<>();
        for (ConnectionString node : MongoUris.parse(uri())) {
            try (MongoClient inspector = MongoClients.create(node)) {
                counts.add(inspector.getDatabase(System.getProperty("sergeant.test.mongo.database", "sergeant_test"))
                        .getCollection("task_queue").countDocuments(Filters.eq("queue_name", queue)));
            }
        }
        return counts;
    }

    private static String uri() {
        return System.getProperty(URI_PROPERTY);
    }
}
