package io.sergeant.backend.redis;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.testkit.servers.RedisClusterProcess;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.sergeant.backend.redis.RedisTestSupport.holder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Redis Cluster topology changes and stalls (issue 13 §2, §3): the shard count is the queue's, not
 * the cluster's size at connect time; a push retried by the client library after a read timeout is
 * stored once; queue names that would break hash tags are refused.
 *
 * <p>The tests that add or remove a master start a cluster of their own (they change the topology); the others
 * leave the cluster as they found it and each uses a queue of its own, so they share one 3-master
 * cluster started once for the class (a cluster start is most of such a test's time).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterTopologyTest {

    private static final DeliveryOptions LEASED = DeliveryOptions.leased(Duration.ofSeconds(60), 5);

    /** The 3-master cluster of the tests that do not change the topology. */
    private static RedisClusterProcess shared;

    @BeforeAll
    static void startSharedCluster() {
        shared = RedisClusterProcess.start(3);
    }

    @AfterAll
    static void stopSharedCluster() {
        if (shared != null) {
            shared.close();
        }
    }

    @Test
    @DisplayName("after a master is added under the data, a client that sees more masters finds all 70 acknowledged tasks;"
            + " one connected before lists a queue whose keys all moved to the new master")
    void addingAMasterHidesNothing() {
        try (RedisClusterProcess cluster = RedisClusterProcess.start(3)) {
            String queue = "q-" + UUID.randomUUID();
            // A one-shard queue in a low slot: redis-cli's rebalance moves each master's lowest slots to the
            // new master, so all of this queue's keys end up on a node that a client connected before the
            // change has never heard of.
            String solo = "solo-" + UUID.randomUUID();
            while (JedisClusterCRC16.getSlot("{" + solo + "#0}") >= 1000) {
                solo = "solo-" + UUID.randomUUID();
            }
            try (Backend running = open(cluster.uri(), Map.of())) {
                for (int i = 0; i < 70; i++) {
                    running.push(queue, List.of(bytes("t" + i)), Priority.NORMAL, null);
                }
                assertThat(running.length(queue, false)).isEqualTo(70);
                try (Backend oneShard = open(cluster.uri(), Map.of("shards", "1"))) {
                    for (int i = 0; i < 5; i++) {
                        oneShard.push(solo, List.of(bytes("s" + i)), Priority.NORMAL, null);
                    }
                }
                RedisServerProcess added = cluster.addMaster();
                assertThat(holder(cluster, "{" + solo + "#0}").port()).as("the one-shard queue moved to the new master")
                        .isEqualTo(added.port());
                assertThat(running.monitoringRole().orElseThrow().queues()).as("queues listed by a client connected before")
                        .contains(queue, solo);
                assertThat(running.stats(solo).ready()).isEqualTo(5);
            }
            try (Backend after = open(cluster.uri(), Map.of())) {
                assertThat(after.stats(queue).ready()).as("tasks visible to stats after the change").isEqualTo(70);
                assertAllDelivered(after, queue, 70);
                assertAllDelivered(after, solo, 5);
            }
        }
    }

    @Test
    @DisplayName("after one of 4 masters is removed under the data, 70 acknowledged tasks (ready, delayed, leased) are all"
            + " found and delivered once, by a client opened after and by one that kept running across the removal")
    void removingAMasterHidesNothing() {
        try (RedisClusterProcess cluster = RedisClusterProcess.start(4)) {
            String queue = "q-" + UUID.randomUUID();
            try (Backend running = open(cluster.uri(), Map.of())) {
                for (int i = 0; i < 60; i++) {
                    running.push(queue, List.of(bytes("t" + i)), Priority.NORMAL, null);
                }
                // Due in a second: the removal takes longer, so these are due when the tasks are looked for.
                Instant due = Instant.now().plusSeconds(1);
                for (int i = 60; i < 70; i++) {
                    running.push(queue, List.of(bytes("t" + i)), Priority.NORMAL, due);
                }
                List<Delivery> leased = running.pop(queue, 10, LEASED); // held across the removal
                assertThat(leased).hasSize(10);
                assertThat(total(running.stats(queue))).as("tasks before the removal").isEqualTo(70);

                // The master that holds the queue's shard count record; with 4 shards on 4 masters it
                // also holds one of the queue's shards.
                RedisServerProcess removed = holder(cluster, "__sergeant__:{" + queue + "}:shards");
                cluster.removeMaster(removed);
                assertThat(removed.isRunning()).isFalse();
                assertThat(cluster.masters()).hasSize(3);

                Set<String> delivered = new HashSet<>();
                leased.forEach(d -> delivered.add(text(d.payload())));
                try (Backend opened = open(cluster.uri(), Map.of())) {
                    for (Backend client : List.of(running, opened)) {
                        assertThat(client.monitoringRole().orElseThrow().queues()).as("queues listed").contains(queue);
                        QueueStats stats = client.stats(queue);
                        assertThat(total(stats)).as("tasks visible to stats after the removal").isEqualTo(70);
                        assertThat(stats.inFlight()).as("leased tasks").isEqualTo(10);
                    }
                    List<Receipt> receipts = leased.stream().map(Delivery::receipt).toList();
                    assertThat(running.leaseRole().orElseThrow().ack(queue, receipts).settled())
                            .as("leases taken before the removal, acked after it").isEqualTo(10);
                    // The 60 others, the delayed ones once due; half by each client.
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    boolean openedsTurn = true;
                    while (delivered.size() < 70 && System.nanoTime() < deadline) {
                        Backend client = openedsTurn ? opened : running;
                        openedsTurn = !openedsTurn;
                        List<Delivery> batch = client.pop(queue, 7, LEASED);
                        for (Delivery d : batch) {
                            assertThat(delivered.add(text(d.payload()))).as("first delivery of " + text(d.payload())).isTrue();
                        }
                        if (!batch.isEmpty()) {
                            assertThat(client.leaseRole().orElseThrow()
                                    .ack(queue, batch.stream().map(Delivery::receipt).toList()).settled())
                                    .isEqualTo(batch.size());
                        } else {
                            pause();
                        }
                    }
                    Set<String> expected = new HashSet<>();
                    for (int i = 0; i < 70; i++) {
                        expected.add("t" + i);
                    }
                    assertThat(delivered).as("distinct tasks delivered").isEqualTo(expected);
                    assertThat(opened.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
                }
            }
        }
    }

    @Test
    @DisplayName("a client with another shards option uses the count the queue was created with")
    void theShardCountIsRecordedWithTheQueue() {
        String queue = "q-" + UUID.randomUUID();
        try (Backend four = open(shared.uri(), Map.of("shards", "4"))) {
            for (int i = 0; i < 70; i++) {
                four.push(queue, List.of(bytes("t" + i)), Priority.NORMAL, null);
            }
        }
        try (Backend three = open(shared.uri(), Map.of("shards", "3"))) {
            assertThat(three.stats(queue).ready()).isEqualTo(70);
            assertAllDelivered(three, queue, 70);
        }
    }

    @Test
    @DisplayName("queue names with braces are refused at push with INVALID_ARGUMENT")
    void bracesAreRefused() {
        try (Backend backend = open(shared.uri(), Map.of())) {
            for (String name : List.of("}jobs", "jobs}", "a{b}c", "{x")) {
                SergeantException e = catchThrowableOfType(SergeantException.class,
                        () -> backend.push(name, List.of(bytes("t")), Priority.NORMAL, null));
                assertThat(e).as("push to '" + name + "'").isNotNull();
                assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                assertThat(e.getMessage()).contains(name).contains("braces");
            }
        }
    }

    @Test
    @SuppressWarnings("deprecation") // JedisCluster: deprecated in Jedis 8, the one cluster client Jedis 6 to 8 share
    @DisplayName("a push sent twice with one push id (a client library's retry after a read timeout) is stored once")
    void aRetriedPushIsStoredOnce() {
        try (Backend backend = open(shared.uri(), Map.of("shards", "1"));
             JedisCluster raw = new JedisCluster(new HostAndPort("127.0.0.1", shared.nodes().get(0).port()))) {
            String queue = "q-" + UUID.randomUUID();
            assertThat(backend.length(queue, true)).isZero(); // records the queue's shard count: 1
            QueueKeys keys = QueueKeys.sharded(ClusterShards.tag(queue, 0, 1));
            LuaScript push = Scripts.load().push();
            List<byte[]> args = List.of(bytes("normal"), bytes("0"), bytes("push-1"), bytes("once"));
            // What JedisCluster sends again when the first attempt's reply did not come within the timeout.
            for (int attempt = 0; attempt < 3; attempt++) {
                Object stored = raw.eval(push.source(), keys.forPush("push-1"), args);
                assertThat(stored).as("payloads stored by attempt " + attempt).isEqualTo(attempt == 0 ? 1L : 0L);
            }
            List<Delivery> popped = backend.pop(queue, 10, DeliveryOptions.AT_MOST_ONCE);
            assertThat(popped).extracting(d -> new String(d.payload(), StandardCharsets.UTF_8))
                    .as("copies stored").containsExactly("once");
            assertThat(raw.pttl(keys.forPush("push-1").get(15))).as("the marker expires")
                    .isBetween(1L, 3_600_000L);
        }
    }

    private static void assertAllDelivered(Backend backend, String queue, int expected) {
        Set<String> seen = new HashSet<>();
        List<Receipt> receipts = new ArrayList<>();
        for (Delivery d : backend.pop(queue, 1000, LEASED)) {
            seen.add(new String(d.payload(), StandardCharsets.UTF_8));
            receipts.add(d.receipt());
        }
        assertThat(seen).as("distinct tasks delivered").hasSize(expected);
        assertThat(backend.leaseRole().orElseThrow().ack(queue, receipts).settled()).isEqualTo(expected);
        assertThat(backend.stats(queue).inFlight()).isZero();
    }

    private static long total(QueueStats stats) {
        return stats.ready() + stats.delayed() + stats.inFlight();
    }

    private static String text(byte[] payload) {
        return new String(payload, StandardCharsets.UTF_8);
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static Backend open(String uri, Map<String, String> options) {
        return new RedisBackendFactory().create(new BackendSpec(uri, options), PluginContext.defaults());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
