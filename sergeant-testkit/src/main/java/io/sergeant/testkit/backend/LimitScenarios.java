package io.sergeant.testkit.backend;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.DeadLetterInfo;
import io.sergeant.api.Priority;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.spi.backend.BackendRole;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Limits that keep a hostile producer from reaching a worker's heap or filling the store (issue 13
 * §1 and §3): oversized payloads never leave the backend, dead letters are bounded per queue, and
 * a HIGH task whose lease expired keeps its HIGH place.
 *
 * <p>Run as a {@code @Nested} class of {@link BackendCompatibilitySuite}; see {@link RoleScenarios}.
 */
abstract class LimitScenarios extends RoleScenarios {

    LimitScenarios(BackendCompatibilitySuite suite) {
        super(suite);
    }

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
    @DisplayName("dead letters trimmed over the cap are counted in a warning naming the queue and the option")
    void trimmedDeadLettersAreCountedInTheLog() {
        assumeRoles(BackendRole.DEAD_LETTERS);
        String queue = name("q");
        try (Backend capped = limited(1 << 20, 5); CapturedLog log = CapturedLog.start()) {
            BackendDeadLetters store = capped.deadLetterRole().orElseThrow();
            for (int i = 0; i < 8; i++) {
                assertThat(store.deadLetter(queue, new Delivery(bytes("d" + i), null), "reason " + i)).isTrue();
            }
            long kept = capped.stats(queue).deadLetters();
            List<String> trims = log.warnings().stream().filter(message -> message.contains("'" + queue + "'")).toList();
            long counted = trims.stream().mapToLong(LimitScenarios::oldestCounted).sum();

            // One node keeps 5; several nodes or shards each keep their share of the cap (rounded up).
            assertThat(kept).as("dead letters kept of 8 under a cap of 5: some were trimmed").isBetween(1L, 7L);
            assertThat(trims).as("warnings about queue %s", queue).isNotEmpty()
                    .allSatisfy(message -> assertThat(message).contains("maxDeadLetters"));
            assertThat(counted).as("dead letters the warnings count as deleted (\"the N oldest\"): %s", trims)
                    .isEqualTo(8 - kept);
        }
    }

    /** N in a trim warning's "the N oldest", or 0. */
    private static long oldestCounted(String message) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("the (\\d+) oldest").matcher(message);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
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
        // Reap once more: stats may count a lease as ended the moment it expires, before the reap of the
        // loop ran after it. Until a reap, a MongoDB task keeps its lease deadline as its priority (the
        // layout Python shares), so it would come after n1 and n2 (seen on a loaded machine).
        leases.reap(queue, 10);
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
