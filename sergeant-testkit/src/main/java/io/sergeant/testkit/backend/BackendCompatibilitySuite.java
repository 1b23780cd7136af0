package io.sergeant.testkit.backend;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.DeadLetterInfo;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.spi.backend.BackendKeys;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendLocks;
import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.backend.BackendRole;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The compatibility suite every {@link Backend} passes: Python Sergeant's connector scenarios (keys,
 * queues, priorities, delayed tasks, locks) and the at-least-once contract (leases, redelivery, stale
 * receipts, release, dead letters, stats), in both delivery modes where that is meaningful.
 *
 * <p>A backend's test extends this class in a few lines:
 * <pre>{@code
 * class MyBackendTest extends BackendCompatibilitySuite {
 *     @Override
 *     protected Backend newBackend() {
 *         return new MyBackendFactory().create(new BackendSpec("my://...", Map.of()), PluginContext.defaults());
 *     }
 * }
 * }</pre>
 *
 * <p><b>Lifecycle.</b> {@link #newBackend()} is called once before every test; the suite closes the
 * backend after the test. Every test uses queue, key and lock names of its own, so tests do not
 * interfere even when the backend's store outlives the test (a shared server or file).
 *
 * <p><b>Roles.</b> The tests are grouped by SPI role in {@code @Nested} classes ({@code Queue},
 * {@code Leases}, {@code DeadLetters}, {@code Keys}, {@code Locks}); a role's tests run when the
 * backend plays it. {@link #expectedRoles()} says which roles the backend must play (all by default),
 * and a test fails if it plays others or fewer, so no role's tests are skipped unnoticed.
 *
 * <p><b>Capabilities.</b> Override {@link #singleNode()} for a backend of several independent nodes
 * (global order assertions become set assertions), {@link #highPriorityIsFifo()} for a backend where
 * HIGH tasks among themselves come out last-in first-out (Python Sergeant's Redis layout),
 * {@link #shortLease()} and {@link #maxWait()} for slow backends, {@link #bulkSize()} for a test server
 * that cannot hold 10,000 tasks quickly.
 *
 * <p>Time-based checks poll with a deadline rather than sleep a fixed time; no check asserts a tight
 * timing. The whole suite takes a few seconds plus roughly ten short leases.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class BackendCompatibilitySuite {

    private static final byte[] BINARY_TAIL = {0, (byte) 0xFF, (byte) 0x80, '\n'};
    private static final DeliveryOptions LONG_LEASE = DeliveryOptions.leased(Duration.ofSeconds(120), 100);
    private static final AtomicInteger NAMES = new AtomicInteger();

    /** The backend under test, opened before each test by {@link #newBackend()} and closed after it. */
    protected Backend backend;
    /** The backend's lease role, or null if it does not play it (then the lease tests are skipped). */
    protected BackendLeases leases;
    /** The backend's dead-letter role, or null. */
    protected BackendDeadLetters deadLetters;
    /** The backend's key role, or null. */
    protected BackendKeys keys;
    /** The backend's lock role, or null. */
    protected BackendLocks locks;
    /** The backend's monitoring role, or null. */
    protected BackendMonitoring monitoring;

    private String testName = "test";

    /**
     * Opens a fresh backend for one test. The suite closes it after the test; it may share its store
     * with backends opened for other tests.
     */
    protected abstract Backend newBackend();

    /**
     * Whether the backend is a single node with one global order. Several independent nodes (Python
     * Sergeant's multi-node Redis) have no global order, so ordering checks compare sets instead.
     */
    protected boolean singleNode() {
        return true;
    }

    /** Whether HIGH tasks come out first-in first-out among themselves (false for an LPUSH layout). */
    protected boolean highPriorityIsFifo() {
        return true;
    }

    /** The lease used by tests that wait for a lease to expire; at least one second. */
    protected Duration shortLease() {
        return Duration.ofSeconds(1);
    }

    /** How long a poll waits for something that should happen soon (an expiry, a due time). */
    protected Duration maxWait() {
        return Duration.ofSeconds(15);
    }

    /**
     * How many tasks the bulk test pushes in one call (10,000 by default); the concurrent-pop test
     * uses four fifths of it. Lower it only for a test server that cannot hold that many quickly (an
     * in-process emulator that scans whole collections); keep it at least 100.
     */
    protected int bulkSize() {
        return 10_000;
    }

    /**
     * Opens a backend like {@link #newBackend()} (same store) but with these limits: a pop moves a
     * payload longer than {@code maxPayloadBytes} to the dead letters (reason starting with
     * {@code "undecodable: "}) instead of returning it, and at most {@code maxDeadLetters} dead letters
     * are kept per queue (the oldest over it are trimmed). For the built-in backends these are the
     * options {@code maxPayloadSize} and {@code maxDeadLetters}. The default returns null: the
     * {@code Limits} tests are then skipped, saying so; every backend that can bound what it hands a
     * worker should override it. The suite closes the backend.
     */
    protected Backend newBackendWithLimits(int maxPayloadBytes, int maxDeadLetters) {
        return null;
    }

    /**
     * The roles the backend under test plays. The suite checks that the backend plays exactly these,
     * and skips the tests of roles outside them; so a backend that lost a role fails instead of
     * silently skipping its tests. Every role by default; a plugin that starts with fewer roles lists
     * them here.
     */
    protected Set<BackendRole> expectedRoles() {
        return EnumSet.allOf(BackendRole.class);
    }

    /** Skips the current test unless the backend plays every one of {@code roles}. */
    protected final void assumeRoles(BackendRole... roles) {
        for (BackendRole role : roles) {
            assumeTrue(backend.roles().contains(role), () -> backend + " does not play the " + role.label() + " role");
        }
    }

    @BeforeEach
    final void openBackend(TestInfo info) {
        testName = info.getTestMethod().map(m -> m.getName()).orElse("test");
        backend = newBackend();
        assertThat(backend).as("newBackend() result").isNotNull();
        leases = backend.leaseRole().orElse(null);
        deadLetters = backend.deadLetterRole().orElse(null);
        keys = backend.keyRole().orElse(null);
        locks = backend.lockRole().orElse(null);
        monitoring = backend.monitoringRole().orElse(null);
    }

    @AfterEach
    final void closeBackend() {
        if (backend != null) {
            backend.close();
            backend = null;
        }
    }

    /** The queue role ({@link Backend}): every backend plays it. Tests in both delivery modes run the at-least-once half only on a backend with the lease role. */
    @Nested
    @DisplayName("queue role: push, pop, length, purge")
    class Queue {

        @ParameterizedTest
        @EnumSource(DeliveryMode.class)
        @DisplayName("one pushed task is popped once, byte for byte, then the queue is empty")
        void pushAndPopOne(DeliveryMode mode) {
            String queue = name("q");
            backend.push(queue, List.of(bytes("only")), Priority.NORMAL, null);
            assertThat(backend.length(queue, false)).isEqualTo(1);

            List<Delivery> popped = backend.pop(queue, 1, options(mode));
            assertThat(popped).hasSize(1);
            assertThat(text(popped.get(0).payload())).isEqualTo("only");
            assertThat(popped.get(0).leased()).isEqualTo(mode == DeliveryMode.AT_LEAST_ONCE);
            settle(queue, popped);

            assertThat(backend.pop(queue, 1, options(mode))).isEmpty();
            assertThat(backend.length(queue, true)).isZero();
        }

        @ParameterizedTest
        @EnumSource(DeliveryMode.class)
        @DisplayName("a bulk push pops back in insertion order, a pop takes at most max, an empty queue pops nothing")
        void pushAndPopBulk(DeliveryMode mode) {
            String queue = name("q");
            List<String> pushed = texts("t", 10);
            backend.push(queue, encode(pushed), Priority.NORMAL, null);
            assertThat(backend.length(queue, false)).isEqualTo(10);

            List<String> first = popTexts(queue, 4, mode);
            assertThat(first).hasSize(4);
            List<String> rest = popTexts(queue, 100, mode);
            assertThat(rest).hasSize(6);
            List<String> all = new ArrayList<>(first);
            all.addAll(rest);
            assertOrder(all, pushed);
            assertThat(backend.pop(queue, 10, options(mode))).isEmpty();
        }

        @Test
        @DisplayName("pushing an empty list is a no-op")
        void pushEmptyList() {
            String queue = name("q");
            backend.push(queue, List.of(), Priority.NORMAL, null);
            backend.push(queue, List.of(), Priority.HIGH, Instant.now().plusSeconds(60));
            assertThat(backend.length(queue, true)).isZero();
        }

        @ParameterizedTest
        @EnumSource(DeliveryMode.class)
        @DisplayName("queues are independent: a pop never takes another queue's task")
        void queuesAreIndependent(DeliveryMode mode) {
            String a = name("qa");
            String b = name("qb");
            backend.push(a, List.of(bytes("a")), Priority.NORMAL, null);
            assertThat(backend.pop(b, 10, options(mode))).isEmpty();
            assertThat(backend.length(b, true)).isZero();
            assertThat(popTexts(a, 10, mode)).containsExactly("a");
        }

        @Test
        @DisplayName("length counts due tasks, and delayed ones too with includeDelayed")
        void lengthWithAndWithoutDelayed() {
            String queue = name("q");
            backend.push(queue, encode(texts("now", 2)), Priority.NORMAL, null);
            backend.push(queue, encode(texts("high", 1)), Priority.HIGH, null);
            backend.push(queue, encode(texts("later", 3)), Priority.NORMAL, Instant.now().plusSeconds(3600));
            assertThat(backend.length(queue, false)).isEqualTo(3);
            assertThat(backend.length(queue, true)).isEqualTo(6);
        }

        @ParameterizedTest
        @EnumSource(DeliveryMode.class)
        @DisplayName("HIGH tasks are delivered before NORMAL ones; NORMAL ones in insertion order")
        void highBeforeNormal(DeliveryMode mode) {
            String queue = name("q");
            backend.push(queue, encode(List.of("n1", "n2")), Priority.NORMAL, null);
            backend.push(queue, encode(List.of("h1", "h2")), Priority.HIGH, null);
            backend.push(queue, encode(List.of("n3")), Priority.NORMAL, null);
            backend.push(queue, encode(List.of("h3")), Priority.HIGH, null);

            // The first batch mixes both priorities, so its own order is checked, not only the batches' order.
            List<String> popped = popTexts(queue, 4, mode);
            popped.addAll(popTexts(queue, 10, mode));
            assertThat(popped).hasSize(6);
            if (!singleNode()) {
                assertThat(popped).containsExactlyInAnyOrder("h1", "h2", "h3", "n1", "n2", "n3");
                return;
            }
            assertThat(popped.subList(0, 3)).as("HIGH first").containsExactlyInAnyOrder("h1", "h2", "h3");
            if (highPriorityIsFifo()) {
                assertThat(popped.subList(0, 3)).containsExactly("h1", "h2", "h3");
            }
            assertThat(popped.subList(3, 6)).as("NORMAL after, in insertion order").containsExactly("n1", "n2", "n3");
        }

        @ParameterizedTest
        @EnumSource(DeliveryMode.class)
        @DisplayName("a delayed task is not deliverable before its time, and is after it")
        void delayedTaskBecomesDeliverable(DeliveryMode mode) {
            String queue = name("q");
            Instant due = Instant.now().plusMillis(800);
            backend.push(queue, List.of(bytes("delayed")), Priority.NORMAL, due);
            assertThat(backend.pop(queue, 10, options(mode))).as("popped before due").isEmpty();
            assertThat(backend.length(queue, false)).isZero();
            assertThat(backend.length(queue, true)).isEqualTo(1);
            assertThat(backend.stats(queue).delayed()).isEqualTo(1);

            List<Delivery> popped = await("the delayed task to become deliverable",
                    () -> backend.pop(queue, 10, options(mode)), list -> !list.isEmpty());
            assertThat(Instant.now()).as("delivered only after its due time").isAfterOrEqualTo(due.minusMillis(50));
            assertThat(popped).extracting(d -> text(d.payload())).containsExactly("delayed");
            settle(queue, popped);
            assertThat(backend.length(queue, true)).isZero();
        }

        @ParameterizedTest
        @EnumSource(DeliveryMode.class)
        @DisplayName("a task pushed due now is counted and delivered at once, as Python Sergeant's")
        void taskDueNowIsDeliverableAtOnce(DeliveryMode mode) {
            String queue = name("q");
            List<String> missed = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String text = "now-" + i;
                backend.push(queue, List.of(bytes(text)), Priority.NORMAL, Instant.now());
                long counted = backend.length(queue, false);
                List<String> popped = popTexts(queue, 1, mode);
                if (counted != 1 || !popped.equals(List.of(text))) {
                    missed.add(text + " (counted " + counted + ", popped " + popped + ")");
                }
                // Whatever was missed must not spill into the next round.
                popTexts(queue, 10, mode);
            }
            assertThat(missed).as("tasks due now that an immediate count or pop missed").isEmpty();
        }

        @ParameterizedTest
        @EnumSource(DeliveryMode.class)
        @DisplayName("immediate tasks come before due delayed ones, whatever their priority")
        void immediateBeforeDueDelayed(DeliveryMode mode) {
            String queue = name("q");
            backend.push(queue, encode(List.of("d1", "d2")), Priority.HIGH, Instant.now().plusMillis(300));
            await("the delayed tasks to become due", () -> backend.length(queue, false), n -> n == 2);
            backend.push(queue, encode(List.of("n1")), Priority.NORMAL, null);
            backend.push(queue, encode(List.of("h1")), Priority.HIGH, null);
            assertThat(backend.length(queue, false)).isEqualTo(4);
            assertThat(backend.stats(queue).ready()).isEqualTo(4);

            List<String> popped = popTexts(queue, 10, mode);
            if (!singleNode()) {
                assertThat(popped).containsExactlyInAnyOrder("h1", "n1", "d1", "d2");
                return;
            }
            assertThat(popped.subList(0, 2)).as("immediate first").containsExactly("h1", "n1");
            assertThat(popped.subList(2, 4)).as("then due delayed").containsExactlyInAnyOrder("d1", "d2");
        }

        @ParameterizedTest
        @EnumSource(DeliveryMode.class)
        @DisplayName("bulkSize() tasks (10,000 by default) pushed in one call are popped in order, each once")
        void bulkTenThousand(DeliveryMode mode) {
            String queue = name("q");
            List<String> pushed = texts("bulk", bulkSize());
            backend.push(queue, encode(pushed), Priority.NORMAL, null);
            assertThat(backend.length(queue, false)).isEqualTo(pushed.size());

            List<String> popped = new ArrayList<>();
            for (int round = 0; round < 2 * (pushed.size() / 1000 + 1) && popped.size() < pushed.size(); round++) {
                popped.addAll(popTexts(queue, 1000, mode));
            }
            assertOrder(popped, pushed);
            assertThat(backend.length(queue, true)).isZero();
            assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
        }

        @ParameterizedTest
        @EnumSource(DeliveryMode.class)
        @DisplayName("4 threads popping 4/5 of bulkSize() tasks (8,000 by default) concurrently get each task exactly once")
        void concurrentPopsNeverShareATask(DeliveryMode mode) throws Exception {
            DeliveryOptions popOptions = options(mode); // on the test thread: it may skip the test
            String queue = name("q");
            int threads = 4;
            List<String> pushed = texts("c", threads * (bulkSize() / 5));
            backend.push(queue, encode(pushed), Priority.NORMAL, null);

            Map<String, Integer> seen = new ConcurrentHashMap<>();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    results.add(pool.submit(() -> {
                        int mine = 0;
                        while (true) {
                            List<Delivery> batch = backend.pop(queue, 25, popOptions);
                            if (batch.isEmpty()) {
                                return mine;
                            }
                            for (Delivery d : batch) {
                                seen.merge(text(d.payload()), 1, Integer::sum);
                            }
                            if (mode == DeliveryMode.AT_LEAST_ONCE) {
                                SettleResult acked = leases.ack(queue, receipts(batch));
                                assertThat(acked.refused()).isEmpty();
                                assertThat(acked.settled()).isEqualTo(batch.size());
                            }
                            mine += batch.size();
                        }
                    }));
                }
                int total = 0;
                for (Future<Integer> result : results) {
                    total += result.get(maxWait().toMillis() * 4, TimeUnit.MILLISECONDS);
                }
                assertThat(total).isEqualTo(pushed.size());
            } finally {
                pool.shutdownNow();
            }
            assertThat(seen.keySet()).isEqualTo(new HashSet<>(pushed));
            assertThat(seen.values()).allMatch(count -> count == 1, "each task delivered exactly once");
            assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    /** The lease role ({@link BackendLeases}), with the dead-letter role it feeds. */
    @Nested
    @DisplayName("lease role: receipts, ack, extend, release, reap")
    class Leases {

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
            backend.push(queue, List.of(bytes("contended")), Priority.NORMAL, null);
            Delivery old = backend.pop(queue, 1, DeliveryOptions.leased(shortLease(), 5)).get(0);
            await("the lease to expire and be reaped", () -> leases.reap(queue, 5), r -> r.redelivered() == 1);
            Delivery fresh = backend.pop(queue, 1, LONG_LEASE).get(0);

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
            backend.push(queue, List.of(bytes("slow")), Priority.NORMAL, null);
            backend.pop(queue, 1, DeliveryOptions.leased(shortLease(), 5));
            await("the lease to expire and be reaped", () -> leases.reap(queue, 5), r -> r.redelivered() == 1);
            Delivery second = backend.pop(queue, 1, LONG_LEASE).get(0);
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
    }

    /** The dead-letter role ({@link BackendDeadLetters}); the tests that dead-letter a leased delivery need the lease role too. */
    @Nested
    @DisplayName("dead-letter role: store, list, requeue, purge")
    class DeadLetters {

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
    }

    /** The key role ({@link BackendKeys}). */
    @Nested
    @DisplayName("key role: set, get, delete")
    class Keys {

        @BeforeEach
        void requireTheRole() {
            assumeRoles(BackendRole.KEYS);
        }

        @Test
        @DisplayName("keySet returns true only for a new key, overwrites, and keyGet/keyDelete see it")
        void keysSetGetDelete() {
            String key = name("key");
            assertThat(keys.keyGet(key)).isEmpty();
            assertThat(keys.keyDelete(key)).isFalse();

            assertThat(keys.keySet(key, bytes("one"))).as("first set of a new key").isTrue();
            assertThat(keys.keyGet(key)).map(BackendCompatibilitySuite::text).contains("one");

            assertThat(keys.keySet(key, bytes("two"))).as("overwrite of an existing key").isFalse();
            assertThat(keys.keyGet(key)).map(BackendCompatibilitySuite::text).contains("two");

            assertThat(keys.keyDelete(key)).isTrue();
            assertThat(keys.keyGet(key)).isEmpty();
            assertThat(keys.keyDelete(key)).isFalse();
            assertThat(keys.keySet(key, bytes("three"))).as("set after delete is new again").isTrue();
            assertThat(keys.keyDelete(key)).isTrue();
        }

        @Test
        @DisplayName("keys are independent of each other and keep binary values byte for byte")
        void keysAreIndependentAndBinarySafe() {
            String a = name("key-a");
            String b = name("key-b");
            byte[] all = new byte[256];
            for (int i = 0; i < all.length; i++) {
                all[i] = (byte) i;
            }
            assertThat(keys.keySet(a, all)).isTrue();
            assertThat(keys.keySet(b, bytes("b"))).isTrue();
            assertThat(keys.keyGet(a)).hasValueSatisfying(v -> assertThat(v).isEqualTo(all));
            assertThat(keys.keyDelete(b)).isTrue();
            assertThat(keys.keyGet(a)).isPresent();
            assertThat(keys.keyDelete(a)).isTrue();
        }
    }

    /** The lock role ({@link BackendLocks}). */
    @Nested
    @DisplayName("lock role: owners and TTLs")
    class Locks {

        @BeforeEach
        void requireTheRole() {
            assumeRoles(BackendRole.LOCKS);
        }

        @Test
        @DisplayName("a lock is held by one owner at a time and released only by its owner")
        void lockAcquireAndRelease() {
            String lock = name("lock");
            assertThat(locks.lockIsLocked(lock)).isFalse();
            assertThat(locks.lockTtl(lock)).isEmpty();
            assertThat(locks.lockAcquire(lock, "alice", Duration.ofSeconds(60))).isTrue();
            assertThat(locks.lockIsLocked(lock)).isTrue();
            assertThat(locks.lockAcquire(lock, "bob", Duration.ofSeconds(60))).as("second owner").isFalse();

            assertThat(locks.lockRelease(lock, "bob")).as("release by a non-owner").isFalse();
            assertThat(locks.lockIsLocked(lock)).isTrue();
            assertThat(locks.lockRelease(lock, "alice")).isTrue();
            assertThat(locks.lockIsLocked(lock)).isFalse();
            assertThat(locks.lockRelease(lock, "alice")).as("second release").isFalse();

            assertThat(locks.lockAcquire(lock, "bob", Duration.ofSeconds(60))).as("free again").isTrue();
            assertThat(locks.lockRelease(lock, "bob")).isTrue();
        }

        @Test
        @DisplayName("lockTtl reports whole seconds rounded up; lockSetTtl works only for the owner")
        void lockTtl() {
            String lock = name("lock");
            assertThat(locks.lockSetTtl(lock, "alice", Duration.ofSeconds(10))).as("set TTL of a free lock").isFalse();
            assertThat(locks.lockAcquire(lock, "alice", Duration.ofSeconds(10))).isTrue();

            Optional<Duration> ttl = locks.lockTtl(lock);
            assertThat(ttl).isPresent();
            assertThat(ttl.get().toNanos() % 1_000_000_000L).as("whole seconds: " + ttl.get()).isZero();
            assertThat(ttl.get()).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(10));

            assertThat(locks.lockSetTtl(lock, "bob", Duration.ofSeconds(100))).as("set TTL by a non-owner").isFalse();
            assertThat(locks.lockTtl(lock).orElseThrow()).isLessThanOrEqualTo(Duration.ofSeconds(10));
            assertThat(locks.lockSetTtl(lock, "alice", Duration.ofSeconds(100))).isTrue();
            assertThat(locks.lockTtl(lock).orElseThrow()).isBetween(Duration.ofSeconds(90), Duration.ofSeconds(100));
            assertThat(locks.lockSetTtl(lock, "alice", Duration.ofSeconds(5))).as("shortening").isTrue();
            assertThat(locks.lockTtl(lock).orElseThrow()).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(5));
            assertThat(locks.lockRelease(lock, "alice")).isTrue();
            assertThat(locks.lockTtl(lock)).isEmpty();
        }

        @Test
        @DisplayName("an expired lock never blocks acquire, and its old owner can no longer touch it")
        void expiredLockDoesNotBlock() {
            String lock = name("lock");
            assertThat(locks.lockAcquire(lock, "alice", Duration.ofSeconds(1))).isTrue();
            await("the lock to expire", () -> locks.lockIsLocked(lock), locked -> !locked);
            assertThat(locks.lockTtl(lock)).isEmpty();
            assertThat(locks.lockSetTtl(lock, "alice", Duration.ofSeconds(60))).as("set TTL of an expired lock").isFalse();

            assertThat(locks.lockAcquire(lock, "bob", Duration.ofSeconds(60))).as("acquire over an expired lock").isTrue();
            assertThat(locks.lockRelease(lock, "alice")).as("release by the expired owner").isFalse();
            assertThat(locks.lockIsLocked(lock)).isTrue();
            assertThat(locks.lockRelease(lock, "bob")).isTrue();
        }

        @Test
        @DisplayName("lockSetTtl(0) frees the lock at once, as Python's set_ttl(0)")
        void zeroTtlFreesTheLock() {
            String lock = name("lock");
            assertThat(locks.lockSetTtl(lock, "alice", Duration.ZERO)).as("set TTL 0 of a free lock").isFalse();
            assertThat(locks.lockAcquire(lock, "alice", Duration.ofSeconds(60))).isTrue();
            assertThat(locks.lockSetTtl(lock, "bob", Duration.ZERO)).as("set TTL 0 by a non-owner").isFalse();
            assertThat(locks.lockIsLocked(lock)).isTrue();

            assertThat(locks.lockSetTtl(lock, "alice", Duration.ZERO)).as("set TTL 0 by the owner").isTrue();
            assertThat(locks.lockIsLocked(lock)).isFalse();
            assertThat(locks.lockTtl(lock)).isEmpty();
            assertThat(locks.lockAcquire(lock, "bob", Duration.ofSeconds(60))).as("free for another owner").isTrue();
            assertThat(locks.lockRelease(lock, "bob")).isTrue();
        }

        @Test
        @DisplayName("locks of different names are independent")
        void locksAreIndependent() {
            String a = name("lock-a");
            String b = name("lock-b");
            assertThat(locks.lockAcquire(a, "alice", Duration.ofSeconds(60))).isTrue();
            assertThat(locks.lockIsLocked(b)).isFalse();
            assertThat(locks.lockAcquire(b, "bob", Duration.ofSeconds(60))).isTrue();
            assertThat(locks.lockRelease(a, "alice")).isTrue();
            assertThat(locks.lockIsLocked(b)).isTrue();
            assertThat(locks.lockRelease(b, "bob")).isTrue();
        }
    }

    /** The monitoring role ({@link BackendMonitoring}): queue listing and the worker registry. */
    @Nested
    @DisplayName("monitoring role: queue listing and worker registry")
    class Monitoring {

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
    }

    // ---------------------------------------------------------------- the backend as a whole

    @Test
    @DisplayName("the backend plays exactly the roles its test expects, so no role's tests are skipped unnoticed")
    void playsTheExpectedRoles() {
        assertThat(backend.roles()).as("roles of " + backend).isEqualTo(expectedRoles());
        assertThat(backend.roles()).contains(BackendRole.QUEUE);
    }

    @Test
    @DisplayName("close is idempotent")
    void closeIsIdempotent() {
        Backend other = newBackend();
        other.close();
        other.close();
    }


    /**
     * Limits that keep a hostile producer from reaching a worker's heap or filling the store (issue 13
     * §1 and §3): oversized payloads never leave the backend, dead letters are bounded per queue, and
     * a HIGH task whose lease expired keeps its HIGH place.
     */
    @Nested
    @DisplayName("limits: oversized payloads, dead-letter cap, expired HIGH tasks")
    class Limits {

        private Backend limited(int maxPayloadBytes, int maxDeadLetters) {
            Backend opened = newBackendWithLimits(maxPayloadBytes, maxDeadLetters);
            assumeTrue(opened != null, "newBackendWithLimits is not overridden for " + backend);
            return opened;
        }

        @ParameterizedTest
        @EnumSource(DeliveryMode.class)
        @DisplayName("a pop dead-letters a payload over the maximum with its reason and delivers the others")
        void oversizedPayloadsAreDeadLettered(DeliveryMode mode) {
            assumeRoles(BackendRole.DEAD_LETTERS);
            DeliveryOptions options = options(mode);
            String queue = name("q");
            byte[] big = new byte[1001];
            Arrays.fill(big, (byte) 'x');
            try (Backend small = limited(1000, 100)) {
                small.push(queue, List.of(bytes("small-1"), big, bytes("small-2")), Priority.NORMAL, null);
                List<String> delivered = new ArrayList<>();
                List<Delivery> popped = small.pop(queue, 10, options);
                for (int round = 0; round < 3 && delivered.size() + popped.size() < 2; round++) {
                    popped.forEach(d -> delivered.add(text(d.payload())));
                    popped = small.pop(queue, 10, options); // several nodes: another node's part
                }
                popped.forEach(d -> delivered.add(text(d.payload())));
                assertThat(delivered).containsExactlyInAnyOrder("small-1", "small-2");
                List<DeadLetter> dead = small.deadLetterRole().orElseThrow().deadLetters(queue, 10);
                assertThat(dead).singleElement().satisfies(letter -> {
                    assertThat(letter.payload()).isEqualTo(big);
                    assertThat(letter.reason()).startsWith("undecodable: ").contains("1001").contains("1000");
                });
                assertThat(small.stats(queue).deadLetters()).isEqualTo(1);
                assertThat(small.stats(queue).ready()).isZero();
            }
        }

        @Test
        @DisplayName("deadLetterInfos lists what deadLetters lists, with payload sizes instead of payloads")
        void deadLetterInfosMatchTheLetters() {
            assumeRoles(BackendRole.DEAD_LETTERS);
            String queue = name("q");
            for (int i = 0; i < 3; i++) {
                byte[] payload = new byte[10 + i];
                assertThat(deadLetters.deadLetter(queue, new Delivery(payload, null), "reason " + i)).isTrue();
            }
            List<DeadLetter> letters = deadLetters.deadLetters(queue, 10);
            List<DeadLetterInfo> infos = deadLetters.deadLetterInfos(queue, 10);
            assertThat(infos).extracting(DeadLetterInfo::id).containsExactlyElementsOf(letters.stream().map(DeadLetter::id).toList());
            assertThat(infos).extracting(DeadLetterInfo::payloadBytes)
                    .containsExactlyElementsOf(letters.stream().map(l -> (long) l.payload().length).toList());
            assertThat(infos).extracting(DeadLetterInfo::reason).containsExactlyInAnyOrder("reason 0", "reason 1", "reason 2");
            assertThat(deadLetters.deadLetterInfos(queue, 2)).hasSize(2);
        }

        @Test
        @DisplayName("dead letters are capped per queue: the oldest over the cap are trimmed")
        void deadLettersAreCapped() {
            assumeRoles(BackendRole.DEAD_LETTERS);
            String queue = name("q");
            try (Backend capped = limited(1 << 20, 5)) {
                BackendDeadLetters store = capped.deadLetterRole().orElseThrow();
                for (int i = 0; i < 8; i++) {
                    assertThat(store.deadLetter(queue, new Delivery(bytes("d" + i), null), "reason " + i)).isTrue();
                }
                List<DeadLetter> kept = store.deadLetters(queue, 100);
                if (singleNode()) {
                    assertThat(kept).extracting(DeadLetter::reason)
                            .containsExactly("reason 3", "reason 4", "reason 5", "reason 6", "reason 7");
                    assertThat(capped.stats(queue).deadLetters()).isEqualTo(5);
                } else { // several nodes or shards: each keeps its share of the cap and trims its own oldest
                    assertThat(kept).hasSizeLessThan(8).extracting(DeadLetter::reason).contains("reason 7");
                    assertThat(capped.stats(queue).deadLetters()).isEqualTo(kept.size());
                }
            }
        }

        @Test
        @DisplayName("a HIGH task whose lease expired is delivered again ahead of NORMAL tasks")
        void expiredHighTaskKeepsItsPlace() {
            assumeRoles(BackendRole.LEASES);
            String queue = name("q");
            backend.push(queue, encode(List.of("high")), Priority.HIGH, null);
            assertThat(backend.pop(queue, 1, DeliveryOptions.leased(shortLease(), 10)))
                    .extracting(d -> text(d.payload())).containsExactly("high");
            backend.push(queue, encode(List.of("n1", "n2")), Priority.NORMAL, null);
            await("the lease to expire", () -> {
                leases.reap(queue, 10); // what every worker runs; a backend may also take expired leases by itself
                return backend.stats(queue).inFlight();
            }, inFlight -> inFlight == 0);
            List<Delivery> again = new ArrayList<>(backend.pop(queue, 10, LONG_LEASE));
            for (int round = 0; round < 3 && again.size() < 3; round++) {
                again.addAll(backend.pop(queue, 10, LONG_LEASE)); // several nodes: the other nodes' parts
            }
            if (singleNode()) {
                assertThat(again).extracting(d -> text(d.payload())).containsExactly("high", "n1", "n2");
            } else {
                assertThat(again).extracting(d -> text(d.payload())).containsExactlyInAnyOrder("high", "n1", "n2");
            }
            Delivery high = again.stream().filter(d -> text(d.payload()).equals("high")).findFirst().orElseThrow();
            assertThat(high.receipt().deliveryCount()).isEqualTo(2);
            assertThat(leases.ack(queue, receipts(again)).settled()).isEqualTo(3);
        }
    }

    // ---------------------------------------------------------------- helpers for subclasses

    /** A queue, key or lock name unique to this test run and test. */
    protected final String name(String kind) {
        return "sgt-" + kind + "-" + testName + "-" + NAMES.incrementAndGet() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * The options for a pop in this mode: at-most-once, or a long lease with many deliveries. Skips the
     * test (an assumption) in at-least-once mode on a backend without the lease role.
     */
    protected final DeliveryOptions options(DeliveryMode mode) {
        if (mode == DeliveryMode.AT_LEAST_ONCE) {
            assumeRoles(BackendRole.LEASES, BackendRole.DEAD_LETTERS);
        }
        return mode == DeliveryMode.AT_LEAST_ONCE ? LONG_LEASE : DeliveryOptions.AT_MOST_ONCE;
    }

    /** A payload for {@code text}: its UTF-8 bytes followed by bytes that are not valid text. */
    protected static byte[] bytes(String text) {
        byte[] head = text.getBytes(StandardCharsets.UTF_8);
        byte[] result = Arrays.copyOf(head, head.length + BINARY_TAIL.length);
        System.arraycopy(BINARY_TAIL, 0, result, head.length, BINARY_TAIL.length);
        return result;
    }

    /** The text of a payload made by {@link #bytes}; fails if its bytes were altered. */
    protected static String text(byte[] payload) {
        int headLength = payload.length - BINARY_TAIL.length;
        if (headLength < 0 || !Arrays.equals(Arrays.copyOfRange(payload, headLength, payload.length), BINARY_TAIL)) {
            fail("payload was altered: " + Arrays.toString(payload));
        }
        return new String(payload, 0, headLength, StandardCharsets.UTF_8);
    }

    /** {@code prefix-0} to {@code prefix-(n-1)}. */
    protected static List<String> texts(String prefix, int n) {
        List<String> result = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            result.add(prefix + "-" + i);
        }
        return result;
    }

    /** Payloads of these texts. */
    protected static List<byte[]> encode(List<String> texts) {
        List<byte[]> result = new ArrayList<>(texts.size());
        for (String text : texts) {
            result.add(bytes(text));
        }
        return result;
    }

    /** The receipts of these deliveries. */
    protected static List<Receipt> receipts(List<Delivery> deliveries) {
        List<Receipt> result = new ArrayList<>(deliveries.size());
        for (Delivery d : deliveries) {
            result.add(d.receipt());
        }
        return result;
    }

    /** Pops up to {@code max} tasks in this mode, acks them if leased, and returns their texts in order. */
    protected final List<String> popTexts(String queue, int max, DeliveryMode mode) {
        List<Delivery> popped = backend.pop(queue, max, options(mode));
        assertThat(popped.size()).isLessThanOrEqualTo(max);
        List<String> result = new ArrayList<>(popped.size());
        for (Delivery d : popped) {
            assertThat(d.leased()).isEqualTo(mode == DeliveryMode.AT_LEAST_ONCE);
            result.add(text(d.payload()));
        }
        settle(queue, popped);
        return result;
    }

    /** Acks leased deliveries and checks that all were settled. */
    protected final void settle(String queue, List<Delivery> popped) {
        List<Receipt> leased = new ArrayList<>();
        for (Delivery d : popped) {
            if (d.leased()) {
                leased.add(d.receipt());
            }
        }
        if (!leased.isEmpty()) {
            assertThat(leases.ack(queue, leased)).isEqualTo(SettleResult.all(leased.size()));
        }
    }

    /** Polls {@code probe} until {@code done} accepts its value, failing after {@link #maxWait()}. */
    protected final <T> T await(String what, Supplier<T> probe, Predicate<T> done) {
        long deadline = System.nanoTime() + maxWait().toNanos();
        T value = probe.get();
        while (!done.test(value)) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + maxWait() + " waiting for " + what + "; last value: " + value);
            }
            sleep(Duration.ofMillis(25));
            value = probe.get();
        }
        return value;
    }

    private void assertOrder(List<String> popped, List<String> pushed) {
        if (singleNode()) {
            assertThat(popped).containsExactlyElementsOf(pushed);
            return;
        }
        assertThat(popped).containsExactlyInAnyOrderElementsOf(pushed);
        assertThat(Set.copyOf(popped)).hasSize(pushed.size());
    }

    private static void sleepPast(Duration duration) {
        sleep(duration.plusMillis(200));
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(Math.max(1, duration.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
