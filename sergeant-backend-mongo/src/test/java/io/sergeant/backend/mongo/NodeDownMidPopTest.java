package io.sergeant.backend.mongo;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettledPop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13 §2, several independent nodes with one going down in the middle of a call, on two in-process
 * MongoDB servers ({@code mongodb://a,mongodb://b}): what a node had already handed out before it died
 * is delivered, in both delivery modes, and so is what the healthy node gave; a settle-and-pop keeps the
 * healthy node's acks and deliveries and names the receipts the dead node could not settle. Nothing
 * acknowledged is lost and nothing is dead-lettered that was never handed to a worker.
 *
 * <p>A pop of many tasks on one node takes several round trips (find, claim, delete, and a look again);
 * the node here dies at the second {@code find}, after the first round trip claimed (at-most-once: deleted)
 * its tasks. Before the pop kept what those round trips took, it threw that away: at-most-once lost the
 * tasks, at-least-once left them leased to nobody, so they were redelivered only after the lease and, with
 * {@code maxDeliveries} 1, went to the dead letters without having run.
 */
class NodeDownMidPopTest {

    private static final int ON_HEALTHY = 4;
    private static final int ON_DOOMED = 6;

    private InProcessMongo healthy;
    private InProcessMongo doomed;
    private MongoBackend backend;
    private final String queue = "q-" + UUID.randomUUID();

    @BeforeEach
    void start() {
        healthy = new InProcessMongo();
        doomed = new InProcessMongo();
        backend = MongoBackend.connect(healthy.uri() + "/?serverSelectionTimeoutMS=1500," + doomed.uri()
                + "/?serverSelectionTimeoutMS=1500", "sergeant", Clock.systemUTC());
        push(healthy, "healthy", ON_HEALTHY);
        push(doomed, "doomed", ON_DOOMED);
    }

    @AfterEach
    void stop() {
        if (backend != null) {
            backend.close();
        }
        healthy.close();
        doomed.close();
    }

    @Test
    @DisplayName("at-most-once: a node that dies mid-pop after deleting what it handed out still has it delivered")
    void atMostOncePopKeepsWhatTheDyingNodeTook() {
        doomed.goDownAt("find task_queue", 2);

        List<Delivery> popped = backend.pop(queue, 20, DeliveryOptions.AT_MOST_ONCE);

        assertThat(doomed.isDown()).as("the node went down during the pop").isTrue();
        doomed.comeBack();
        List<String> left = texts(popAllLeft(DeliveryOptions.AT_MOST_ONCE));
        assertThat(texts(popped)).as("what both nodes handed out before one died")
                .containsExactlyInAnyOrderElementsOf(expected());
        assertThat(left).as("nothing handed out twice").isEmpty();
    }

    @Test
    @DisplayName("at-least-once: a node that dies mid-pop after leasing has its leased tasks delivered; none is dead-lettered unrun")
    void atLeastOncePopKeepsWhatTheDyingNodeLeased() {
        DeliveryOptions options = DeliveryOptions.leased(Duration.ofSeconds(1), 1);
        doomed.goDownAt("find task_queue", 2);

        List<Delivery> popped = backend.pop(queue, 20, options);

        assertThat(doomed.isDown()).as("the node went down during the pop").isTrue();
        assertThat(texts(popped)).containsExactlyInAnyOrderElementsOf(expected());
        doomed.comeBack();
        BackendLeases leases = backend.leaseRole().orElseThrow();
        assertThat(ackOnceTheNodeAnswers(leases, receipts(popped)))
                .as("every delivery was settled by its worker: nothing left to lease out again").isEqualTo(popped.size());
        sleep(Duration.ofMillis(1_300)); // past the lease: a delivery dropped by the pop would now be overdue
        leases.reap(queue, 1);
        assertThat(backend.stats(queue)).as("no task left, none dead-lettered").isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    @DisplayName("settle-and-pop over two nodes, one down: the healthy node's acks stand and its tasks are delivered,"
            + " the dead node's receipts come back to be settled later")
    void settleAndPopWithOneNodeDown() {
        DeliveryOptions options = DeliveryOptions.leased(Duration.ofSeconds(30), 1);
        List<Delivery> first = new ArrayList<>();
        for (int round = 0; round < 10 && first.size() < ON_HEALTHY + ON_DOOMED; round++) {
            first.addAll(backend.pop(queue, ON_HEALTHY + ON_DOOMED - first.size(), options));
        }
        assertThat(texts(first)).containsExactlyInAnyOrderElementsOf(expected());
        push(healthy, "healthy-later", ON_HEALTHY);
        BackendLeases leases = backend.leaseRole().orElseThrow();
        doomed.goDownAt("*", 1);

        SettledPop settled = leases.ackAndPop(backend, queue, receipts(first), 10, options);

        assertThat(doomed.isDown()).isTrue();
        assertThat(settled.ackFailure()).as("the dead node's receipts are named").isNotNull();
        List<Receipt> unsettled = settled.ackFailure().unsettled();
        assertThat(unsettled).hasSize(ON_DOOMED);
        assertThat(settled.acked().settled()).as("the healthy node's acks stand").isEqualTo(ON_HEALTHY);
        assertThat(texts(settled.deliveries())).as("the healthy node's next tasks are delivered")
                .containsExactlyInAnyOrderElementsOf(texts("healthy-later", ON_HEALTHY));

        doomed.comeBack();
        List<Receipt> rest = new ArrayList<>(unsettled);
        rest.addAll(receipts(settled.deliveries()));
        assertThat(ackOnceTheNodeAnswers(leases, rest)).isEqualTo(rest.size());
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    /** Acks, retrying while the driver has not yet seen the node come back; returns how many were settled. */
    private long ackOnceTheNodeAnswers(BackendLeases leases, List<Receipt> receipts) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                return leases.ack(queue, receipts).settled();
            } catch (RuntimeException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                sleep(Duration.ofMillis(200));
            }
        }
    }

    private List<Delivery> popAllLeft(DeliveryOptions options) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                List<Delivery> all = new ArrayList<>();
                for (int node = 0; node < 2; node++) {
                    all.addAll(backend.pop(queue, 100, options));
                }
                return all;
            } catch (RuntimeException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                sleep(Duration.ofMillis(200));
            }
        }
    }

    private void push(InProcessMongo node, String prefix, int count) {
        try (MongoBackend one = MongoBackend.connect(node.uri(), "sergeant", Clock.systemUTC())) {
            List<byte[]> items = new ArrayList<>();
            for (String text : texts(prefix, count)) {
                items.add(text.getBytes(StandardCharsets.UTF_8));
            }
            one.push(queue, items, Priority.NORMAL, null);
        }
    }

    private static List<String> expected() {
        List<String> all = new ArrayList<>(texts("healthy", ON_HEALTHY));
        all.addAll(texts("doomed", ON_DOOMED));
        return all;
    }

    private static List<String> texts(String prefix, int count) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            texts.add(prefix + "-" + i);
        }
        return texts;
    }

    private static List<String> texts(List<Delivery> deliveries) {
        return deliveries.stream().map(d -> new String(d.payload(), StandardCharsets.UTF_8)).toList();
    }

    private static List<Receipt> receipts(List<Delivery> deliveries) {
        return deliveries.stream().map(Delivery::receipt).toList();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
