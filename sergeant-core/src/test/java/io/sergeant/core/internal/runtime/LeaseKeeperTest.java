package io.sergeant.core.internal.runtime;

import io.sergeant.api.Priority;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.observe.ListenerChain;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lease keeper's per-batch tracking, against a real SQLite backend: which positions of a popped batch
 * are extended, acked, handed back and forgotten, and (issue 13 §1) that a payload decoding past its
 * deadline is no longer extended.
 */
class LeaseKeeperTest {

    private static final String QUEUE = "leases";
    private static final Duration LEASE = Duration.ofMillis(600);
    private static final Duration LONG_LEASE = Duration.ofMinutes(5);

    @TempDir
    Path dir;

    private Backend backend;
    private BackendLeases leases;

    @BeforeEach
    void openBackend() {
        backend = Sergeant.create().registry().backends().forScheme("sqlite")
                .create(new BackendSpec("sqlite:" + dir.resolve("q.db"), Map.of()),
                        new PluginContext(DecodeLimits.DEFAULT, java.time.Clock.systemUTC(), getClass().getClassLoader()));
        leases = backend.leaseRole().orElseThrow();
    }

    @AfterEach
    void closeBackend() {
        backend.close();
    }

    @Test
    void aPayloadDecodingPastItsDeadlineIsNotExtendedAndComesBackWhileTheRestOfItsBatchStaysLeased() throws Exception {
        PoppedBatch batch = popBatch(3, LEASE);
        try (LeaseKeeper keeper = keeper(LEASE)) {
            keeper.hold(batch);
            batch.decoding(1, System.nanoTime() - 1);

            assertThat(keeper.extendable()).containsExactly(receipt(batch, 0), receipt(batch, 2));
            Thread.sleep(LEASE.toMillis() * 3);
            leases.reap(QUEUE, 5);
            List<Delivery> again = backend.pop(QUEUE, 3, DeliveryOptions.leased(LEASE, 5));
            assertThat(again).extracting(d -> d.payload()[0]).containsExactly((byte) 1);

            batch.decoded();
            // Its extension was refused once decoded: the lease is lost, so it is not extended again.
            awaitExtendable(keeper, List.of(receipt(batch, 0), receipt(batch, 2)));
        }
    }

    @Test
    void aPayloadDecodingWithinItsDeadlineIsExtended() {
        PoppedBatch batch = popBatch(2, LONG_LEASE);
        try (LeaseKeeper keeper = keeper(LONG_LEASE)) {
            keeper.hold(batch);
            batch.decoding(0, System.nanoTime() + Duration.ofMinutes(1).toNanos());

            assertThat(keeper.extendable()).containsExactly(receipt(batch, 0), receipt(batch, 1));
        }
    }

    @Test
    void aPartlySettledBatchAcksItsSettledPositionsInOrderAndKeepsExtendingTheOthers() {
        PoppedBatch batch = popBatch(5, LONG_LEASE);
        try (LeaseKeeper keeper = keeper(LONG_LEASE)) {
            Settlement settlement = settlement(keeper);
            keeper.hold(batch);
            settlement.settled(batch, 3);
            settlement.settled(batch, 0);

            // Settled but not yet taken for an ack: still extended.
            assertThat(keeper.extendable()).hasSize(5);
            settlement.flushAcks();

            assertThat(keeper.extendable()).containsExactly(receipt(batch, 1), receipt(batch, 2), receipt(batch, 4));
            assertThat(batch.open()).isEqualTo(3);
            assertThat(keeper.heldBatches()).containsExactly(batch);
            assertThat(leases.extend(QUEUE, List.of(receipt(batch, 1), receipt(batch, 2), receipt(batch, 4)), LONG_LEASE)
                    .refused()).as("still leased").isEmpty();
            assertThat(leases.extend(QUEUE, List.of(receipt(batch, 0), receipt(batch, 3)), LONG_LEASE).refused())
                    .as("acked already").hasSize(2);

            settlement.settled(batch, 1);
            settlement.settled(batch, 2);
            settlement.settled(batch, 4);
            settlement.flushAcks();

            assertThat(keeper.extendable()).isEmpty();
            assertThat(keeper.heldBatches()).as("a batch with no open position is forgotten").isEmpty();
            assertThat(leases.extend(QUEUE, batch.deliveries().stream().map(Delivery::receipt).toList(), LONG_LEASE)
                    .refused()).as("all acked").hasSize(5);
        }
    }

    @Test
    void onlyTheOpenPositionsOfABatchAreExtendedPastTheirLease() throws Exception {
        PoppedBatch batch = popBatch(3, LEASE);
        try (LeaseKeeper keeper = keeper(LEASE)) {
            Settlement settlement = settlement(keeper);
            keeper.hold(batch);
            settlement.settled(batch, 0);
            settlement.flushAcks();

            Thread.sleep(LEASE.toMillis() * 3);
            assertThat(leases.reap(QUEUE, 5).redelivered()).as("positions 1 and 2 were extended").isZero();
            assertThat(backend.pop(QUEUE, 3, DeliveryOptions.leased(LEASE, 5))).isEmpty();

            settlement.handBack(batch, new int[] {1});
            assertThat(keeper.extendable()).containsExactly(receipt(batch, 2));
            List<Delivery> handedBack = backend.pop(QUEUE, 3, DeliveryOptions.leased(LONG_LEASE, 5));
            assertThat(handedBack).extracting(d -> d.payload()[0]).containsExactly((byte) 1);
            assertThat(handedBack.get(0).receipt().deliveryCount()).as("a hand-back does not count").isEqualTo(1);

            settlement.settled(batch, 2);
            settlement.flushAcks();
            assertThat(keeper.heldBatches()).isEmpty();
        }
    }

    @Test
    void aDeadLetteredOrLostPositionIsNoLongerExtendedAndTheLastOneReleasesTheBatch() {
        PoppedBatch batch = popBatch(2, LONG_LEASE);
        try (LeaseKeeper keeper = keeper(LONG_LEASE)) {
            Settlement settlement = settlement(keeper);
            keeper.hold(batch);
            settlement.deadLetter(batch, 0, "undecodable payload: test");
            assertThat(keeper.extendable()).containsExactly(receipt(batch, 1));

            settlement.lost(batch, 1);
            assertThat(keeper.extendable()).as("extended until it is handed back").containsExactly(receipt(batch, 1));
            settlement.flushLost();

            assertThat(keeper.extendable()).isEmpty();
            assertThat(keeper.heldBatches()).isEmpty();
            List<Delivery> again = backend.pop(QUEUE, 2, DeliveryOptions.leased(LONG_LEASE, 5));
            assertThat(again).extracting(d -> d.payload()[0]).containsExactly((byte) 1);
            assertThat(again.get(0).receipt().deliveryCount()).as("a lost run counts").isEqualTo(2);
        }
    }

    @Test
    void receiptsOfAFailedAckStayExtendedAndAreAckedWithTheNextCall() {
        PoppedBatch batch = popBatch(3, LONG_LEASE);
        AtomicBoolean failAcks = new AtomicBoolean(true);
        try (LeaseKeeper keeper = new LeaseKeeper(new FailingAcks(leases, failAcks), QUEUE, LONG_LEASE,
                Duration.ofSeconds(60), 5, ListenerChain.EMPTY)) {
            Settlement settlement = settlement(keeper);
            keeper.hold(batch);
            settlement.settled(batch, 0);
            settlement.settled(batch, 1);
            settlement.flushAcks();

            assertThat(keeper.extendable()).as("the failed acks' receipts are still extended")
                    .containsExactlyInAnyOrder(receipt(batch, 0), receipt(batch, 1), receipt(batch, 2));
            assertThat(leases.extend(QUEUE, List.of(receipt(batch, 0), receipt(batch, 1)), LONG_LEASE).refused())
                    .as("not acked").isEmpty();

            failAcks.set(false);
            settlement.settled(batch, 2);
            settlement.flushAcks();

            assertThat(keeper.extendable()).isEmpty();
            assertThat(keeper.heldBatches()).isEmpty();
            assertThat(leases.extend(QUEUE, batch.deliveries().stream().map(Delivery::receipt).toList(), LONG_LEASE)
                    .refused()).as("all acked by the second call").hasSize(3);
        }
    }

    @Test
    void aPositionIsSettledOnlyOnce() {
        PoppedBatch batch = popBatch(1, LONG_LEASE);
        batch.settle(0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> batch.settle(0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("settled twice");
        List<Receipt> taken = new ArrayList<>();
        assertThat(batch.takeSettled(taken)).as("its only position is gone").isTrue();
        assertThat(taken).containsExactly(receipt(batch, 0));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> batch.giveUp(0))
                .isInstanceOf(IllegalStateException.class);
    }

    private PoppedBatch popBatch(int size, Duration lease) {
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            payloads.add(new byte[] {(byte) i});
        }
        backend.push(QUEUE, payloads, Priority.NORMAL, null);
        List<Delivery> popped = backend.pop(QUEUE, size, DeliveryOptions.leased(lease, 5));
        assertThat(popped).hasSize(size);
        return new PoppedBatch(popped);
    }

    private LeaseKeeper keeper(Duration lease) {
        return new LeaseKeeper(leases, QUEUE, lease, Duration.ofSeconds(60), 5, ListenerChain.EMPTY);
    }

    private Settlement settlement(LeaseKeeper keeper) {
        return new Settlement(backend, QUEUE, keeper, new RunState(), ListenerChain.EMPTY);
    }

    private static Receipt receipt(PoppedBatch batch, int position) {
        return batch.delivery(position).receipt();
    }

    private static void awaitExtendable(LeaseKeeper keeper, List<Receipt> expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!keeper.extendable().equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(keeper.extendable()).containsExactlyElementsOf(expected);
    }

    /** The SQLite lease role, with acks failing while {@code failing} is set (a backend that is down). */
    private record FailingAcks(BackendLeases leases, AtomicBoolean failing) implements BackendLeases {
        @Override
        public SettleResult ack(String queue, List<Receipt> receipts) {
            if (failing.get()) {
                throw new IllegalStateException("test: the backend is down");
            }
            return leases.ack(queue, receipts);
        }

        @Override
        public SettleResult extend(String queue, List<Receipt> receipts, Duration lease) {
            return leases.extend(queue, receipts, lease);
        }

        @Override
        public SettleResult release(String queue, List<Receipt> receipts) {
            return leases.release(queue, receipts);
        }

        @Override
        public SettleResult handBack(String queue, List<Receipt> receipts) {
            return leases.handBack(queue, receipts);
        }

        @Override
        public ReapResult reap(String queue, int maxDeliveries) {
            return leases.reap(queue, maxDeliveries);
        }
    }
}
