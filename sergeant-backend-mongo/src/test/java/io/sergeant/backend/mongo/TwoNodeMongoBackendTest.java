package io.sergeant.backend.mongo;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.SettleResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Two independent in-process nodes: Python's placement of keys and locks, round-robin pushes, fan-in pops. */
class TwoNodeMongoBackendTest {

    private static InProcessMongo first;
    private static InProcessMongo second;
    private static MongoClient[] inspectors;

    @BeforeAll
    static void startServers() {
        first = new InProcessMongo();
        second = new InProcessMongo();
        inspectors = new MongoClient[] {MongoClients.create(first.uri()), MongoClients.create(second.uri())};
    }

    @AfterAll
    static void stopServers() {
        for (MongoClient inspector : inspectors) {
            inspector.close();
        }
        first.close();
        second.close();
    }

    @Test
    @DisplayName("keys and locks live on node crc32(name) % 2, as in Python Sergeant")
    void placementByCrc32() {
        try (MongoBackend backend = connect()) {
            for (int i = 0; i < 8; i++) {
                String key = "key-" + i + "-" + UUID.randomUUID();
                backend.keyRole().orElseThrow().keySet(key, new byte[] {1});
                int expected = nodeOf(key);
                assertThat(count(expected, "keys", Filters.eq("key", key))).isEqualTo(1);
                assertThat(count(1 - expected, "keys", Filters.eq("key", key))).isZero();

                String lock = "lock-" + i + "-" + UUID.randomUUID();
                assertThat(backend.lockRole().orElseThrow().lockAcquire(lock, "me", Duration.ofSeconds(30))).isTrue();
                int lockNode = nodeOf(lock);
                assertThat(count(lockNode, "locks", Filters.eq("name", lock))).isEqualTo(1);
                assertThat(count(1 - lockNode, "locks", Filters.eq("name", lock))).isZero();
                assertThat(backend.lockRole().orElseThrow().lockRelease(lock, "me")).isTrue();
            }
        }
    }

    @Test
    @DisplayName("pushes alternate between nodes; one pop gathers from both; receipts find their node")
    void roundRobinAndFanIn() {
        String queue = "q-" + UUID.randomUUID();
        try (MongoBackend backend = connect()) {
            for (int i = 0; i < 6; i++) {
                backend.push(queue, List.of(("t" + i).getBytes(StandardCharsets.UTF_8)), Priority.NORMAL, null);
            }
            assertThat(count(0, "task_queue", Filters.eq("queue_name", queue))).isEqualTo(3);
            assertThat(count(1, "task_queue", Filters.eq("queue_name", queue))).isEqualTo(3);

            List<Delivery> popped = backend.pop(queue, 6, DeliveryOptions.leased(Duration.ofSeconds(30), 5));
            assertThat(popped).hasSize(6);
            List<String> nodes = new ArrayList<>();
            popped.forEach(d -> nodes.add(d.receipt().id().split(":")[0]));
            assertThat(nodes).containsOnly("0", "1");
            assertThat(backend.leaseRole().orElseThrow().extend(queue, receipts(popped), Duration.ofSeconds(60))).isEqualTo(SettleResult.all(6));
            assertThat(backend.leaseRole().orElseThrow().ack(queue, receipts(popped))).isEqualTo(SettleResult.all(6));
            assertThat(backend.length(queue, true)).isZero();
        }
    }

    @Test
    @DisplayName("with one node down, pushes go to the other node and pops return what the other node has")
    void oneNodeDown() {
        String queue = "q-" + UUID.randomUUID();
        InProcessMongo doomed = new InProcessMongo();
        String uri = first.uri() + "/?serverSelectionTimeoutMS=300," + doomed.uri() + "/?serverSelectionTimeoutMS=300";
        try (MongoBackend backend = MongoBackend.connect(uri, "sergeant", Clock.systemUTC())) {
            doomed.close();
            for (int i = 0; i < 4; i++) {
                pushRetryingOnce(backend, queue, "t" + i);
            }
            assertThat(count(0, "task_queue", Filters.eq("queue_name", queue))).isEqualTo(4);
            List<Delivery> popped = new ArrayList<>();
            for (int round = 0; round < 4 && popped.size() < 4; round++) {
                popped.addAll(backend.pop(queue, 10, DeliveryOptions.AT_MOST_ONCE));
            }
            assertThat(popped).hasSize(4);
            assertThatThrownBy(() -> backend.pop(queue, 10, DeliveryOptions.AT_MOST_ONCE))
                    .as("nothing left and a node failed")
                    .isInstanceOfSatisfying(SergeantException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE));
        } finally {
            doomed.close();
        }
    }

    /**
     * The first write on a pooled connection to a dead server fails with a socket error (the driver
     * cannot know whether it arrived, so the backend does not re-route it); the caller retries, and
     * from then on the dead node cannot be selected and is skipped.
     */
    private static void pushRetryingOnce(MongoBackend backend, String queue, String text) {
        byte[] item = text.getBytes(StandardCharsets.UTF_8);
        try {
            backend.push(queue, List.of(item), Priority.NORMAL, null);
        } catch (SergeantException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
            backend.push(queue, List.of(item), Priority.NORMAL, null);
        }
    }

    private static MongoBackend connect() {
        return MongoBackend.connect(first.uri() + "," + second.uri(), "sergeant", Clock.systemUTC());
    }

    private static long count(int node, String collection, org.bson.conversions.Bson filter) {
        return inspectors[node].getDatabase("sergeant").getCollection(collection).countDocuments(filter);
    }

    private static int nodeOf(String name) {
        CRC32 crc = new CRC32();
        crc.update(name.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % 2);
    }

    private static List<io.sergeant.spi.backend.Receipt> receipts(List<Delivery> deliveries) {
        List<io.sergeant.spi.backend.Receipt> result = new ArrayList<>();
        deliveries.forEach(d -> result.add(d.receipt()));
        return result;
    }
}
