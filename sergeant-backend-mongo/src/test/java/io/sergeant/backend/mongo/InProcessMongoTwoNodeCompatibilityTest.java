package io.sergeant.backend.mongo;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.testkit.backend.BackendCompatibilitySuite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The backend compatibility suite, both delivery modes, against two independent in-process MongoDB
 * servers ({@code mongodb://a,mongodb://b}): no global order, so ordering checks compare sets.
 */
class InProcessMongoTwoNodeCompatibilityTest extends BackendCompatibilitySuite {

    private static InProcessMongo first;
    private static InProcessMongo second;

    @BeforeAll
    static void startServers() {
        first = new InProcessMongo();
        second = new InProcessMongo();
    }

    @AfterAll
    static void stopServers() {
        first.close();
        second.close();
    }

    @Override
    protected Backend newBackend() {
        return new MongoBackendFactory().create(
                new BackendSpec(first.uri() + "," + second.uri(), Map.of()), PluginContext.defaults());
    }

    @Override
    protected Backend newBackendWithLimits(int maxPayloadBytes, int maxDeadLetters) {
        return new MongoBackendFactory().create(new BackendSpec(first.uri() + "," + second.uri(), Map.of("maxPayloadSize",
                Integer.toString(maxPayloadBytes), "maxDeadLetters", Integer.toString(maxDeadLetters))),
                PluginContext.defaults());
    }

    @Override
    protected boolean singleNode() {
        return false;
    }

    /** Python's layout: the queue's documents in {@code sergeant.task_queue} on each node. */
    @Override
    protected List<Long> tasksPerNode(String queue) {
        List<Long> counts = new ArrayList<>();
        for (InProcessMongo node : List.of(first, second)) {
            try (MongoClient inspector = MongoClients.create(node.uri())) {
                counts.add(inspector.getDatabase("sergeant").getCollection("task_queue")
                        .countDocuments(Filters.eq("queue_name", queue)));
            }
        }
        return counts;
    }

    /** The bytes of the binary values (payloads) the in-process server(s) answered with. */
    @Override
    protected long bytesServed() {
        return first.binaryBytesServed() + second.binaryBytesServed();
    }

    /** The in-process server scans whole collections, so the bulk tests use 2,000 tasks (see InProcessMongo). */
    @Override
    protected int bulkSize() {
        return InProcessMongo.BULK_SIZE;
    }
}
