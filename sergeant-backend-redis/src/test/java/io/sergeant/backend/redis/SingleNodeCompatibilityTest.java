package io.sergeant.backend.redis;

import io.sergeant.testkit.servers.RedisServerProcess;

import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.testkit.backend.BackendCompatibilitySuite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import java.util.Map;

/** The backend contract, both delivery modes, on one redis-server. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SingleNodeCompatibilityTest extends BackendCompatibilitySuite {

    private RedisServerProcess server;

    @BeforeAll
    void startServer() {
        server = RedisServerProcess.start();
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected Backend newBackend() {
        return new RedisBackendFactory().create(new BackendSpec(server.uri(), Map.of()), PluginContext.defaults());
    }

    @Override
    protected Backend newBackendWithLimits(int maxPayloadBytes, int maxDeadLetters) {
        return new RedisBackendFactory().create(new BackendSpec(server.uri(), Map.of("maxPayloadSize",
                Integer.toString(maxPayloadBytes), "maxDeadLetters", Integer.toString(maxDeadLetters))),
                PluginContext.defaults());
    }

    /** Redis {@code INFO stats} {@code total_net_output_bytes}, summed over the nodes: what they sent to clients. */
    @Override
    protected long bytesServed() {
        return RedisNetOutput.of(java.util.List.of(server));
    }

    @Override
    protected boolean highPriorityIsFifo() {
        return false; // Python Sergeant's layout: HIGH is LPUSH, so last in, first out among HIGH tasks
    }
}
