package io.sergeant.testkit.backend;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.backend.BackendRole;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import io.sergeant.spi.backend.SettledPop;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The lease role ({@link io.sergeant.spi.backend.BackendLeases}), with the dead-letter role it feeds:
 * receipts, ack, extend, release, reap, and the stats they change.
 *
 * <p>Run as a {@code @Nested} class of {@link BackendCompatibilitySuite}; see {@link RoleScenarios}.
 */
abstract class LeaseScenarios extends RoleScenarios {

    LeaseScenarios(BackendCompatibilitySuite suite) {
        super(suite);
    }

    @BeforeEach
    void requireTheRole() {
        assumeRoles(BackendRole.LEASES, BackendRole.DEAD_LETTERS);
    }

    @Test
    @DisplayName("a leased pop hands out receipts with unique tokens and delivery count 1, and counts in flight")
    void leasedPopReceipts() {
        String queue = name("q");
        backend.push(queue, encode(texts("t", 5)), Priority.NORMAL, null);
        List<Delivery> popped = backend.pop(queue, 5, LONG_LEASE);
        assertThat(popped).hasSize(5).allMatch(Delivery::leased);
        assertThat(popped).extracting(d -> d.receipt().deliveryCount()).containsOnly(1);
        assertThat(popped).extracting(d -> d.receipt().token()).doesNotHaveDuplicates();
        assertThat(popped).extracting(d -> d.receipt().id()).doesNotHaveDuplicates();
        assertThat(backend.length(queue, true)).as("leased tasks are not in the queue").isZero();
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 5, 0));
        assertThat(leases.reap(queue, 10)).as("nothing expired").isEqualTo(ReapResult.NONE);
    }

    @Test
    @DisplayName("an ack removes tasks for good; a second ack of the same receipt is refused")
    void ackRemovesForGood() {
        String queue = name("q");
        backend.push(queue, encode(texts("t", 3)), Priority.NORMAL, null);
        List<Delivery> popped = backend.pop(queue, 3, DeliveryOptions.leased(shortLease(), 10));
        assertThat(leases.ack(queue, receipts(popped))).isEqualTo(SettleResult.all(3));
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));

        SettleResult again = leases.ack(queue, receipts(popped.subList(0, 1)));
        assertThat(again.settled()).isZero();
        assertThat(again.refused()).containsExactly(popped.get(0).receipt());

        backend.push(queue, encode(texts("twice", 1)), Priority.NORMAL, null);
        Delivery one = backend.pop(queue, 1, LONG_LEASE).get(0);
        SettleResult doubled = leases.ack(queue, List.of(one.receipt(), one.receipt()));
        assertThat(doubled.settled()).as("a receipt listed twice settles once").isEqualTo(1);
        assertThat(doubled.refused()).containsExactly(one.receipt());

        sleepPast(shortLease());
        assertThat(leases.reap(queue, 10)).as("acked tasks never come back").isEqualTo(ReapResult.NONE);
        assertThat(backend.pop(queue, 10, LONG_LEASE)).isEmpty();
    }

    @Test
    @DisplayName("settle-and-pop acks the previous receipts and leases the next tasks in one call; acked tasks never come back")
    void ackAndPopSettlesThenLeases() {
        String queue = name("q");
        List<String> pushed = texts("t", 7);
        List<Delivery> first = pushAndLease(queue, pushed, 3);

        SettledPop next = leases.ackAndPop(backend, queue, receipts(first), 3, LONG_LEASE);
        assertThat(next.acked()).isEqualTo(SettleResult.all(3));
        assertThat(next.deliveries()).hasSize(3).allMatch(Delivery::leased);
        assertThat(next.deliveries()).extracting(d -> d.receipt().deliveryCount()).containsOnly(1);
        List<String> seen = new ArrayList<>();
        first.forEach(d -> seen.add(text(d.payload())));
        next.deliveries().forEach(d -> seen.add(text(d.payload())));
        assertThat(seen).as("no task handed out twice").doesNotHaveDuplicates();
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(1, 0, 3, 0));

        SettledPop stale = leases.ackAndPop(backend, queue, receipts(first), 10, LONG_LEASE);
        assertThat(stale.acked().settled()).isZero();
        assertThat(stale.acked().refused()).containsExactlyInAnyOrderElementsOf(receipts(first));
        assertThat(stale.deliveries()).hasSize(1);
        stale.deliveries().forEach(d -> seen.add(text(d.payload())));
        assertThat(seen).containsExactlyInAnyOrderElementsOf(pushed);

        List<Receipt> rest = new ArrayList<>(receipts(next.deliveries()));
        rest.addAll(receipts(stale.deliveries()));
        SettledPop last = leases.ackAndPop(backend, queue, rest, 10, LONG_LEASE);
        assertThat(last.acked()).isEqualTo(SettleResult.all(4));
        assertThat(last.deliveries()).isEmpty();
        assertThat(leases.ackAndPop(backend, queue, List.of(), 0, LONG_LEASE))
                .isEqualTo(new SettledPop(SettleResult.all(0), List.of()));
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    @DisplayName("settle-and-pop refuses unleased options; a failed call loses nothing: every task is acked once or comes back")
    void failedAckAndPopLosesNothing() {
        String queue = name("q");
        List<String> pushed = texts("t", 4);
        List<Delivery> first = pushAndLease(queue, pushed, 2);
        assertThatThrownBy(() -> leases.ackAndPop(backend, queue, receipts(first), 2, DeliveryOptions.AT_MOST_ONCE))
                .isInstanceOf(IllegalArgumentException.class);

        // A closed backend fails the call (a backend that still answers once closed just does it).
        backend.close();
        SettledPop done = null;
        try {
            done = leases.ackAndPop(backend, queue, receipts(first), 2, DeliveryOptions.leased(shortLease(), 10));
        } catch (RuntimeException expected) {
            // nothing acked, nothing handed out
        }
        reopenBackend();

        SettleResult acked = leases.ack(queue, receipts(first));
        int ackedBefore = done == null ? 0 : done.acked().settled();
        assertThat(ackedBefore + acked.settled()).as("each receipt acked once, by the failed call or after it").isEqualTo(2);
        sleepPast(shortLease());
        leases.reap(queue, 10);
        List<String> rest = new ArrayList<>();
        for (Delivery delivery : backend.pop(queue, 10, LONG_LEASE)) {
            rest.add(text(delivery.payload()));
        }
        List<String> expected = new ArrayList<>(pushed);
        first.forEach(d -> expected.remove(text(d.payload())));
        assertThat(rest).as("the tasks not acked are all still there").containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    @DisplayName("an expired lease is redelivered after reap with delivery count + 1 and the same payload")
    void expiredLeaseIsRedelivered() {
        String queue = name("q");
        backend.push(queue, List.of(bytes("lost")), Priority.NORMAL, null);
        List<Delivery> first = backend.pop(queue, 1, DeliveryOptions.leased(shortLease(), 5));
        assertThat(first).hasSize(1);

        ReapResult reaped = await("the lease to expire and be reaped",
                () -> leases.reap(queue, 5), r -> !r.equals(ReapResult.NONE));
        assertThat(reaped).isEqualTo(new ReapResult(1, 0));
        assertThat(leases.reap(queue, 5)).as("a second reap does nothing").isEqualTo(ReapResult.NONE);
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(1, 0, 0, 0));

        List<Delivery> second = backend.pop(queue, 1, LONG_LEASE);
        assertThat(second).hasSize(1);
        assertThat(text(second.get(0).payload())).isEqualTo("lost");
        assertThat(second.get(0).receipt().deliveryCount()).isEqualTo(2);
        assertThat(second.get(0).receipt().token()).isNotEqualTo(first.get(0).receipt().token());
        assertThat(leases.ack(queue, receipts(second))).isEqualTo(SettleResult.all(1));
    }

    @Test
    @DisplayName("a stale receipt (lease expired and re-leased) is refused; the new one is accepted")
    void staleReceiptIsRefused() {
        String queue = name("q");
        List<Delivery> both = leaseReapedAndLeasedAgain(queue, "contended");
        Delivery old = both.get(0);
        Delivery fresh = both.get(1);

        SettleResult extended = leases.extend(queue, List.of(old.receipt()), Duration.ofSeconds(60));
        assertThat(extended.settled()).isZero();
        assertThat(extended.refused()).containsExactly(old.receipt());
        assertThat(leases.release(queue, List.of(old.receipt())).refused()).containsExactly(old.receipt());
        assertThat(deadLetters.deadLetter(queue, old, "stale")).as("dead-lettering with a stale receipt").isFalse();
        SettleResult staleAck = leases.ack(queue, List.of(old.receipt()));
        assertThat(staleAck.settled()).isZero();
        assertThat(staleAck.refused()).containsExactly(old.receipt());
        assertThat(backend.stats(queue).inFlight()).as("the stale ack did not remove the new lease").isEqualTo(1);

        SettleResult mixed = leases.ack(queue, List.of(old.receipt(), fresh.receipt()));
        assertThat(mixed.settled()).isEqualTo(1);
        assertThat(mixed.refused()).containsExactly(old.receipt());
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    @DisplayName("a lease that keeps being extended is not redelivered")
    void extendedLeaseIsNotRedelivered() {
        String queue = name("q");
        backend.push(queue, List.of(bytes("long-running")), Priority.NORMAL, null);
        Duration lease = shortLease().multipliedBy(2);
        Delivery running = backend.pop(queue, 1, DeliveryOptions.leased(lease, 5)).get(0);

        long until = System.nanoTime() + shortLease().multipliedBy(3).toNanos();
        while (System.nanoTime() < until) {
            assertThat(leases.extend(queue, List.of(running.receipt()), lease)).isEqualTo(SettleResult.all(1));
            assertThat(leases.reap(queue, 5)).isEqualTo(ReapResult.NONE);
            assertThat(backend.pop(queue, 1, LONG_LEASE)).isEmpty();
            sleep(shortLease().dividedBy(4));
        }
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 1, 0));
        assertThat(leases.ack(queue, List.of(running.receipt()))).isEqualTo(SettleResult.all(1));
    }

    @Test
    @DisplayName("release hands tasks back at once, ahead of NORMAL tasks, and the old receipt is then stale")
    void releaseHandsBackAtOnce() {
        String queue = name("q");
        backend.push(queue, encode(List.of("a", "b", "c")), Priority.NORMAL, null);
        List<Delivery> first = backend.pop(queue, 1, LONG_LEASE);
        assertThat(first).extracting(d -> text(d.payload())).containsExactly("a");

        assertThat(leases.release(queue, receipts(first))).isEqualTo(SettleResult.all(1));
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(3, 0, 0, 0));
        assertThat(leases.ack(queue, receipts(first)).refused()).containsExactly(first.get(0).receipt());

        List<Delivery> again = backend.pop(queue, 3, LONG_LEASE);
        assertThat(again).hasSize(3);
        if (singleNode()) {
            assertThat(again).extracting(d -> text(d.payload())).containsExactly("a", "b", "c");
        }
        Delivery a = again.stream().filter(d -> text(d.payload()).equals("a")).findFirst().orElseThrow();
        assertThat(a.receipt().deliveryCount()).as("the count is kept: this is the second delivery").isEqualTo(2);
        assertThat(leases.ack(queue, receipts(again))).isEqualTo(SettleResult.all(3));
    }

    @Test
    @DisplayName("a graceful hand-back does not count as a delivery: handed back again and again, a task with"
            + " maxDeliveries 1 is never dead-lettered and keeps its count")
    void handBackIsNotADelivery() {
        String queue = name("q");
        backend.push(queue, encode(List.of("a", "b")), Priority.NORMAL, null);
        DeliveryOptions once = DeliveryOptions.leased(Duration.ofSeconds(60), 1);
        for (int round = 0; round < 3; round++) {
            List<Delivery> popped = backend.pop(queue, 2, once);
            assertThat(popped).as("round %d", round).extracting(d -> text(d.payload())).containsExactlyInAnyOrder("a", "b");
            assertThat(popped).extracting(d -> d.receipt().deliveryCount()).as("round %d", round).containsOnly(1);
            assertThat(leases.handBack(queue, receipts(popped))).isEqualTo(SettleResult.all(2));
            assertThat(leases.handBack(queue, receipts(popped)).refused()).as("a receipt handed back is stale")
                    .hasSize(2);
        }
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(2, 0, 0, 0));

        // A lost delivery (release) counts; a hand-back after it keeps that count.
        List<Delivery> both = backend.pop(queue, 2, LONG_LEASE);
        assertThat(both).hasSize(2);
        Delivery a = both.stream().filter(d -> text(d.payload()).equals("a")).findFirst().orElseThrow();
        List<Delivery> b = both.stream().filter(d -> d != a).toList();
        assertThat(leases.release(queue, List.of(a.receipt()))).isEqualTo(SettleResult.all(1));
        Delivery again = backend.pop(queue, 1, LONG_LEASE).get(0);
        assertThat(again.receipt().deliveryCount()).as("after a release").isEqualTo(2);
        assertThat(leases.handBack(queue, List.of(again.receipt()))).isEqualTo(SettleResult.all(1));
        Delivery third = backend.pop(queue, 1, LONG_LEASE).get(0);
        assertThat(text(third.payload())).isEqualTo("a");
        assertThat(third.receipt().deliveryCount()).as("a hand-back kept the count of the release").isEqualTo(2);
        assertThat(leases.ack(queue, List.of(third.receipt()))).isEqualTo(SettleResult.all(1));
        assertThat(leases.ack(queue, receipts(b))).isEqualTo(SettleResult.all(b.size()));
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
        assertThat(deadLetters.deadLetters(queue, 10)).isEmpty();
    }

    @Test
    @DisplayName("a task handed back after its lease expired and was reaped keeps the reaped count")
    void handBackAfterReapKeepsTheCount() {
        String queue = name("q");
        Delivery second = leaseReapedAndLeasedAgain(queue, "slow").get(1);
        assertThat(second.receipt().deliveryCount()).isEqualTo(2);
        assertThat(leases.handBack(queue, List.of(second.receipt()))).isEqualTo(SettleResult.all(1));
        List<Delivery> third = backend.pop(queue, 1, DeliveryOptions.leased(Duration.ofSeconds(60), 2));
        assertThat(third).as("delivered again, not dead-lettered: the hand-back did not count").hasSize(1);
        assertThat(third.get(0).receipt().deliveryCount()).isEqualTo(2);
        assertThat(leases.ack(queue, receipts(third))).isEqualTo(SettleResult.all(1));
        assertThat(deadLetters.deadLetters(queue, 10)).isEmpty();
    }

    @Test
    @DisplayName("an expired lease that reached maxDeliveries is dead-lettered by reap, payload intact")
    void reapDeadLettersAtMaxDeliveries() {
        String queue = name("q");
        backend.push(queue, List.of(bytes("poison")), Priority.NORMAL, null);
        Delivery delivery = backend.pop(queue, 1, DeliveryOptions.leased(shortLease(), 1)).get(0);
        assertThat(delivery.receipt().deliveryCount()).isEqualTo(1);

        ReapResult reaped = await("the lease to expire and be reaped",
                () -> leases.reap(queue, 1), r -> !r.equals(ReapResult.NONE));
        assertThat(reaped).isEqualTo(new ReapResult(0, 1));
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 1));
        assertThat(backend.pop(queue, 10, LONG_LEASE)).isEmpty();

        List<DeadLetter> dead = deadLetters.deadLetters(queue, 10);
        assertThat(dead).hasSize(1);
        assertThat(text(dead.get(0).payload())).isEqualTo("poison");
        assertThat(dead.get(0).deliveryCount()).isEqualTo(1);
        assertThat(dead.get(0).reason()).isNotBlank();
        assertThat(leases.ack(queue, List.of(delivery.receipt())).refused()).containsExactly(delivery.receipt());
    }

    @Test
    @DisplayName("a pop dead-letters a task whose delivery count would pass maxDeliveries instead of returning it")
    void popDeadLettersPastMaxDeliveries() {
        String queue = name("q");
        backend.push(queue, encode(List.of("poison", "fine")), Priority.NORMAL, null);
        List<Delivery> first = backend.pop(queue, 1, LONG_LEASE);
        assertThat(leases.release(queue, receipts(first)).settled()).isEqualTo(1);

        List<Delivery> popped = backend.pop(queue, 10, DeliveryOptions.leased(Duration.ofSeconds(60), 1));
        assertThat(popped).extracting(d -> text(d.payload())).containsExactly("fine");
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 1, 1));
        List<DeadLetter> dead = deadLetters.deadLetters(queue, 10);
        assertThat(dead).hasSize(1);
        assertThat(text(dead.get(0).payload())).isEqualTo("poison");
        assertThat(dead.get(0).deliveryCount()).as("delivered once before").isEqualTo(1);
        assertThat(dead.get(0).reason()).isNotBlank();
        assertThat(leases.ack(queue, receipts(popped))).isEqualTo(SettleResult.all(1));
    }

    @Test
    @DisplayName("settling an empty list of receipts does nothing")
    void settleEmpty() {
        String queue = name("q");
        assertThat(leases.ack(queue, List.of())).isEqualTo(SettleResult.all(0));
        assertThat(leases.extend(queue, List.of(), Duration.ofSeconds(5))).isEqualTo(SettleResult.all(0));
        assertThat(leases.release(queue, List.of())).isEqualTo(SettleResult.all(0));
    }

    @Test
    @DisplayName("purge deletes ready and delayed tasks, but not in-flight ones nor dead letters")
    void purge() {
        String queue = name("q");
        assertThat(backend.purge(queue)).as("purge of an empty queue").isFalse();
        backend.push(queue, encode(texts("t", 4)), Priority.NORMAL, null);
        backend.push(queue, encode(texts("later", 2)), Priority.NORMAL, Instant.now().plusSeconds(3600));
        List<Delivery> leased = backend.pop(queue, 1, LONG_LEASE);
        List<Delivery> dead = backend.pop(queue, 1, LONG_LEASE);
        assertThat(deadLetters.deadLetter(queue, dead.get(0), "poison")).isTrue();

        assertThat(backend.purge(queue)).isTrue();
        assertThat(backend.length(queue, true)).isZero();
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 1, 1));
        assertThat(backend.purge(queue)).isFalse();
        assertThat(leases.ack(queue, receipts(leased)).settled()).as("in-flight task survives purge").isEqualTo(1);
        assertThat(deadLetters.deadLetters(queue, 10)).hasSize(1);
        assertThat(deadLetters.purgeDeadLetters(queue)).isEqualTo(1);
    }

    // ---------------------------------------------------------------- priorities and delays

    @Test
    @DisplayName("stats count ready, delayed, in-flight and dead-letter tasks")
    void statsCounts() {
        String queue = name("q");
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
        backend.push(queue, encode(texts("t", 5)), Priority.NORMAL, null);
        backend.push(queue, encode(texts("h", 1)), Priority.HIGH, null);
        backend.push(queue, encode(texts("later", 2)), Priority.NORMAL, Instant.now().plusSeconds(3600));
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(6, 2, 0, 0));

        List<Delivery> popped = backend.pop(queue, 3, LONG_LEASE);
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(3, 2, 3, 0));
        assertThat(deadLetters.deadLetter(queue, popped.get(0), "poison")).isTrue();
        assertThat(leases.ack(queue, receipts(popped.subList(1, 2))).settled()).isEqualTo(1);
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(3, 2, 1, 1));
        assertThat(backend.pop(queue, 10, DeliveryOptions.AT_MOST_ONCE)).hasSize(3);
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 2, 1, 1));
    }

    /** Pushes the texts and leases the first {@code n} of them for {@link #LONG_LEASE}. */
    private List<Delivery> pushAndLease(String queue, List<String> texts, int n) {
        backend.push(queue, encode(texts), Priority.NORMAL, null);
        List<Delivery> leased = backend.pop(queue, n, LONG_LEASE);
        assertThat(leased).hasSize(n);
        return leased;
    }

    /**
     * Pushes one task, leases it for {@link #shortLease()}, waits until reap puts it back and leases it
     * again for {@link #LONG_LEASE}; returns the first and the second delivery.
     */
    private List<Delivery> leaseReapedAndLeasedAgain(String queue, String payload) {
        backend.push(queue, List.of(bytes(payload)), Priority.NORMAL, null);
        Delivery first = backend.pop(queue, 1, DeliveryOptions.leased(shortLease(), 5)).get(0);
        await("the lease to expire and be reaped", () -> leases.reap(queue, 5), r -> r.redelivered() == 1);
        Delivery second = backend.pop(queue, 1, LONG_LEASE).get(0);
        return List.of(first, second);
    }
}
