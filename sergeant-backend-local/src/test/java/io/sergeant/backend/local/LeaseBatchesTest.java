package io.sergeant.backend.local;

import io.sergeant.api.Priority;
import io.sergeant.backend.local.SqliteLeaseFixtures.MovableClock;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.sergeant.backend.local.SqliteLeaseFixtures.bytes;
import static io.sergeant.backend.local.SqliteLeaseFixtures.count;
import static io.sergeant.backend.local.SqliteLeaseFixtures.epoch;
import static io.sergeant.backend.local.SqliteLeaseFixtures.pythonPop;
import static io.sergeant.backend.local.SqliteLeaseFixtures.receipts;
import static io.sergeant.backend.local.SqliteLeaseFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lease layout (package documentation): a leasing pop deletes its tasks from {@code task_queue} and keeps
 * them in one lease record per batch; partial settlement, extension of part of a batch, expiry, reaping with
 * delivery counts, purge and the counts of leased tasks. Time moves by a clock of the test's own, never by
 * sleeping.
 */
class LeaseBatchesTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    @TempDir
    Path directory;

    private final MovableClock clock = new MovableClock(START);

    private LocalBackend open(Path file) {
        return LocalBackend.open(LocalSettings.from(new BackendSpec("sqlite:" + file, Map.of())), clock);
    }

    private static DeliveryOptions lease(int seconds) {
        return DeliveryOptions.leased(Duration.ofSeconds(seconds), 5);
    }

    @Test
    @DisplayName("a leasing pop deletes its tasks from task_queue and writes one lease record per batch; Python's pop and length see"
            + " neither running nor expired leases, and an expired one comes back into task_queue with a Java pop or reap")
    void oneRecordPerBatchOutOfPythonsSight() throws Exception {
        Path file = directory.resolve("python-view.db");
        try (LocalBackend backend = open(file);
             Connection python = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            backend.push("q", List.of(bytes("a"), bytes("b"), bytes("c"), bytes("ready")), Priority.NORMAL, null);
            List<Delivery> leased = backend.pop("q", 3, lease(30));
            assertThat(leased).extracting(d -> text(d.payload())).containsExactly("a", "b", "c");
            assertThat(count(python, "SELECT COUNT(*) FROM sergeant_lease_batches")).isEqualTo(1);
            assertThat(count(python, "SELECT COUNT(*) FROM sergeant_lease_tasks")).isEqualTo(1);
            assertThat(count(python, "SELECT COUNT(*) FROM task_queue WHERE queue_name = 'q'")).as("Python's length").isEqualTo(1);
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(1, 0, 3, 0));
            assertThat(backend.monitoringRole().orElseThrow().queues()).containsExactly("q");

            clock.advance(Duration.ofSeconds(31));
            assertThat(pythonPop(python, epoch(START) + 31, 10)).as("expired, but not back yet").containsExactly("ready");
            assertThat(backend.stats("q")).as("expired leases count as ready").isEqualTo(new QueueStats(3, 0, 0, 0));
            assertThat(backend.length("q", true)).isEqualTo(3);
            assertThat(backend.monitoringRole().orElseThrow().queues()).containsExactly("q");
            assertThat(backend.leaseRole().orElseThrow().reap("q", 5)).isEqualTo(new ReapResult(3, 0));
            assertThat(count(python, "SELECT COUNT(*) FROM sergeant_lease_batches")).as("the record goes with its last task").isZero();
            assertThat(count(python, "SELECT COUNT(*) FROM sergeant_lease_tasks")).isZero();
            assertThat(pythonPop(python, epoch(START) + 31, 10)).as("back in task_queue").containsExactlyInAnyOrder("a", "b", "c");
            assertThat(backend.leaseRole().orElseThrow().ack("q", receipts(leased)).refused()).containsExactlyElementsOf(receipts(leased));
        }
    }

    @Test
    @DisplayName("an expired lease is ready again: counted as ready, taken by the next pop with one more delivery")
    void expiredLeaseIsReadyWithoutReap() {
        try (LocalBackend backend = open(directory.resolve("expired.db"))) {
            backend.push("q", List.of(bytes("a")), Priority.NORMAL, null);
            Delivery first = backend.pop("q", 1, lease(10)).get(0);
            assertThat(backend.length("q", true)).isZero();
            clock.advance(Duration.ofSeconds(11));
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(1, 0, 0, 0));
            assertThat(backend.length("q", false)).isEqualTo(1);

            Delivery second = backend.pop("q", 1, lease(10)).get(0);
            assertThat(text(second.payload())).isEqualTo("a");
            assertThat(second.receipt().deliveryCount()).isEqualTo(2);
            assertThat(backend.leaseRole().orElseThrow().ack("q", List.of(first.receipt())).refused()).containsExactly(first.receipt());
            assertThat(backend.leaseRole().orElseThrow().reap("q", 5)).as("the lease was taken again, nothing to reap").isEqualTo(ReapResult.NONE);
            assertThat(backend.leaseRole().orElseThrow().ack("q", List.of(second.receipt()))).isEqualTo(SettleResult.all(1));
        }
    }

    @Test
    @DisplayName("a reap puts an expired task back at its old place: a HIGH task ahead of NORMAL ones, a NORMAL one ahead of newer ones")
    void reapRestoresThePlace() {
        try (LocalBackend backend = open(directory.resolve("reap.db"))) {
            // Another queue's task keeps task_queue's highest rowid, so SQLite gives no new task a rowid the
            // leased ones had (see the package documentation).
            backend.push("q", List.of(bytes("n1")), Priority.NORMAL, null);
            backend.push("q", List.of(bytes("h1")), Priority.HIGH, null);
            backend.push("other", List.of(bytes("o")), Priority.NORMAL, null);
            List<Delivery> leased = backend.pop("q", 2, lease(10));
            assertThat(leased).extracting(d -> text(d.payload())).containsExactly("h1", "n1");
            backend.push("q", List.of(bytes("n2")), Priority.NORMAL, null);
            backend.push("q", List.of(bytes("h2")), Priority.HIGH, null);

            clock.advance(Duration.ofSeconds(10));
            assertThat(backend.leaseRole().orElseThrow().reap("q", 5)).isEqualTo(new ReapResult(2, 0));
            assertThat(backend.leaseRole().orElseThrow().reap("q", 5)).isEqualTo(ReapResult.NONE);
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(4, 0, 0, 0));
            List<Delivery> again = backend.pop("q", 10, lease(10));
            assertThat(again).extracting(d -> text(d.payload())).containsExactly("h1", "h2", "n1", "n2");
            assertThat(again).extracting(d -> d.receipt().deliveryCount()).containsExactly(2, 1, 2, 1);
            assertThat(backend.leaseRole().orElseThrow().ack("q", receipts(again))).isEqualTo(SettleResult.all(4));
        }
    }

    @Test
    @DisplayName("a task whose rowid a newer task took (task_queue was emptied meanwhile) comes back under a new rowid, nothing lost")
    void rowidTakenMeanwhile() {
        try (LocalBackend backend = open(directory.resolve("rowid.db"))) {
            backend.push("q", List.of(bytes("old")), Priority.NORMAL, null);
            List<Delivery> leased = backend.pop("q", 1, lease(10));
            backend.push("q", List.of(bytes("new")), Priority.NORMAL, null); // SQLite reuses the free highest rowid
            clock.advance(Duration.ofSeconds(10));
            assertThat(backend.leaseRole().orElseThrow().reap("q", 5)).isEqualTo(new ReapResult(1, 0));
            List<Delivery> both = backend.pop("q", 10, lease(10));
            assertThat(both).extracting(d -> text(d.payload())).containsExactly("new", "old");
            assertThat(leased.get(0).receipt().deliveryCount()).isEqualTo(1);
            assertThat(both.get(1).receipt().deliveryCount()).isEqualTo(2);
        }
    }

    @Test
    @DisplayName("a HIGH task re-taken by a pop after its lease expired (no reap in between) keeps its HIGH place, and again after that")
    void expiredHighTaskKeepsItsPlaceWithoutReap() {
        try (LocalBackend backend = open(directory.resolve("retake.db"))) {
            backend.push("q", List.of(bytes("h1")), Priority.HIGH, null);
            assertThat(backend.pop("q", 1, lease(10))).extracting(d -> text(d.payload())).containsExactly("h1");
            backend.push("q", List.of(bytes("n1"), bytes("n2")), Priority.NORMAL, null);
            backend.push("q", List.of(bytes("soon")), Priority.NORMAL, START.plusSeconds(5));

            clock.advance(Duration.ofSeconds(11));
            List<Delivery> first = backend.pop("q", 1, lease(10));
            assertThat(first).extracting(d -> text(d.payload())).as("the expired HIGH task first").containsExactly("h1");
            assertThat(first.get(0).receipt().deliveryCount()).isEqualTo(2);

            clock.advance(Duration.ofSeconds(11)); // expired a second time: still HIGH
            List<Delivery> all = backend.pop("q", 10, lease(10));
            assertThat(all).extracting(d -> text(d.payload())).containsExactly("h1", "n1", "n2", "soon");
            assertThat(all.get(0).receipt().deliveryCount()).isEqualTo(3);
            assertThat(backend.leaseRole().orElseThrow().ack("q", receipts(all))).isEqualTo(SettleResult.all(4));
        }
    }

    @Test
    @DisplayName("one random number per pop: tokens are unique per delivery; stale receipts (reaped, reaped and re-taken, released)"
            + " and forged ones (another pop's number, a slot out of range, another queue, garbage) are refused, also beside valid ones")
    void staleAndForgedReceiptsAreRefused() {
        try (LocalBackend backend = open(directory.resolve("tokens.db"))) {
            var leases = backend.leaseRole().orElseThrow();
            backend.push("q", List.of(bytes("a"), bytes("b"), bytes("c"), bytes("d")), Priority.NORMAL, null);
            List<Delivery> first = backend.pop("q", 2, lease(10));
            List<Delivery> second = backend.pop("q", 2, lease(20));
            assertThat(first).extracting(d -> d.receipt().token()).doesNotHaveDuplicates();
            assertThat(first).extracting(LeaseBatchesTest::popNumber).containsOnly(popNumber(first.get(0)));
            assertThat(second).extracting(LeaseBatchesTest::popNumber).doesNotContain(popNumber(first.get(0)));
            Receipt valid = first.get(0).receipt();
            String batch = valid.id().substring(0, valid.id().indexOf(':'));
            List<Receipt> forged = List.of(
                    new Receipt(valid.id(), Long.toHexString(popNumber(second.get(0))), 1), // another pop's number
                    new Receipt(batch + ":7", Long.toHexString(popNumber(first.get(0)) ^ 7), 1), // no such slot
                    new Receipt(batch + ":-1", "1", 1),
                    new Receipt("x:y", "zz", 1),
                    new Receipt(valid.id(), "not hex", 1));
            for (Receipt receipt : forged) {
                assertThat(leases.ack("q", List.of(receipt)).refused()).as(receipt.toString()).containsExactly(receipt);
                assertThat(leases.extend("q", List.of(receipt), Duration.ofSeconds(5)).refused()).containsExactly(receipt);
                assertThat(leases.release("q", List.of(receipt)).refused()).containsExactly(receipt);
                assertThat(backend.deadLetterRole().orElseThrow().deadLetter("q", new Delivery(bytes("a"), receipt), "x")).isFalse();
            }
            assertThat(leases.ack("other", List.of(valid)).refused()).as("another queue").containsExactly(valid);
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 4, 0));

            // The first pop's leases expire and a reap ends them; the second's run on.
            clock.advance(Duration.ofSeconds(11));
            assertThat(leases.reap("q", 5)).isEqualTo(new ReapResult(2, 0));
            List<Delivery> again = backend.pop("q", 1, lease(30));
            assertThat(again).extracting(d -> text(d.payload())).containsExactly("a");

            List<Receipt> mixed = new ArrayList<>(receipts(first));
            mixed.addAll(receipts(second));
            mixed.addAll(receipts(again));
            mixed.add(forged.get(0));
            SettleResult result = leases.ack("q", mixed);
            assertThat(result.settled()).isEqualTo(3);
            List<Receipt> expectedRefused = new ArrayList<>(receipts(first));
            expectedRefused.add(forged.get(0));
            assertThat(result.refused()).containsExactlyElementsOf(expectedRefused);
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(1, 0, 0, 0));

            List<Delivery> last = backend.pop("q", 1, lease(30));
            assertThat(leases.release("q", receipts(last))).isEqualTo(SettleResult.all(1));
            assertThat(leases.ack("q", receipts(last)).refused()).containsExactlyElementsOf(receipts(last));
            assertThat(leases.ack("q", receipts(second)).refused()).containsExactlyElementsOf(receipts(second));
            List<Delivery> retaken = backend.pop("q", 1, lease(30));
            assertThat(leases.extend("q", receipts(last), Duration.ofSeconds(60)).refused()).containsExactlyElementsOf(receipts(last));
            assertThat(leases.extend("q", receipts(retaken), Duration.ofSeconds(60))).isEqualTo(SettleResult.all(1));
            assertThat(leases.ack("q", receipts(retaken))).isEqualTo(SettleResult.all(1));
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    @Test
    @DisplayName("single receipts of one batch settle one by one: ack, release, hand-back and dead-letter each take their task out;"
            + " the counts follow; the record goes with the last")
    void partialSettlementOfABatch() throws Exception {
        Path file = directory.resolve("partial.db");
        try (LocalBackend backend = open(file);
             Connection check = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            var leases = backend.leaseRole().orElseThrow();
            backend.push("q", List.of(bytes("t0"), bytes("t1"), bytes("t2"), bytes("t3"), bytes("t4"), bytes("t5")),
                    Priority.NORMAL, null);
            List<Delivery> batch = backend.pop("q", 6, lease(30));
            assertThat(leases.ack("q", List.of(batch.get(0).receipt(), batch.get(0).receipt())))
                    .as("a receipt listed twice settles once").isEqualTo(new SettleResult(1, List.of(batch.get(0).receipt())));
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 5, 0));
            assertThat(leases.release("q", List.of(batch.get(1).receipt()))).isEqualTo(SettleResult.all(1));
            assertThat(leases.handBack("q", List.of(batch.get(2).receipt()))).isEqualTo(SettleResult.all(1));
            assertThat(backend.deadLetterRole().orElseThrow().deadLetter("q", batch.get(3), "poison")).isTrue();
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(2, 0, 2, 1));
            assertThat(count(check, "SELECT pending FROM sergeant_lease_batches")).isEqualTo(2);
            for (Delivery settled : batch.subList(0, 4)) {
                assertThat(leases.ack("q", List.of(settled.receipt())).refused()).containsExactly(settled.receipt());
                assertThat(leases.extend("q", List.of(settled.receipt()), Duration.ofSeconds(9)).refused()).containsExactly(settled.receipt());
            }
            List<Delivery> back = backend.pop("q", 10, lease(30));
            assertThat(back).extracting(d -> text(d.payload())).as("released and handed back, HIGH").containsExactly("t1", "t2");
            assertThat(back).extracting(d -> d.receipt().deliveryCount()).as("a hand-back does not count").containsExactly(2, 1);
            assertThat(backend.deadLetterRole().orElseThrow().deadLetters("q", 10)).singleElement().satisfies(letter -> {
                assertThat(text(letter.payload())).isEqualTo("t3");
                assertThat(letter.reason()).isEqualTo("poison");
                assertThat(letter.deliveryCount()).isEqualTo(1);
            });
            assertThat(leases.ack("q", List.of(batch.get(4).receipt(), back.get(0).receipt()))).isEqualTo(SettleResult.all(2));
            assertThat(count(check, "SELECT COUNT(*) FROM sergeant_lease_batches")).isEqualTo(2);
            assertThat(leases.ack("q", List.of(batch.get(5).receipt(), back.get(1).receipt()))).isEqualTo(SettleResult.all(2));
            assertThat(count(check, "SELECT COUNT(*) FROM sergeant_lease_batches")).isZero();
            assertThat(count(check, "SELECT COUNT(*) FROM sergeant_lease_tasks")).isZero();
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 0, 1));
        }
    }

    @Test
    @DisplayName("several threads settling single receipts of one batch at once each settle theirs exactly once")
    void concurrentSingleSettlementsOfOneBatch() throws Exception {
        try (LocalBackend backend = open(directory.resolve("threads.db"))) {
            var leases = backend.leaseRole().orElseThrow();
            List<byte[]> payloads = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                payloads.add(bytes("t" + i));
            }
            backend.push("q", payloads, Priority.NORMAL, null);
            List<Delivery> batch = backend.pop("q", 400, lease(600));
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Future<Integer>> settled = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int first = t;
                    settled.add(threads.submit(() -> {
                        int n = 0;
                        for (int i = first; i < batch.size(); i += 4) {
                            Receipt receipt = batch.get(i).receipt();
                            SettleResult result = i % 8 < 4 ? leases.ack("q", List.of(receipt))
                                    : leases.extend("q", List.of(receipt), Duration.ofSeconds(900));
                            n += result.settled();
                        }
                        return n;
                    }));
                }
                int total = 0;
                for (Future<Integer> future : settled) {
                    total += future.get();
                }
                assertThat(total).isEqualTo(400);
            } finally {
                threads.shutdownNow();
            }
            assertThat(backend.stats("q")).as("half acked, half extended").isEqualTo(new QueueStats(0, 0, 200, 0));
            clock.advance(Duration.ofSeconds(601));
            assertThat(leases.reap("q", 5)).as("the extended ones run on").isEqualTo(ReapResult.NONE);
            List<Receipt> extended = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                if (i % 8 >= 4) {
                    extended.add(batch.get(i).receipt());
                }
            }
            assertThat(leases.ack("q", extended)).isEqualTo(SettleResult.all(200));
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    @Test
    @DisplayName("extending part of a batch: only the tasks not extended come back at the first deadline; the extended ones at theirs")
    void extensionOfPartOfABatch() {
        try (LocalBackend backend = open(directory.resolve("extend.db"))) {
            var leases = backend.leaseRole().orElseThrow();
            backend.push("q", List.of(bytes("a"), bytes("b"), bytes("c")), Priority.NORMAL, null);
            List<Delivery> popped = backend.pop("q", 3, lease(10));
            assertThat(leases.extend("q", receipts(popped.subList(0, 1)), Duration.ofSeconds(60))).isEqualTo(SettleResult.all(1));
            clock.advance(Duration.ofSeconds(5));
            assertThat(leases.extend("q", receipts(popped.subList(1, 2)), Duration.ofSeconds(20))).isEqualTo(SettleResult.all(1));

            clock.advance(Duration.ofSeconds(6)); // 11 s: only c expired
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(1, 0, 2, 0));
            assertThat(leases.reap("q", 5)).isEqualTo(new ReapResult(1, 0));
            assertThat(leases.ack("q", receipts(popped.subList(2, 3))).refused()).containsExactly(popped.get(2).receipt());
            List<Delivery> c = backend.pop("q", 5, lease(100));
            assertThat(c).extracting(d -> text(d.payload())).containsExactly("c");

            clock.advance(Duration.ofSeconds(15)); // 26 s: b expired (extended to 25 s), a runs until 60 s
            List<Delivery> b = backend.pop("q", 5, lease(100));
            assertThat(b).extracting(d -> text(d.payload())).containsExactly("b");
            assertThat(b.get(0).receipt().deliveryCount()).isEqualTo(2);
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 3, 0));
            assertThat(leases.ack("q", receipts(popped))).isEqualTo(new SettleResult(1, receipts(popped.subList(1, 3))));
            assertThat(leases.ack("q", List.of(b.get(0).receipt(), c.get(0).receipt()))).isEqualTo(SettleResult.all(2));
        }
    }

    @Test
    @DisplayName("more distinct deadlines in one batch than a slot's byte can name: no task's lease ends before the time asked for")
    void manyPartialExtensions() {
        try (LocalBackend backend = open(directory.resolve("many.db"))) {
            var leases = backend.leaseRole().orElseThrow();
            List<byte[]> payloads = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                payloads.add(bytes("t" + i));
            }
            backend.push("q", payloads, Priority.NORMAL, null);
            List<Delivery> batch = backend.pop("q", 300, lease(10));
            for (int i = 0; i < 300; i++) { // task i leased until 1000 + i s after the pop: 300 distinct deadlines
                clock.advance(Duration.ofMillis(1));
                assertThat(leases.extend("q", List.of(batch.get(i).receipt()), Duration.ofSeconds(1000 + i).minusMillis(i + 1)))
                        .isEqualTo(SettleResult.all(1));
            }
            Instant popped = START;
            for (int k : new int[] {0, 100, 200, 254, 280, 299}) {
                clock.set(popped.plusSeconds(1000 + k).minusMillis(500));
                QueueStats stats = backend.stats("q");
                assertThat(stats.ready() + stats.inFlight()).isEqualTo(300);
                if (k <= 200) {
                    assertThat(stats.inFlight()).as("at %d s", 1000 + k).isEqualTo(300 - k);
                } else {
                    assertThat(stats.inFlight()).as("at %d s: at least the tasks leased until later", 1000 + k)
                            .isGreaterThanOrEqualTo(300 - k);
                }
            }
            clock.set(popped.plusSeconds(1300));
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(300, 0, 0, 0));
            assertThat(leases.reap("q", 5)).isEqualTo(new ReapResult(300, 0));
            assertThat(backend.pop("q", 300, lease(10))).hasSize(300);
        }
    }

    @Test
    @DisplayName("a lease that keeps expiring goes to the dead letters at maxDeliveries, its count kept across reaps")
    void reapDeadLettersAtMaxDeliveries() {
        try (LocalBackend backend = open(directory.resolve("max.db"))) {
            var leases = backend.leaseRole().orElseThrow();
            backend.push("q", List.of(bytes("poison"), bytes("fine")), Priority.NORMAL, null);
            DeliveryOptions options = DeliveryOptions.leased(Duration.ofSeconds(10), 3);
            for (int delivery = 1; delivery <= 3; delivery++) {
                List<Delivery> popped = backend.pop("q", 2, options);
                assertThat(popped.get(0).receipt().deliveryCount()).isEqualTo(delivery);
                if (delivery == 1) {
                    assertThat(leases.ack("q", List.of(popped.get(1).receipt()))).isEqualTo(SettleResult.all(1));
                }
                clock.advance(Duration.ofSeconds(11));
                assertThat(leases.reap("q", 3)).isEqualTo(delivery < 3 ? new ReapResult(1, 0) : new ReapResult(0, 1));
            }
            assertThat(backend.deadLetterRole().orElseThrow().deadLetters("q", 10)).singleElement().satisfies(letter -> {
                assertThat(text(letter.payload())).isEqualTo("poison");
                assertThat(letter.deliveryCount()).isEqualTo(3);
                assertThat(letter.reason()).isEqualTo("lease expired after 3 deliveries (maxDeliveries 3)");
            });
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 0, 1));
        }
    }

    @Test
    @DisplayName("purge keeps running leases and deletes expired ones; length(true) leaves running leases out")
    void purgeAndLength() {
        try (LocalBackend backend = open(directory.resolve("purge.db"))) {
            backend.push("q", List.of(bytes("short"), bytes("long"), bytes("ready")), Priority.NORMAL, null);
            backend.push("q", List.of(bytes("later")), Priority.NORMAL, START.plusSeconds(3600));
            Delivery shortLease = backend.pop("q", 1, lease(5)).get(0);
            Delivery longLease = backend.pop("q", 1, lease(60)).get(0);
            assertThat(backend.length("q", true)).isEqualTo(2);
            clock.advance(Duration.ofSeconds(6));
            assertThat(backend.length("q", true)).as("the expired lease is ready again").isEqualTo(3);
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(2, 1, 1, 0));

            assertThat(backend.purge("q")).isTrue();
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 1, 0));
            assertThat(backend.leaseRole().orElseThrow().ack("q", List.of(shortLease.receipt())).refused()).containsExactly(shortLease.receipt());
            assertThat(backend.leaseRole().orElseThrow().ack("q", List.of(longLease.receipt()))).isEqualTo(SettleResult.all(1));
        }
    }

    /** The random number of the pop that delivered {@code delivery}: its token XOR its slot. */
    private static long popNumber(Delivery delivery) {
        String id = delivery.receipt().id();
        return Long.parseUnsignedLong(delivery.receipt().token(), 16) ^ Long.parseLong(id.substring(id.indexOf(':') + 1));
    }
}
