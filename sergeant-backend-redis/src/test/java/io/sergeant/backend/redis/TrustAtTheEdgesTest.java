package io.sergeant.backend.redis;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.PartialSettleException;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import io.sergeant.spi.backend.SettledPop;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.sergeant.backend.redis.RedisTestSupport.bytes;
import static io.sergeant.backend.redis.RedisTestSupport.open;
import static io.sergeant.backend.redis.RedisTestSupport.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Redis failure paths that must neither destroy nor hide a task (issue 13 §2): pops are
 * all-or-nothing, a node down mid-pop costs nothing the healthy nodes gave, receipts survive a
 * restart from an older snapshot, and delayed tasks are scored and due-checked on one clock.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TrustAtTheEdgesTest {

    private static final DeliveryOptions LEASED = DeliveryOptions.leased(Duration.ofSeconds(60), 5);

    @ParameterizedTest(name = "leased={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("a pop that meets a foreign key of another type fails whole: it removes nothing, and the tasks pop once the key is gone")
    void popIsAllOrNothing(boolean leased) {
        DeliveryOptions options = leased ? LEASED : DeliveryOptions.AT_MOST_ONCE;
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of())) {
            String queue = "jobs";
            List<byte[]> six = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                six.add(bytes("task-" + i));
            }
            backend.push(queue, six, Priority.NORMAL, null);
            server.command("SET", "jobs.delayed", "not a sorted set"); // someone else's key

            for (int attempt = 0; attempt < 3; attempt++) {
                SergeantException e = catchThrowableOfType(SergeantException.class, () -> backend.pop(queue, 10, options));
                assertThat(e).as("pop with a foreign jobs.delayed").isNotNull();
                assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_REFUSED);
                assertThat(e.getMessage()).contains("jobs.delayed").contains("nothing was changed");
                assertThat(server.command("LLEN", "jobs")).as("tasks still queued after a failed pop").isEqualTo("6");
            }
            assertThat(catchThrowableOfType(SergeantException.class,
                    () -> backend.push(queue, List.of(bytes("late")), Priority.NORMAL, Instant.now().plusSeconds(60))))
                    .as("a delayed push onto the foreign key").isNotNull();

            server.command("DEL", "jobs.delayed");
            List<Delivery> popped = backend.pop(queue, 10, options);
            assertThat(popped).extracting(d -> text(d.payload()))
                    .containsExactly("task-0", "task-1", "task-2", "task-3", "task-4", "task-5");
        }
    }

    @ParameterizedTest(name = "leased={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("with one of two independent nodes down, every task the healthy node gives is delivered, none is dropped")
    void partialFailureKeepsWhatHealthyNodesGave(boolean leased) {
        DeliveryOptions options = leased ? LEASED : DeliveryOptions.AT_MOST_ONCE;
        try (RedisServerProcess a = RedisServerProcess.start();
             RedisServerProcess b = RedisServerProcess.start();
             Backend backend = open(a.uri() + "," + b.uri(), Map.of("timeout", "2s", "connectTimeout", "1s"))) {
            String queue = "q-" + UUID.randomUUID();
            for (int i = 0; i < 10; i++) {
                backend.push(queue, List.of(bytes("t" + i)), Priority.NORMAL, null); // alternates over the nodes
            }
            long onA = Long.parseLong(a.command("LLEN", queue));
            assertThat(onA).as("tasks on the healthy node").isEqualTo(5);
            b.kill();

            Set<String> delivered = new HashSet<>();
            int failures = 0;
            for (int round = 0; round < 6; round++) {
                try {
                    for (Delivery d : backend.pop(queue, 10, options)) {
                        assertThat(delivered.add(text(d.payload()))).as("delivered once: " + text(d.payload())).isTrue();
                    }
                } catch (SergeantException e) {
                    assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                    failures++;
                }
            }
            assertThat(a.command("LLEN", queue)).as("the healthy node is drained").isEqualTo("0");
            assertThat(delivered).as("every task the healthy node gave was delivered").hasSize(5);
            assertThat(failures).as("pops that found nothing but the dead node report it").isPositive();
        }
    }

    @Test
    @DisplayName("with the first of two nodes down, an ack settles on the healthy node and names the receipts it could not settle")
    void settleReachesEveryHealthyNode() {
        try (RedisServerProcess a = RedisServerProcess.start();
             RedisServerProcess b = RedisServerProcess.start();
             Backend backend = open(a.uri() + "," + b.uri(), Map.of("timeout", "2s", "connectTimeout", "1s"))) {
            String queue = "q-" + UUID.randomUUID();
            for (int i = 0; i < 10; i++) {
                backend.push(queue, List.of(bytes("t" + i)), Priority.NORMAL, null); // alternates over the nodes
            }
            List<Delivery> leased = new ArrayList<>();
            for (int round = 0; round < 4 && leased.size() < 10; round++) {
                leased.addAll(backend.pop(queue, 10, LEASED));
            }
            assertThat(leased).hasSize(10);
            List<Receipt> onA = leased.stream().map(Delivery::receipt).filter(r -> r.id().startsWith("0:")).toList();
            List<Receipt> onB = leased.stream().map(Delivery::receipt).filter(r -> r.id().startsWith("1:")).toList();
            assertThat(onA).hasSize(5);
            assertThat(onB).hasSize(5);
            a.kill(); // the first node: a settle that stopped at the first failure would settle nothing

            PartialSettleException e = catchThrowableOfType(PartialSettleException.class,
                    () -> backend.leaseRole().orElseThrow().ack(queue, leased.stream().map(Delivery::receipt).toList()));
            assertThat(e).as("the ack reports the failing node").isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
            assertThat(e.getMessage()).contains("shard(s) [0]").contains("the other shards settled 5");
            assertThat(e.done()).isEqualTo(SettleResult.all(5));
            assertThat(e.unsettled()).containsExactlyInAnyOrderElementsOf(onA);
            assertThat(b.command("GET", "__sergeant__:{" + queue + "}:inflight")).as("acked on the healthy node").isEqualTo("0");
            assertThat(b.command("ZCARD", "__sergeant__:{" + queue + "}:leases")).as("no lease left to expire and redo").isEqualTo("0");
        }
    }

    @Test
    @DisplayName("with one of two nodes down, settle-and-pop acks and leases on the healthy node, delivers what it"
            + " gave and names the down node's receipts; with nothing to deliver it throws naming them")
    void settleAndPopKeepsWhatTheHealthyNodeDid() {
        try (RedisServerProcess a = RedisServerProcess.start();
             RedisServerProcess b = RedisServerProcess.start();
             Backend backend = open(a.uri() + "," + b.uri(), Map.of("timeout", "2s", "connectTimeout", "1s"))) {
            String queue = "q-" + UUID.randomUUID();
            for (int i = 0; i < 20; i++) {
                backend.push(queue, List.of(bytes("t" + i)), Priority.NORMAL, null); // alternates over the nodes
            }
            List<Delivery> leased = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                leased.addAll(backend.pop(queue, 3, LEASED)); // pops rotate over the nodes: 6 from each
            }
            List<Receipt> receipts = leased.stream().map(Delivery::receipt).toList();
            List<Receipt> onA = receipts.stream().filter(r -> r.id().startsWith("0:")).toList();
            List<Receipt> onB = receipts.stream().filter(r -> r.id().startsWith("1:")).toList();
            assertThat(onA).hasSize(6);
            assertThat(onB).hasSize(6);
            a.kill(); // shard 0

            // Both rotation orders: the dead node first (an ackAndPop that stopped there did nothing) and second
            // (one that threw there dropped what the healthy node had just acked and leased).
            SettledPop next = backend.leaseRole().orElseThrow().ackAndPop(backend, queue, receipts, 10, LEASED);
            assertThat(next.deliveries()).as("the 4 tasks left on the healthy node are delivered").hasSize(4)
                    .allSatisfy(d -> assertThat(d.receipt().id()).startsWith("1:"));
            assertThat(next.acked()).as("the healthy node settled its 6").isEqualTo(SettleResult.all(6));
            assertThat(next.ackFailure()).as("the down node is named").isNotNull();
            assertThat(next.ackFailure().code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
            assertThat(next.ackFailure().getMessage()).contains("shard(s) [0]").contains("the other shards settled 6");
            assertThat(next.ackFailure().unsettled()).containsExactlyInAnyOrderElementsOf(onA);
            assertThat(b.command("GET", "__sergeant__:{" + queue + "}:inflight")).as("only the new deliveries are in flight")
                    .isEqualTo("4");
            assertThat(b.command("LLEN", queue)).isEqualTo("0");

            List<Receipt> again = new ArrayList<>(next.ackFailure().unsettled());
            next.deliveries().forEach(d -> again.add(d.receipt()));
            PartialSettleException nothing = catchThrowableOfType(PartialSettleException.class,
                    () -> backend.leaseRole().orElseThrow().ackAndPop(backend, queue, again, 10, LEASED));
            assertThat(nothing).as("with nothing to deliver, the call throws naming the down node's receipts").isNotNull();
            assertThat(nothing.done()).as("what the healthy node settled").isEqualTo(SettleResult.all(4));
            assertThat(nothing.unsettled()).containsExactlyInAnyOrderElementsOf(onA);
            assertThat(b.command("GET", "__sergeant__:{" + queue + "}:inflight")).isEqualTo("0");
        }
    }

    @Test
    @DisplayName("after a restart from an older snapshot an old receipt does not settle a new delivery of another task")
    void receiptsSurviveARestartFromAnOlderSnapshot() {
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of("timeout", "2s", "connectTimeout", "1s"))) {
            String queue = "q-" + UUID.randomUUID();
            server.command("SAVE"); // the snapshot: an empty database, before any lease
            backend.push(queue, List.of(bytes("first")), Priority.NORMAL, null);
            Receipt old = backend.pop(queue, 1, LEASED).get(0).receipt();

            server.kill();
            server.restart(); // loads the older snapshot: the lease above and every counter are gone
            try {
                backend.push(queue, List.of(bytes("second")), Priority.NORMAL, null);
            } catch (SergeantException e) { // the pooled connection died with the server; the next call reconnects
                assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                backend.push(queue, List.of(bytes("second")), Priority.NORMAL, null);
            }
            List<Delivery> fresh = backend.pop(queue, 1, LEASED);
            assertThat(fresh).extracting(d -> text(d.payload())).containsExactly("second");
            Receipt current = fresh.get(0).receipt();

            assertThat(current.id()).as("a new delivery's receipt id").isNotEqualTo(old.id());
            SettleResult stale = backend.leaseRole().orElseThrow().ack(queue, List.of(old));
            assertThat(stale.settled()).as("the stale ack").isZero();
            assertThat(stale.refused()).containsExactly(old);
            assertThat(backend.stats(queue).inFlight()).as("the new delivery is still leased").isEqualTo(1);
            assertThat(backend.leaseRole().orElseThrow().ack(queue, List.of(current))).isEqualTo(SettleResult.all(1));
        }
    }

    @ParameterizedTest(name = "client clock off by {0} s")
    @ValueSource(longs = {3600, -3600})
    @DisplayName("a delayed task is scored by the server's clock, the clock pops check due tasks with")
    void delayedTasksUseTheServerClock(long offsetSeconds) throws InterruptedException {
        Clock skewed = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(offsetSeconds));
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = new RedisBackendFactory().create(new BackendSpec(server.uri(), Map.of()),
                     new PluginContext(DecodeLimits.DEFAULT, skewed, getClass().getClassLoader()))) {
            String queue = "q-" + UUID.randomUUID();
            backend.push(queue, List.of(bytes("later")), Priority.NORMAL, skewed.instant().plusSeconds(2));
            double score = Double.parseDouble(server.command("ZSCORE", queue + ".delayed", "later"));
            List<String> time = server.command("TIME").lines().toList();
            double serverNow = Long.parseLong(time.get(0)) + Long.parseLong(time.get(1)) / 1e6;
            assertThat(score - serverNow).as("seconds until due, by the server's clock").isBetween(0.0, 2.5);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            List<Delivery> popped = List.of();
            while (popped.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(100);
                popped = backend.pop(queue, 1, DeliveryOptions.AT_MOST_ONCE);
            }
            assertThat(popped).as("the delayed task became due").hasSize(1);
        }
    }

    @ParameterizedTest(name = "leased={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("a payload over maxPayloadSize is dead-lettered by the pop script with its reason, never returned")
    void oversizedPayloadsNeverLeaveRedis(boolean leased) {
        DeliveryOptions options = leased ? LEASED : DeliveryOptions.AT_MOST_ONCE;
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of("maxPayloadSize", "1000"))) {
            String queue = "q-" + UUID.randomUUID();
            byte[] big = new byte[1001];
            backend.push(queue, List.of(bytes("small-1"), big, bytes("small-2")), Priority.NORMAL, null);
            backend.push(queue, List.of(big), Priority.NORMAL, Instant.now().minusSeconds(1));
            List<Delivery> popped = backend.pop(queue, 10, options);
            assertThat(popped).extracting(d -> text(d.payload())).containsExactly("small-1", "small-2");
            List<DeadLetter> dead = backend.deadLetterRole().orElseThrow().deadLetters(queue, 10);
            assertThat(dead).hasSize(2);
            assertThat(dead).allSatisfy(letter -> {
                assertThat(letter.payload()).isEqualTo(big);
                assertThat(letter.reason()).startsWith("undecodable: ").contains("1001 bytes").contains("1000");
            });
            assertThat(backend.stats(queue).deadLetters()).isEqualTo(2);
        }
    }

    @Test
    @DisplayName("an at-most-once pop returns the payloads around runs of oversized ones in their order and dead-letters every oversized one")
    void oversizedRunsAreTakenOutInOrder() {
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of("maxPayloadSize", "1000"))) {
            String queue = "q-" + UUID.randomUUID();
            byte[] big = new byte[1001];
            backend.push(queue, List.of(big, bytes("a"), big, big, bytes("b"), bytes("c"), big), Priority.NORMAL, null);
            assertThat(backend.pop(queue, 10, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .containsExactly("a", "b", "c");
            assertThat(backend.deadLetterRole().orElseThrow().deadLetters(queue, 10)).hasSize(4)
                    .allSatisfy(letter -> assertThat(letter.payload()).isEqualTo(big));
            backend.push(queue, List.of(bytes("d"), bytes("e"), big), Priority.NORMAL, null);
            assertThat(backend.pop(queue, 2, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .containsExactly("d", "e");
            assertThat(backend.pop(queue, 2, DeliveryOptions.AT_MOST_ONCE)).isEmpty();
            assertThat(backend.stats(queue).deadLetters()).isEqualTo(5);
            assertThat(backend.stats(queue).ready()).isZero();
        }
    }

    @Test
    @DisplayName("the default maximum payload size is the codec's maximum encoded size (PluginContext limits)")
    void defaultMaximumIsTheCodecLimit() {
        DecodeLimits limits = new DecodeLimits(2048, 64L << 20, 128, 1_000_000);
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = new RedisBackendFactory().create(new BackendSpec(server.uri(), Map.of()),
                     new PluginContext(limits, Clock.systemUTC(), getClass().getClassLoader()))) {
            String queue = "q-" + UUID.randomUUID();
            backend.push(queue, List.of(new byte[2048], new byte[2049]), Priority.NORMAL, null);
            assertThat(backend.pop(queue, 10, LEASED)).hasSize(1);
            assertThat(backend.deadLetterRole().orElseThrow().deadLetters(queue, 10)).singleElement()
                    .satisfies(letter -> assertThat(letter.payload()).hasSize(2049));
        }
    }
}
