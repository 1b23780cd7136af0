package io.sergeant.testkit.backend;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.DeadLetterInfo;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.backend.BackendRole;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dead-letter role ({@link io.sergeant.spi.backend.BackendDeadLetters}); the tests that dead-letter a
 * leased delivery need the lease role too.
 *
 * <p>Run as a {@code @Nested} class of {@link BackendCompatibilitySuite}; see {@link RoleScenarios}.
 */
abstract class DeadLetterScenarios extends RoleScenarios {

    DeadLetterScenarios(BackendCompatibilitySuite suite) {
        super(suite);
    }

    @BeforeEach
    void requireTheRole() {
        assumeRoles(BackendRole.DEAD_LETTERS);
    }

    @Test
    @DisplayName("deadLetter stores a leased delivery with its reason and ends its lease")
    void deadLetterLeasedDelivery() {
        assumeRoles(BackendRole.LEASES);
        String queue = name("q");
        backend.push(queue, encode(List.of("bad", "good")), Priority.NORMAL, null);
        List<Delivery> popped = backend.pop(queue, 2, LONG_LEASE);
        Delivery bad = popped.stream().filter(d -> text(d.payload()).equals("bad")).findFirst().orElseThrow();

        assertThat(deadLetters.deadLetter(queue, bad, "undecodable: MALFORMED_PAYLOAD")).isTrue();
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 1, 1));
        assertThat(deadLetters.deadLetter(queue, bad, "twice")).as("a second dead-lettering").isFalse();
        assertThat(leases.ack(queue, List.of(bad.receipt())).refused()).containsExactly(bad.receipt());

        DeadLetter dead = deadLetters.deadLetters(queue, 10).get(0);
        assertThat(dead.reason()).isEqualTo("undecodable: MALFORMED_PAYLOAD");
        assertThat(text(dead.payload())).isEqualTo("bad");
        assertThat(dead.deliveryCount()).isEqualTo(1);
        assertThat(dead.id()).isNotBlank();
        assertThat(dead.deadAt()).isCloseTo(Instant.now().toEpochMilli() / 1000.0, org.assertj.core.data.Offset.offset(120.0));
    }

    @Test
    @DisplayName("deadLetter stores an unleased (at-most-once) delivery as given")
    void deadLetterUnleasedDelivery() {
        String queue = name("q");
        backend.push(queue, List.of(bytes("garbage")), Priority.NORMAL, null);
        Delivery popped = backend.pop(queue, 1, DeliveryOptions.AT_MOST_ONCE).get(0);
        assertThat(popped.leased()).isFalse();
        assertThat(deadLetters.deadLetter(queue, popped, "undecodable")).isTrue();
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 1));
        DeadLetter dead = deadLetters.deadLetters(queue, 10).get(0);
        assertThat(text(dead.payload())).isEqualTo("garbage");
        assertThat(dead.reason()).isEqualTo("undecodable");
    }

    @Test
    @DisplayName("dead letters are listed oldest first up to a limit, requeued as fresh NORMAL tasks, and purged")
    void deadLettersListRequeuePurge() {
        assumeRoles(BackendRole.LEASES);
        String queue = name("q");
        assertThat(deadLetters.deadLetters(queue, 10)).isEmpty();
        assertThat(deadLetters.requeueDeadLetters(queue)).isZero();
        assertThat(deadLetters.purgeDeadLetters(queue)).isZero();

        backend.push(queue, encode(List.of("d1", "d2", "d3", "d4")), Priority.NORMAL, null);
        for (int i = 0; i < 4; i++) {
            Delivery d = backend.pop(queue, 1, LONG_LEASE).get(0);
            assertThat(deadLetters.deadLetter(queue, d, "reason-" + text(d.payload()))).isTrue();
        }
        List<DeadLetter> firstTwo = deadLetters.deadLetters(queue, 2);
        assertThat(firstTwo).hasSize(2);
        List<DeadLetter> all = deadLetters.deadLetters(queue, 100);
        assertThat(all).hasSize(4);
        assertThat(all).extracting(DeadLetter::id).doesNotHaveDuplicates();
        assertThat(all).allSatisfy(d -> assertThat(d.reason()).isEqualTo("reason-" + text(d.payload())));
        if (singleNode()) {
            assertThat(all).extracting(d -> text(d.payload())).containsExactly("d1", "d2", "d3", "d4");
            assertThat(firstTwo).extracting(d -> text(d.payload())).containsExactly("d1", "d2");
        }

        assertThat(deadLetters.requeueDeadLetters(queue)).isEqualTo(4);
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(4, 0, 0, 0));
        List<Delivery> again = backend.pop(queue, 10, LONG_LEASE);
        assertThat(again).extracting(d -> text(d.payload())).containsExactlyInAnyOrder("d1", "d2", "d3", "d4");
        assertThat(again).extracting(d -> d.receipt().deliveryCount()).as("count reset").containsOnly(1);

        for (Delivery d : again) {
            assertThat(deadLetters.deadLetter(queue, d, "again")).isTrue();
        }
        assertThat(deadLetters.purgeDeadLetters(queue)).isEqualTo(4);
        assertThat(deadLetters.deadLetters(queue, 10)).isEmpty();
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    @DisplayName("one dead letter is requeued or deleted by its id, the others stay; an id that is not there (any more) is false")
    void oneDeadLetterIsRequeuedOrDeletedById() {
        assumeRoles(BackendRole.LEASES);
        String queue = name("q");
        String other = name("q-other");
        assertThat(optional("requeueDeadLetter", () -> deadLetters.requeueDeadLetter(queue, "no-such-id"))).isFalse();
        assertThat(optional("deleteDeadLetter", () -> deadLetters.deleteDeadLetter(queue, "no-such-id"))).isFalse();
        backend.push(queue, encode(List.of("d1", "d2", "d3")), Priority.NORMAL, null);
        for (int i = 0; i < 3; i++) {
            Delivery d = backend.pop(queue, 1, LONG_LEASE).get(0);
            assertThat(deadLetters.deadLetter(queue, d, "reason-" + text(d.payload()))).isTrue();
        }
        Map<String, String> ids = new HashMap<>();
        deadLetters.deadLetters(queue, 10).forEach(d -> ids.put(text(d.payload()), d.id()));
        assertThat(ids).containsOnlyKeys("d1", "d2", "d3");

        assertThat(deadLetters.requeueDeadLetter(other, ids.get("d1"))).as("another queue's id").isFalse();
        assertThat(deadLetters.deleteDeadLetter(other, ids.get("d1"))).as("another queue's id").isFalse();
        assertThat(deadLetters.requeueDeadLetter(queue, ids.get("d1"))).isTrue();
        assertThat(deadLetters.requeueDeadLetter(queue, ids.get("d1"))).as("already requeued").isFalse();
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(1, 0, 0, 2));
        assertThat(deadLetters.deleteDeadLetter(queue, ids.get("d2"))).isTrue();
        assertThat(deadLetters.deleteDeadLetter(queue, ids.get("d2"))).as("already deleted").isFalse();
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(1, 0, 0, 1));
        assertThat(deadLetters.deadLetters(queue, 10)).singleElement().satisfies(d -> {
            assertThat(text(d.payload())).isEqualTo("d3");
            assertThat(d.id()).isEqualTo(ids.get("d3"));
            assertThat(d.reason()).isEqualTo("reason-d3");
        });

        Delivery requeued = backend.pop(queue, 1, LONG_LEASE).get(0);
        assertThat(requeued.payload()).as("byte for byte").isEqualTo(bytes("d1"));
        assertThat(requeued.receipt().deliveryCount()).as("count reset").isEqualTo(1);
    }

    @Test
    @DisplayName("a listing fetches no payload it does not return: sizes only, or the payloads of the letters listed or named")
    void listingFetchesOnlyThePayloadsItReturns() {
        assumeTrue(bytesServed() >= 0, () -> "bytesServed() is not overridden for " + backend
                + ": cannot measure what a listing fetches");
        String queue = name("q");
        int size = 2 << 20;
        List<byte[]> payloads = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] payload = new byte[size];
            new java.util.Random(i).nextBytes(payload); // incompressible, so no transport shrinks it
            payloads.add(payload);
            assertThat(deadLetters.deadLetter(queue, new Delivery(payload, null), "big " + i)).isTrue();
        }
        // A backend of its own, so no client-side cache holds what was just stored.
        try (Backend fresh = openAnotherBackend()) {
            BackendDeadLetters listing = fresh.deadLetterRole().orElseThrow();
            listing.deadLetterInfos(name("empty"), 10); // loads the classes a first listing needs
            listing.deadLetters(name("empty"), 10);

            long before = bytesServed();
            List<DeadLetterInfo> infos = listing.deadLetterInfos(queue, 10);
            long sizesCost = bytesServed() - before;
            before = bytesServed();
            List<DeadLetter> one = listing.deadLetters(queue, 1);
            long oneCost = bytesServed() - before;
            String last = infos.get(2).id();
            before = bytesServed();
            List<DeadLetter> byId = listing.deadLettersById(queue, List.of("no-such-id", last));
            long byIdCost = bytesServed() - before;
            assertThat(listing.deadLettersById(name("other"), List.of(last))).as("another queue's id").isEmpty();

            assertThat(infos).hasSize(3).allSatisfy(info -> assertThat(info.payloadBytes()).isEqualTo(size));
            assertThat(one).hasSize(1);
            assertThat(payloads).anySatisfy(p -> assertThat(p).isEqualTo(one.get(0).payload()));
            assertThat(oneCost).as("bytes fetched to list one letter with its payload of %d bytes: the measure sees"
                    + " payloads", size).isGreaterThanOrEqualTo(size);
            assertThat(sizesCost).as("bytes fetched to list 3 letters of %d bytes each without payloads", size)
                    .isLessThan(size / 4);
            assertThat(oneCost).as("bytes fetched to list the oldest letter of 3 (%d bytes each): no other payload",
                    size).isLessThan(size + size / 2);
            assertThat(byId).singleElement().satisfies(letter -> {
                assertThat(letter.id()).isEqualTo(last);
                assertThat(letter.reason()).isEqualTo(infos.get(2).reason());
                assertThat(letter.payload()).hasSize(size);
            });
            assertThat(byIdCost).as("bytes fetched to read one letter by id (%d bytes)", size)
                    .isBetween((long) size, (long) size + size / 2);
        }
    }
}
