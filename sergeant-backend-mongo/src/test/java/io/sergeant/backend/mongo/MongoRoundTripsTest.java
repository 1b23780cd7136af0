package io.sergeant.backend.mongo;

import io.sergeant.api.Priority;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import io.sergeant.spi.backend.SettledPop;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How many commands the batch paths send, counted by the in-process server as it receives them
 * (issue 15 §2: settle-and-pop is one bulk write plus one find per batch). A bulk write that deletes
 * and updates reaches a server before MongoDB 8.0 as one {@code delete} and one {@code update} command
 * (the driver splits a mixed bulk by kind; both in the one {@code bulkWrite} call).
 */
class MongoRoundTripsTest {

    private static final DeliveryOptions LEASED = DeliveryOptions.leased(Duration.ofSeconds(60), 5);

    private static InProcessMongo server;

    private MongoBackend backend;
    private BackendLeases leases;
    private String queue;

    @BeforeAll
    static void startServer() {
        server = new InProcessMongo();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void open() {
        backend = MongoBackend.connect(server.uri(), MongoLayout.DEFAULT_DATABASE, Clock.systemUTC());
        leases = backend.leaseRole().orElseThrow();
        queue = "q-" + UUID.randomUUID();
    }

    @AfterEach
    void close() {
        backend.close();
    }

    @Test
    @DisplayName("settle-and-pop of a batch is one find and one bulk write (a delete and an update), and nothing else")
    void settleAndPopIsOneFindAndOneBulkWrite() {
        backend.push(queue, payloads(40), Priority.NORMAL, null);
        List<Delivery> held = leases.ackAndPop(backend, queue, List.of(), 10, LEASED).deliveries();
        Set<String> seen = new HashSet<>(texts(held));

        for (int batch = 0; batch < 3; batch++) {
            server.resetCounts();
            SettledPop next = leases.ackAndPop(backend, queue, receipts(held), 10, LEASED);

            assertThat(server.commands()).as("commands of batch %d", batch).isEqualTo(Map.of(
                    "find task_queue", 1, "delete task_queue", 1, "update task_queue", 1));
            assertThat(server.failures()).isEmpty();
            assertThat(next.acked()).isEqualTo(SettleResult.all(10));
            assertThat(next.deliveries()).hasSize(10).allSatisfy(d -> assertThat(d.receipt().deliveryCount()).isEqualTo(1));
            assertThat(seen.addAll(texts(next.deliveries()))).isTrue();
            held = next.deliveries();
        }
        assertThat(seen).hasSize(40);
        assertThat(backend.length(queue, true)).isZero();
    }

    @Test
    @DisplayName("a leased batch pop is one find and one update; an at-most-once batch adds the delete")
    void batchPopsAreOneFindAndOneClaim() {
        backend.push(queue, payloads(20), Priority.NORMAL, null);

        server.resetCounts();
        assertThat(backend.pop(queue, 10, LEASED)).hasSize(10);
        assertThat(server.commands()).isEqualTo(Map.of("find task_queue", 1, "update task_queue", 1));

        server.resetCounts();
        assertThat(texts(backend.pop(queue, 10, DeliveryOptions.AT_MOST_ONCE))).hasSize(10).doesNotHaveDuplicates();
        assertThat(server.commands()).isEqualTo(Map.of("find task_queue", 1, "update task_queue", 1, "delete task_queue", 1));
        assertThat(server.failures()).isEmpty();
    }

    @Test
    @DisplayName("a task handed back keeps its delivery count through the claim's guard, and its next receipt says so")
    void claimGuardFollowsTheDeliveryCount() {
        backend.push(queue, payloads(6), Priority.NORMAL, null);
        List<Delivery> first = backend.pop(queue, 6, LEASED);
        assertThat(leases.release(queue, receipts(first.subList(0, 3)))).isEqualTo(SettleResult.all(3));

        List<Delivery> again = backend.pop(queue, 6, LEASED);

        assertThat(again).hasSize(3).allSatisfy(d -> assertThat(d.receipt().deliveryCount()).isEqualTo(2));
        assertThat(texts(again)).containsExactlyElementsOf(texts(first.subList(0, 3)));
    }

    private static List<byte[]> payloads(int n) {
        List<byte[]> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            items.add(("task-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return items;
    }

    private static List<String> texts(List<Delivery> deliveries) {
        List<String> result = new ArrayList<>();
        deliveries.forEach(d -> result.add(new String(d.payload(), StandardCharsets.UTF_8)));
        return result;
    }

    private static List<Receipt> receipts(List<Delivery> deliveries) {
        List<Receipt> result = new ArrayList<>();
        deliveries.forEach(d -> result.add(d.receipt()));
        return result;
    }
}
