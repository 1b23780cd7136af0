package io.sergeant.testkit.backend;

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
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import org.junit.jupiter.api.BeforeEach;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * What every group of {@link BackendCompatibilitySuite} scenarios shares: the backend under test and
 * its roles (bound before each test from the enclosing suite, which opened the backend), the suite's
 * capability hooks, and helpers for payloads, names, pops and polling.
 *
 * <p>A group is a top-level class of its own (one per SPI role, so no file holds the whole suite),
 * run as a {@code @Nested} class of the suite: {@code class Queue extends QueueScenarios}, whose
 * constructor hands over the enclosing suite.
 */
abstract class RoleScenarios {

    /** A lease long enough never to expire during a test, with many deliveries allowed. */
    static final DeliveryOptions LONG_LEASE = DeliveryOptions.leased(Duration.ofSeconds(120), 100);
    private static final byte[] BINARY_TAIL = {0, (byte) 0xFF, (byte) 0x80, '\n'};
    private static final AtomicInteger NAMES = new AtomicInteger();

    private final BackendCompatibilitySuite suite;

    /** The suite's backend for this test, and its roles (null for a role it does not play). */
    Backend backend;
    BackendLeases leases;
    BackendDeadLetters deadLetters;
    BackendKeys keys;
    BackendLocks locks;
    BackendMonitoring monitoring;

    RoleScenarios(BackendCompatibilitySuite suite) {
        this.suite = suite;
    }

    @BeforeEach
    final void bindTheSuitesBackend() {
        backend = suite.backend;
        leases = suite.leases;
        deadLetters = suite.deadLetters;
        keys = suite.keys;
        locks = suite.locks;
        monitoring = suite.monitoring;
    }

    /**
     * Replaces the suite's backend (already closed by the test) with a fresh one from
     * {@link BackendCompatibilitySuite#newBackend()}, which the suite closes after the test.
     */
    final void reopenBackend() {
        suite.backend = suite.newBackend();
        suite.leases = suite.backend.leaseRole().orElse(null);
        suite.deadLetters = suite.backend.deadLetterRole().orElse(null);
        suite.keys = suite.backend.keyRole().orElse(null);
        suite.locks = suite.backend.lockRole().orElse(null);
        suite.monitoring = suite.backend.monitoringRole().orElse(null);
        bindTheSuitesBackend();
    }

    // ---------------------------------------------------------------- the suite's hooks

    final boolean singleNode() {
        return suite.singleNode();
    }

    final List<Long> tasksPerNode(String queue) {
        return suite.tasksPerNode(queue);
    }

    /** A backend opened like the suite's (same store) that the caller closes. */
    final Backend openAnotherBackend() {
        return suite.newBackend();
    }

    final long bytesServed() {
        return suite.bytesServed();
    }

    final boolean highPriorityIsFifo() {
        return suite.highPriorityIsFifo();
    }

    final Duration shortLease() {
        return suite.shortLease();
    }

    final Duration maxWait() {
        return suite.maxWait();
    }

    final int bulkSize() {
        return suite.bulkSize();
    }

    final Backend newBackendWithLimits(int maxPayloadBytes, int maxDeadLetters) {
        return suite.newBackendWithLimits(maxPayloadBytes, maxDeadLetters);
    }

    final void assumeRoles(BackendRole... roles) {
        suite.assumeRoles(roles);
    }

    // ---------------------------------------------------------------- helpers

    /** A queue, key or lock name unique to this test run and test. */
    final String name(String kind) {
        return "sgt-" + kind + "-" + suite.testName() + "-" + NAMES.incrementAndGet() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * The options for a pop in this mode: at-most-once, or a long lease with many deliveries. Skips the
     * test (an assumption) in at-least-once mode on a backend without the lease role.
     */
    final DeliveryOptions options(DeliveryMode mode) {
        if (mode == DeliveryMode.AT_LEAST_ONCE) {
            assumeRoles(BackendRole.LEASES, BackendRole.DEAD_LETTERS);
        }
        return mode == DeliveryMode.AT_LEAST_ONCE ? LONG_LEASE : DeliveryOptions.AT_MOST_ONCE;
    }

    /**
     * Runs an operation the SPI lets a backend leave out (its default throws {@code BACKEND_ROLE_MISSING}):
     * skips the test (an assumption) when the backend does not offer it, else returns its result.
     */
    static <T> T optional(String operation, Supplier<T> call) {
        try {
            return call.get();
        } catch (io.sergeant.api.SergeantException e) {
            org.junit.jupiter.api.Assumptions.assumeFalse(e.code() == io.sergeant.api.ErrorCode.BACKEND_ROLE_MISSING,
                    () -> "the backend does not offer " + operation + ": " + e.getMessage());
            throw e;
        }
    }

    /** A payload for {@code text}: its UTF-8 bytes followed by bytes that are not valid text. */
    static byte[] bytes(String text) {
        byte[] head = text.getBytes(StandardCharsets.UTF_8);
        byte[] result = Arrays.copyOf(head, head.length + BINARY_TAIL.length);
        System.arraycopy(BINARY_TAIL, 0, result, head.length, BINARY_TAIL.length);
        return result;
    }

    /** The text of a payload made by {@link #bytes}; fails if its bytes were altered. */
    static String text(byte[] payload) {
        int headLength = payload.length - BINARY_TAIL.length;
        if (headLength < 0 || !Arrays.equals(Arrays.copyOfRange(payload, headLength, payload.length), BINARY_TAIL)) {
            fail("payload was altered: " + Arrays.toString(payload));
        }
        return new String(payload, 0, headLength, StandardCharsets.UTF_8);
    }

    /** {@code prefix-0} to {@code prefix-(n-1)}. */
    static List<String> texts(String prefix, int n) {
        List<String> result = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            result.add(prefix + "-" + i);
        }
        return result;
    }

    /** Payloads of these texts. */
    static List<byte[]> encode(List<String> texts) {
        List<byte[]> result = new ArrayList<>(texts.size());
        for (String text : texts) {
            result.add(bytes(text));
        }
        return result;
    }

    /** The receipts of these deliveries. */
    static List<Receipt> receipts(List<Delivery> deliveries) {
        List<Receipt> result = new ArrayList<>(deliveries.size());
        for (Delivery d : deliveries) {
            result.add(d.receipt());
        }
        return result;
    }

    /** Pops up to {@code max} tasks in this mode, acks them if leased, and returns their texts in order. */
    final List<String> popTexts(String queue, int max, DeliveryMode mode) {
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
    final void settle(String queue, List<Delivery> popped) {
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
    final <T> T await(String what, Supplier<T> probe, Predicate<T> done) {
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

    /** Checks that {@code popped} is {@code pushed} in order on a single node, as a set of distinct tasks otherwise. */
    final void assertOrder(List<String> popped, List<String> pushed) {
        if (singleNode()) {
            assertThat(popped).containsExactlyElementsOf(pushed);
            return;
        }
        assertThat(popped).containsExactlyInAnyOrderElementsOf(pushed);
        assertThat(Set.copyOf(popped)).hasSize(pushed.size());
    }

    static void sleepPast(Duration duration) {
        sleep(duration.plusMillis(200));
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(Math.max(1, duration.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
