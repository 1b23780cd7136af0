package io.sergeant.backend.mongo;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.sergeant.api.Priority;
import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.QueuedItem;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bounded peek on a server without {@code $binarySize} (MongoDB before 4.4, some emulators): the
 * aggregation that lists sizes fails there, and {@code MongoMonitoring} falls back to the unbounded read,
 * bounded after it, so a listing still answers with the same items a sized server gives.
 */
class PeekWithoutBinarySizeTest {

    private InProcessMongo server;
    private MongoBackend backend;
    private BackendMonitoring monitoring;
    private String queue;

    @BeforeEach
    void open() {
        server = InProcessMongo.withoutBinarySize();
        backend = MongoBackend.connect(server.uri(), MongoLayout.DEFAULT_DATABASE, Clock.systemUTC());
        monitoring = backend.monitoringRole().orElseThrow();
        queue = "q-" + UUID.randomUUID();
    }

    @AfterEach
    void close() {
        backend.close();
        server.close();
    }

    @Test
    @DisplayName("the server refuses $binarySize, and a bounded peek still lists every waiting task with only the payloads within its cap and budget")
    void boundedPeekFallsBackToTheUnboundedReadBoundedAfter() {
        backend.push(queue, List.of(bytes("running")), Priority.NORMAL, null);
        assertThat(backend.pop(queue, 1,
                DeliveryOptions.leased(Duration.ofMinutes(5), 5))).as("one task leased").hasSize(1);
        for (int length : List.of(100, 5_000, 600, 601, 50)) {
            backend.push(queue, List.of(bytes("x".repeat(length))), Priority.NORMAL, null);
        }
        backend.push(queue, List.of(bytes("d".repeat(10))), Priority.NORMAL, Instant.now().plusSeconds(3600));
        try (MongoClient client = MongoClients.create(server.uri())) {
            assertThatThrownBy(() -> client.getDatabase(MongoLayout.DEFAULT_DATABASE).getCollection(MongoLayout.TASK_QUEUE)
                    .aggregate(List.of(new Document("$project", new Document("size",
                            new Document("$binarySize", "$" + MongoLayout.VALUE))))).into(new ArrayList<>()))
                    .as("this server has no $binarySize, so the fallback is what runs below")
                    .isInstanceOf(MongoCommandException.class).hasMessageContaining("$binarySize");
        }
        long cap = 1_000;
        long budget = 1_000;

        List<QueuedItem> all = monitoring.peek(queue, 100);
        List<QueuedItem> bounded = monitoring.peek(queue, 100, cap, budget);

        assertThat(all).as("the waiting tasks, the leased one left out").hasSize(6)
                .extracting(QueuedItem::payloadBytes).containsExactly(100L, 5_000L, 600L, 601L, 50L, 10L);
        assertThat(bounded).as("the rule applied to the whole listing")
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactlyElementsOf(QueuedItem.bounded(all, cap, budget));
        assertThat(bounded).filteredOn(QueuedItem::loaded).extracting(QueuedItem::payloadBytes)
                .as("returned: within the cap, until the budget is spent").containsExactly(100L, 600L);
        assertThat(monitoring.peek(queue, 2, cap, budget)).as("the limit").hasSize(2);
        assertThat(monitoring.peek(queue, 100, 0, budget)).as("a cap of 0 returns no payload").hasSize(6)
                .noneMatch(QueuedItem::loaded);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
