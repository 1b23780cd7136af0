package io.sergeant.testkit.backend;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.backend.BackendRole;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.QueuedItem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The monitoring role ({@link io.sergeant.spi.backend.BackendMonitoring}): queue listing and the worker
 * registry.
 *
 * <p>Run as a {@code @Nested} class of {@link BackendCompatibilitySuite}; see {@link RoleScenarios}.
 */
abstract class MonitoringScenarios extends RoleScenarios {

    MonitoringScenarios(BackendCompatibilitySuite suite) {
        super(suite);
    }

    @BeforeEach
    void requireTheRole() {
        assumeRoles(BackendRole.MONITORING);
    }

    @Test
    @DisplayName("queues() names every queue with ready or delayed tasks, sorted and without duplicates, and forgets a purged one")
    void queuesListsQueuesWithTasks() {
        String ready = name("q-ready");
        String delayed = name("q-delayed");
        String untouched = name("q-untouched");
        backend.push(ready, encode(texts("t", 3)), Priority.NORMAL, null);
        backend.push(ready, encode(texts("h", 1)), Priority.HIGH, null);
        backend.push(delayed, encode(texts("later", 2)), Priority.NORMAL, Instant.now().plusSeconds(3600));

        List<String> queues = monitoring.queues();
        assertThat(queues).contains(ready, delayed).doesNotContain(untouched);
        assertThat(queues).isSorted().doesNotHaveDuplicates();

        assertThat(backend.purge(ready)).isTrue();
        assertThat(backend.purge(delayed)).isTrue();
        assertThat(monitoring.queues()).doesNotContain(ready, delayed);
    }

    @Test
    @DisplayName("queues() also names a queue whose only tasks are in flight or dead letters")
    void queuesListsInFlightAndDeadLetterQueues() {
        assumeRoles(BackendRole.LEASES, BackendRole.DEAD_LETTERS);
        String inFlight = name("q-inflight");
        String dead = name("q-dead");
        backend.push(inFlight, List.of(bytes("running")), Priority.NORMAL, null);
        assertThat(backend.pop(inFlight, 1, LONG_LEASE)).hasSize(1);
        backend.push(dead, List.of(bytes("poison")), Priority.NORMAL, null);
        Delivery poison = backend.pop(dead, 1, DeliveryOptions.AT_MOST_ONCE).get(0);
        assertThat(deadLetters.deadLetter(dead, poison, "poison")).isTrue();

        assertThat(monitoring.queues()).contains(inFlight, dead);
        assertThat(deadLetters.purgeDeadLetters(dead)).isEqualTo(1);
        assertThat(monitoring.queues()).doesNotContain(dead);
    }

    @Test
    @DisplayName("a heartbeat registers a worker's record byte for byte, and the next one replaces it")
    void heartbeatRegistersAndReplaces() {
        String id = name("worker");
        byte[] first = bytes(id + " first");
        byte[] second = bytes(id + " second");
        monitoring.heartbeat(id, first, Duration.ofSeconds(60));
        assertThat(recordsOf(id)).containsExactly(id + " first");

        monitoring.heartbeat(id, second, Duration.ofSeconds(60));
        assertThat(recordsOf(id)).containsExactly(id + " second");
        assertThat(monitoring.deregister(id)).isTrue();
    }

    @Test
    @DisplayName("deregister removes a worker at once, and only once; other workers stay")
    void deregisterRemovesAtOnce() {
        String a = name("worker-a");
        String b = name("worker-b");
        monitoring.heartbeat(a, bytes(a + " record"), Duration.ofSeconds(60));
        monitoring.heartbeat(b, bytes(b + " record"), Duration.ofSeconds(60));

        assertThat(monitoring.deregister(a)).isTrue();
        assertThat(recordsOf(a)).isEmpty();
        assertThat(recordsOf(b)).containsExactly(b + " record");
        assertThat(monitoring.deregister(a)).as("a second deregister").isFalse();
        assertThat(monitoring.deregister(name("never-registered"))).isFalse();
        assertThat(monitoring.deregister(b)).isTrue();
    }

    @Test
    @DisplayName("a worker whose heartbeats stop disappears when its TTL passes; a renewed one stays")
    void expiredWorkerDisappears() {
        String dying = name("worker-dying");
        String living = name("worker-living");
        monitoring.heartbeat(dying, bytes(dying + " record"), Duration.ofSeconds(1));
        monitoring.heartbeat(living, bytes(living + " record"), Duration.ofSeconds(60));
        assertThat(recordsOf(dying)).hasSize(1);

        await("the dying worker's record to expire", () -> recordsOf(dying), List::isEmpty);
        assertThat(recordsOf(living)).containsExactly(living + " record");
        assertThat(monitoring.deregister(dying)).as("deregister after expiry").isFalse();
        assertThat(monitoring.deregister(living)).isTrue();
    }

    /** The texts of the registry's records that belong to worker {@code id} (records made by {@link #bytes}). */
    private List<String> recordsOf(String id) {
        List<String> mine = new ArrayList<>();
        for (byte[] record : monitoring.workers()) {
            String text = new String(record, StandardCharsets.UTF_8);
            if (text.startsWith(id + " ")) {
                mine.add(text(record));
            }
        }
        return mine;
    }

    @Test
    @DisplayName("peek lists waiting tasks byte for byte without taking them: ready ones in pop order, then delayed ones by due time; never leased ones")
    void peekListsWaitingTasksInDeliveryOrder() {
        String queue = name("q-peek");
        assertThat(optional("peek", () -> monitoring.peek(queue, 10))).as("an empty queue").isEmpty();
        if (backend.leaseRole().isPresent()) {
            backend.push(queue, List.of(bytes("running")), Priority.NORMAL, null);
            assertThat(backend.pop(queue, 1, LONG_LEASE)).hasSize(1);
        }
        backend.push(queue, encode(List.of("n1", "n2", "n3")), Priority.NORMAL, null);
        backend.push(queue, encode(List.of("h1")), Priority.HIGH, null);
        Instant soon = Instant.now().plusSeconds(3600);
        Instant later = soon.plusSeconds(3600);
        backend.push(queue, encode(List.of("later")), Priority.NORMAL, later);
        backend.push(queue, encode(List.of("soon")), Priority.NORMAL, soon);
        QueueStats before = backend.stats(queue);

        List<QueuedItem> waiting = monitoring.peek(queue, 100);

        assertThat(waiting).extracting(item -> text(item.payload()))
                .containsExactlyInAnyOrder("n1", "n2", "n3", "h1", "soon", "later");
        assertThat(waiting).filteredOn(item -> text(item.payload()).equals("h1")).singleElement()
                .satisfies(item -> assertThat(item.payload()).as("byte for byte").isEqualTo(bytes("h1")));
        assertThat(waiting).filteredOn(item -> item.dueAt() == null).as("ready tasks have no due time")
                .extracting(item -> text(item.payload())).containsExactlyInAnyOrder("n1", "n2", "n3", "h1");
        assertThat(dueAt(waiting, "soon")).isCloseTo(soon, within(2, ChronoUnit.SECONDS));
        assertThat(dueAt(waiting, "later")).isCloseTo(later, within(2, ChronoUnit.SECONDS));
        assertThat(monitoring.peek(queue, 2)).as("the limit").hasSize(2);
        assertThat(backend.stats(queue)).as("nothing taken or leased").isEqualTo(before);
        if (!singleNode()) {
            return;
        }
        List<String> order = waiting.stream().map(item -> text(item.payload())).toList();
        assertThat(order.subList(4, 6)).as("ready first, then delayed by due time").containsExactly("soon", "later");
        assertThat(monitoring.peek(queue, 2)).extracting(item -> text(item.payload())).containsExactlyElementsOf(order.subList(0, 2));
        assertThat(popTexts(queue, 4, DeliveryMode.AT_MOST_ONCE)).as("a pop delivers what peek showed, in its order")
                .containsExactlyElementsOf(order.subList(0, 4));
    }

    @Test
    @DisplayName("a bounded peek lists the same tasks, returning only payloads within its cap, until its budget is spent, the others by size")
    void boundedPeekReturnsOnlyPayloadsWithinItsCapAndBudget() {
        String queue = name("q-peek-bounded");
        if (backend.leaseRole().isPresent()) {
            backend.push(queue, List.of(bytes("running")), Priority.NORMAL, null);
            assertThat(backend.pop(queue, 1, LONG_LEASE)).hasSize(1);
        }
        // Each payload is told by its length: under the cap, over it, two that pass the budget together, a small one.
        for (int length : List.of(100, 5_000, 600, 601, 50)) {
            backend.push(queue, List.of(bytes("x".repeat(length))), Priority.NORMAL, null);
        }
        backend.push(queue, List.of(bytes("d".repeat(10))), Priority.NORMAL, Instant.now().plusSeconds(3600));
        long cap = 1_000 + bytes("").length;
        long budget = 1_000 + 2L * bytes("").length;
        QueueStats before = backend.stats(queue);

        List<QueuedItem> all = monitoring.peek(queue, 100);
        List<QueuedItem> bounded = optional("bounded peek", () -> monitoring.peek(queue, 100, cap, budget));
        List<QueuedItem> sizesOnly = monitoring.peek(queue, 100, 0, budget);

        assertThat(bounded).as("the same tasks").extracting(QueuedItem::payloadBytes)
                .containsExactlyInAnyOrderElementsOf(all.stream().map(QueuedItem::payloadBytes).toList());
        assertThat(bounded).filteredOn(QueuedItem::loaded).as("payloads returned byte for byte, within the cap")
                .allSatisfy(item -> {
                    assertThat(item.payloadBytes()).isLessThanOrEqualTo(cap).isEqualTo(item.payload().length);
                    assertThat(text(item.payload())).matches("x*|d*");
                });
        assertThat(bounded.stream().filter(QueuedItem::loaded).mapToLong(QueuedItem::payloadBytes).sum())
                .as("within the budget").isLessThanOrEqualTo(budget);
        assertThat(bounded).filteredOn(item -> item.payloadBytes() > cap).as("over the cap: by size only")
                .singleElement().satisfies(item -> assertThat(item.loaded()).isFalse());
        assertThat(sizesOnly).as("a cap of 0 returns no payload").hasSameSizeAs(all).noneMatch(QueuedItem::loaded);
        assertThat(monitoring.peek(queue, 3, cap, budget)).as("the limit").hasSize(3);
        assertThat(backend.stats(queue)).as("nothing taken or leased").isEqualTo(before);
        if (!singleNode()) {
            return;
        }
        assertThat(bounded).as("in the same order, the payloads the rule returns")
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactlyElementsOf(QueuedItem.bounded(all, cap, budget));
        assertThat(bounded.stream().filter(QueuedItem::loaded).count()).as("some payloads returned, not all under the cap")
                .isBetween(1L, 4L);
    }

    @Test
    @DisplayName("a bounded peek fetches from the store no payload it does not return")
    void boundedPeekFetchesOnlyThePayloadsItReturns() {
        assumeTrue(bytesServed() >= 0, () -> "bytesServed() is not overridden for " + backend
                + ": cannot measure what a listing fetches");
        String queue = name("q-peek-bytes");
        int size = 2 << 20;
        for (int i = 0; i < 3; i++) {
            byte[] payload = new byte[size];
            new java.util.Random(i).nextBytes(payload); // incompressible, so no transport shrinks it
            backend.push(queue, List.of(payload), Priority.NORMAL, null);
        }
        backend.push(queue, List.of(bytes("small")), Priority.NORMAL, null);
        // A backend of its own, so no client-side cache holds what was just stored.
        try (Backend fresh = openAnotherBackend()) {
            BackendMonitoring listing = fresh.monitoringRole().orElseThrow();
            listing.peek(name("empty"), 10, 1 << 20, 16 << 20); // loads the classes a first listing needs
            listing.peek(name("empty"), 10);

            long before = bytesServed();
            List<QueuedItem> bounded = listing.peek(queue, 10, 1 << 20, 16 << 20);
            long boundedCost = bytesServed() - before;
            before = bytesServed();
            List<QueuedItem> whole = listing.peek(queue, 10);
            long wholeCost = bytesServed() - before;

            assertThat(bounded).hasSize(4);
            assertThat(bounded).filteredOn(QueuedItem::loaded).singleElement()
                    .satisfies(item -> assertThat(text(item.payload())).isEqualTo("small"));
            assertThat(bounded).filteredOn(item -> !item.loaded()).hasSize(3)
                    .allSatisfy(item -> assertThat(item.payloadBytes()).isEqualTo(size));
            assertThat(whole).hasSize(4).allSatisfy(item -> assertThat(item.loaded()).isTrue());
            assertThat(wholeCost).as("bytes fetched by the unbounded peek of 3 payloads of %d bytes: the measure sees"
                    + " payloads", size).isGreaterThanOrEqualTo(3L * size);
            assertThat(boundedCost).as("bytes fetched by the bounded peek (cap 1 MiB) of 3 payloads of %d bytes and a"
                    + " small one", size).isLessThan(size / 4);
        }
    }

    private static Instant dueAt(List<QueuedItem> items, String text) {
        return items.stream().filter(item -> text(item.payload()).equals(text)).findFirst().orElseThrow().dueAt();
    }
}
