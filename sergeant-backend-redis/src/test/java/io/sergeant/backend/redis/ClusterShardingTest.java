package io.sergeant.backend.redis;

import io.sergeant.testkit.servers.RedisServerProcess;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import io.sergeant.testkit.servers.RedisClusterProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** How a queue is spread over the masters of a Redis Cluster, and how workers fan in. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterShardingTest {

    private static final DeliveryOptions LEASED = DeliveryOptions.leased(Duration.ofSeconds(60), 5);

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

    @Test
    @DisplayName("by default a queue has one shard per master, and producers spread pushes over all of them")
    void oneShardPerMaster() {
        String queue = unique();
        try (Backend backend = open(Map.of())) {
            for (int i = 0; i < 9; i++) {
                backend.push(queue, List.of(bytes("t" + i)), Priority.NORMAL, null);
            }
            for (RedisServerProcess node : cluster.nodes()) {
                String keys = node.command("KEYS", "__sergeant__:{" + queue + "#*}:queue");
                assertThat(keys.lines().toList()).as("queue shards on master " + node.port()).hasSize(1);
                assertThat(node.command("LLEN", keys.trim())).isEqualTo("3");
            }
            assertThat(backend.length(queue, false)).isEqualTo(9);
        }
    }

    @Test
    @DisplayName("a worker fans in across shards, rotating its start shard so that none starves")
    void fanInRotates() {
        String queue = unique();
        try (Backend backend = open(Map.of())) {
            for (String batch : List.of("a", "b", "c")) {
                List<byte[]> items = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    items.add(bytes(batch + i));
                }
                backend.push(queue, items, Priority.NORMAL, null);
            }
            Set<Character> firstRound = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                firstRound.add(text(backend.pop(queue, 1, DeliveryOptions.AT_MOST_ONCE).get(0)).charAt(0));
            }
            assertThat(firstRound).as("three single pops visit three shards").containsExactlyInAnyOrder('a', 'b', 'c');
            List<Delivery> rest = backend.pop(queue, 100, DeliveryOptions.AT_MOST_ONCE);
            assertThat(rest).as("one pop drains every shard").hasSize(12);
        }
    }

    @Test
    @DisplayName("with shards=6 leased pops, acks and stats work across shards; receipts name their shard")
    void sixShardsAtLeastOnce() {
        String queue = unique();
        try (Backend backend = open(Map.of("shards", "6"))) {
            for (int i = 0; i < 12; i++) {
                backend.push(queue, List.of(bytes("t" + i), bytes("u" + i)), Priority.NORMAL, null);
            }
            List<Delivery> popped = backend.pop(queue, 100, LEASED);
            assertThat(popped).hasSize(24);
            Set<String> shards = new HashSet<>();
            List<Receipt> receipts = new ArrayList<>();
            for (Delivery d : popped) {
                shards.add(d.receipt().id().substring(0, d.receipt().id().indexOf(':')));
                receipts.add(d.receipt());
            }
            assertThat(shards).containsExactlyInAnyOrder("0", "1", "2", "3", "4", "5");
            assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 24, 0));
            assertThat(backend.leaseRole().orElseThrow().ack(queue, receipts)).isEqualTo(SettleResult.all(24));
            assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    @Test
    @DisplayName("scripts are reloaded transparently after the servers forgot them (NOSCRIPT)")
    void scriptsSurviveAFlush() {
        String queue = unique();
        try (Backend backend = open(Map.of())) {
            backend.push(queue, List.of(bytes("x")), Priority.NORMAL, null);
            assertThat(backend.stats(queue).ready()).isEqualTo(1);
            cluster.nodes().forEach(node -> node.command("SCRIPT", "FLUSH"));
            List<Delivery> popped = backend.pop(queue, 10, LEASED);
            assertThat(popped).hasSize(1);
            assertThat(backend.leaseRole().orElseThrow().ack(queue, List.of(popped.get(0).receipt())).settled()).isEqualTo(1);
        }
    }

    private Backend open(Map<String, String> options) {
        return new RedisBackendFactory().create(new BackendSpec(cluster.uri(), options), PluginContext.defaults());
    }

    private static String unique() {
        return "sgt-cluster-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Delivery delivery) {
        return new String(delivery.payload(), StandardCharsets.UTF_8);
    }
}
