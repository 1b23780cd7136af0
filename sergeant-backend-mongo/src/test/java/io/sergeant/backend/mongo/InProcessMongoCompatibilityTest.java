package io.sergeant.backend.mongo;

import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.testkit.backend.BackendCompatibilitySuite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.Map;

/** The backend compatibility suite, both delivery modes, against one in-process MongoDB server. */
class InProcessMongoCompatibilityTest extends BackendCompatibilitySuite {

    private static InProcessMongo server;

    @BeforeAll
    static void startServer() {
        server = new InProcessMongo();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Override
    protected Backend newBackend() {
        return new MongoBackendFactory().create(new BackendSpec(server.uri(), Map.of()), PluginContext.defaults());
    }

    @Override
    protected Backend newBackendWithLimits(int maxPayloadBytes, int maxDeadLetters) {
        return new MongoBackendFactory().create(new BackendSpec(server.uri(), Map.of("maxPayloadSize",
                Integer.toString(maxPayloadBytes), "maxDeadLetters", Integer.toString(maxDeadLetters))),
                PluginContext.defaults());
    }

    /** The bytes of the binary values (payloads) the in-process server(s) answered with. */
    @Override
    protected long bytesServed() {
        return server.binaryBytesServed();
    }

    /** The in-process server scans whole collections, so the bulk tests use 2,000 tasks (see InProcessMongo). */
    @Override
    protected int bulkSize() {
        return InProcessMongo.BULK_SIZE;
    }
}
