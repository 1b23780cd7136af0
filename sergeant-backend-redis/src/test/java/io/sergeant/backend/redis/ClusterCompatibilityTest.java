package io.sergeant.backend.redis;

import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.testkit.backend.BackendCompatibilitySuite;
import io.sergeant.testkit.servers.RedisClusterProcess;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The backend contract, both delivery modes, on a 3-master Redis Cluster with every queue in 3 shards. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterCompatibilityTest extends BackendCompatibilitySuite {

    private RedisClusterProcess cluster;

    @BeforeAll
    void startCluster() {
        cluster = RedisClusterProcess.start(3);
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected Backend newBackend() {
        return new RedisBackendFactory().create(new BackendSpec(cluster.uri(), Map.of()), PluginContext.defaults());
    }

    @Override
    protected Backend newBackendWithLimits(int maxPayloadBytes, int maxDeadLetters) {
        return new RedisBackendFactory().create(new BackendSpec(cluster.uri(), Map.of("maxPayloadSize",
                Integer.toString(maxPayloadBytes), "maxDeadLetters", Integer.toString(maxDeadLetters))),
                PluginContext.defaults());
    }

    @Override
    protected boolean singleNode() {
        return false; // three shards, like three independent nodes: no global order
    }

    /** The ready tasks on each master: the lists of the queue's shards it holds (see ClusterShardingTest). */
    @Override
    protected List<Long> tasksPerNode(String queue) {
        List<Long> counts = new ArrayList<>();
        for (RedisServerProcess master : cluster.masters()) {
            long count = 0;
            for (String key : master.command("KEYS", "__sergeant__:{" + queue + "#*}:queue").lines().toList()) {
                if (!key.isBlank()) {
                    count += Long.parseLong(master.command("LLEN", key.trim()));
                }
            }
            counts.add(count);
        }
        return counts;
    }

    /** Redis {@code INFO stats} {@code total_net_output_bytes}, summed over the nodes: what they sent to clients. */
    @Override
    protected long bytesServed() {
        return RedisNetOutput.of(cluster.masters());
    }

    @Override
    protected boolean highPriorityIsFifo() {
        return false;
    }
}
