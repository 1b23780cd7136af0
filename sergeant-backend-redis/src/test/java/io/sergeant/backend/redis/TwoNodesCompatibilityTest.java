package io.sergeant.backend.redis;

import io.sergeant.testkit.servers.RedisServerProcess;

import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.testkit.backend.BackendCompatibilitySuite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Map;

/** The backend contract, both delivery modes, on two independent redis-servers (Python's multi-node mode). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoNodesCompatibilityTest extends BackendCompatibilitySuite {

    private RedisServerProcess first;
    private RedisServerProcess second;

    @BeforeAll
    void startServers() {
        first = RedisServerProcess.start();
        second = RedisServerProcess.start();
    }

    @AfterAll
    void stopServers() {
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
    }

    @Override
    protected Backend newBackend() {
        return new RedisBackendFactory().create(new BackendSpec(first.uri() + "," + second.uri(), Map.of()),
                PluginContext.defaults());
    }

    @Override
    protected Backend newBackendWithLimits(int maxPayloadBytes, int maxDeadLetters) {
        return new RedisBackendFactory().create(new BackendSpec(first.uri() + "," + second.uri(), Map.of("maxPayloadSize",
                Integer.toString(maxPayloadBytes), "maxDeadLetters", Integer.toString(maxDeadLetters))),
                PluginContext.defaults());
    }

    @Override
    protected boolean singleNode() {
        return false;
    }

    /** Python's layout: NORMAL tasks in the list named after the queue on each node. */
    @Override
    protected List<Long> tasksPerNode(String queue) {
        return List.of(Long.parseLong(first.command("LLEN", queue)), Long.parseLong(second.command("LLEN", queue)));
    }

    /** Redis {@code INFO stats} {@code total_net_output_bytes}, summed over the nodes: what they sent to clients. */
    @Override
    protected long bytesServed() {
        return RedisNetOutput.of(java.util.List.of(first, second));
    }

    @Override
    protected boolean highPriorityIsFifo() {
        return false;
    }
}
