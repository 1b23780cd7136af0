package io.sergeant.backend.redis;

import io.sergeant.testkit.interop.InteropFixtures;
import io.sergeant.testkit.servers.RedisServerProcess;

import io.sergeant.api.Priority;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.Receipt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.Tuple;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Python Sergeant's Redis layout, checked with raw commands: what Python would read from what we
 * write, and what we read from what Python writes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PythonLayoutTest {

    private static final DeliveryOptions LEASED = DeliveryOptions.leased(Duration.ofSeconds(60), 5);

    private RedisServerProcess first;
    private RedisServerProcess second;

    @BeforeAll
    void startServers() {
        first = RedisServerProcess.start();
        second = RedisServerProcess.start();
    }

    @AfterAll
    void stopServers() {
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
    }

    @Test
    @DisplayName("NORMAL pushes are RPUSHed to list q and HIGH pushes LPUSHed, byte for byte")
    void immediatePushesUsePythonsList() {
        String queue = unique("q");
        try (Backend backend = open(first.uri()); Jedis raw = raw(first)) {
            backend.push(queue, List.of(b("n1"), b("n2")), Priority.NORMAL, null);
            backend.push(queue, List.of(b("h1"), b("h2")), Priority.HIGH, null);
            assertThat(texts(raw.lrange(b(queue), 0, -1))).containsExactly("h2", "h1", "n1", "n2");
            assertThat(raw.type(queue)).isEqualTo("list");
        }
    }

    @Test
    @DisplayName("delayed pushes go to sorted set q.delayed scored by their due time in epoch seconds")
    void delayedPushesUsePythonsSortedSet() {
        String queue = unique("q");
        Instant due = Instant.now().plusSeconds(3600);
        try (Backend backend = open(first.uri()); Jedis raw = raw(first)) {
            backend.push(queue, List.of(b("later")), Priority.HIGH, due);
            List<Tuple> delayed = raw.zrangeWithScores(b(queue + ".delayed"), 0, -1);
            assertThat(delayed).hasSize(1);
            assertThat(new String(delayed.get(0).getBinaryElement(), StandardCharsets.UTF_8)).isEqualTo("later");
            // Scored by the server's clock plus the delay (the clock pops check with); client and server
            // share a machine here, so the score is close to consumableFrom.
            assertThat(delayed.get(0).getScore()).isCloseTo(due.toEpochMilli() / 1000.0, within(0.5));
            assertThat(raw.exists(queue)).as("no immediate list for a delayed push").isFalse();
        }
    }

    @Test
    @DisplayName("a delayed task is never scored before its due time, whatever the sub-millisecond part of the delay")
    void delayedScoreIsNeverBeforeDue() {
        String queue = unique("q");
        try (Backend backend = open(first.uri()); Jedis raw = raw(first)) {
            for (int i = 0; i < 50; i++) {
                // 20.999 ms ahead: a delay truncated to 20 ms scored the task before it was due.
                Instant due = Instant.now().plusNanos(20_999_000);
                byte[] payload = b("due-" + i);
                backend.push(queue, List.of(payload), Priority.NORMAL, due);
                double dueSeconds = due.getEpochSecond() + due.getNano() / 1e9;
                assertThat(raw.zscore(b(queue + ".delayed"), payload)).as("score of push %d", i)
                        .isGreaterThanOrEqualTo(dueSeconds - 1e-6);
            }
        }
    }

    @Test
    @DisplayName("ceilMillis rounds a delay up to whole milliseconds, in the past too")
    void ceilMillisRoundsUp() {
        assertThat(RedisQueue.ceilMillis(Duration.ofNanos(20_999_000))).isEqualTo(21);
        assertThat(RedisQueue.ceilMillis(Duration.ofMillis(20))).isEqualTo(20);
        assertThat(RedisQueue.ceilMillis(Duration.ofNanos(1))).isEqualTo(1);
        assertThat(RedisQueue.ceilMillis(Duration.ZERO)).isEqualTo(0);
        assertThat(RedisQueue.ceilMillis(Duration.ofNanos(-1_500_000))).isEqualTo(-1);
    }

    @Test
    @DisplayName("bytes a Python producer RPUSHed (the interop fixture) are popped intact in both modes")
    void pythonPayloadIsPoppedIntact() {
        byte[] fixture = InteropFixtures.bytes("task-msgpack-none.bin");
        String queue = unique("q");
        try (Backend backend = open(first.uri()); Jedis raw = raw(first)) {
            raw.rpush(b(queue), fixture, fixture);
            List<Delivery> once = backend.pop(queue, 1, DeliveryOptions.AT_MOST_ONCE);
            assertThat(once).singleElement().satisfies(d -> assertThat(d.payload()).isEqualTo(fixture));
            List<Delivery> leased = backend.pop(queue, 1, LEASED);
            assertThat(leased).singleElement().satisfies(d -> assertThat(d.payload()).isEqualTo(fixture));
            assertThat(backend.leaseRole().orElseThrow().ack(queue, List.of(leased.get(0).receipt())).settled()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("a Python consumer's LPOP and due-ZRANGEBYSCORE read exactly what the backend pushed")
    void pythonConsumerReadsOurPushes() {
        String queue = unique("q");
        try (Backend backend = open(first.uri()); Jedis raw = raw(first)) {
            backend.push(queue, List.of(b("a"), b("b")), Priority.NORMAL, null);
            backend.push(queue, List.of(b("due")), Priority.NORMAL, Instant.now().minusSeconds(1));
            assertThat(texts(raw.lpop(b(queue), 10))).containsExactly("a", "b");
            double now = System.currentTimeMillis() / 1000.0;
            assertThat(texts(raw.zrangeByScore(b(queue + ".delayed"), 0, now))).containsExactly("due");
        }
    }

    @Test
    @DisplayName("keys are raw strings set with GETSET semantics, and locks are __lock__.<name> holding the owner token")
    void keysAndLocksUsePythonsNames() {
        String key = unique("key");
        String lock = unique("lock");
        try (Backend backend = open(first.uri()); Jedis raw = raw(first)) {
            assertThat(backend.keyRole().orElseThrow().keySet(key, b("v1"))).isTrue();
            assertThat(raw.get(key)).isEqualTo("v1");
            raw.set(key, "from-python");
            assertThat(backend.keyRole().orElseThrow().keyGet(key)).map(v -> new String(v, StandardCharsets.UTF_8)).contains("from-python");

            assertThat(backend.lockRole().orElseThrow().lockAcquire(lock, "owner-1", Duration.ofSeconds(30))).isTrue();
            assertThat(raw.get("__lock__." + lock)).isEqualTo("owner-1");
            assertThat(raw.ttl("__lock__." + lock)).isBetween(25L, 30L);

            // A Python lock stores b'' as value: we see it as locked but can never release it ...
            String pythonLock = unique("lock");
            raw.set("__lock__." + pythonLock, "", SetParams.setParams().ex(30));
            assertThat(backend.lockRole().orElseThrow().lockIsLocked(pythonLock)).isTrue();
            assertThat(backend.lockRole().orElseThrow().lockRelease(pythonLock, "owner-1")).isFalse();
            // ... while Python's release is a plain DEL that would delete ours (documented limitation).
            raw.del("__lock__." + lock);
            assertThat(backend.lockRole().orElseThrow().lockIsLocked(lock)).isFalse();
        }
    }

    @Test
    @DisplayName("on two nodes, keys and locks live on node CRC32(name) % 2 and pushes alternate between nodes")
    void twoNodesPlacement() {
        String uri = first.uri() + "," + second.uri();
        List<RedisServerProcess> nodes = List.of(first, second);
        try (Backend backend = open(uri); Jedis a = raw(first); Jedis b = raw(second)) {
            List<Jedis> raws = List.of(a, b);
            for (int i = 0; i < 20; i++) {
                String key = unique("key" + i);
                backend.keyRole().orElseThrow().keySet(key, b("x"));
                int home = IndependentNodes.nodeIndex(key, 2);
                assertThat(raws.get(home).exists(key)).as(key + " on node " + nodes.get(home).port()).isTrue();
                assertThat(raws.get(1 - home).exists(key)).isFalse();

                String lock = unique("lock" + i);
                backend.lockRole().orElseThrow().lockAcquire(lock, "me", Duration.ofSeconds(30));
                assertThat(raws.get(IndependentNodes.nodeIndex(lock, 2)).exists("__lock__." + lock)).isTrue();
            }
            String queue = unique("q");
            backend.push(queue, List.of(b("one")), Priority.NORMAL, null);
            backend.push(queue, List.of(b("two")), Priority.NORMAL, null);
            assertThat(a.llen(queue) + b.llen(queue)).isEqualTo(2);
            assertThat(a.llen(queue)).as("one push per node, round robin").isEqualTo(1);
            assertThat(backend.length(queue, false)).isEqualTo(2);
        }
    }

    @Test
    @DisplayName("on several nodes each process starts its push rotation at a random node, as Python Sergeant")
    void pushRotationStartsAtARandomNode() {
        String uri = first.uri() + "," + second.uri();
        String queue = unique("q");
        int producers = 40;
        for (int i = 0; i < producers; i++) {
            // A fresh backend per push: forty one-task producers, as forty short-lived processes.
            try (Backend backend = open(uri)) {
                backend.push(queue, List.of(b("task-" + i)), Priority.NORMAL, null);
            }
        }
        try (Jedis a = raw(first); Jedis b = raw(second)) {
            assertThat(a.llen(queue) + b.llen(queue)).isEqualTo(producers);
            // With a random start, all forty on one node has a chance of 2 in 2^40.
            assertThat(a.llen(queue)).as("tasks on the first node").isPositive();
            assertThat(b.llen(queue)).as("tasks on the second node").isPositive();
        }
    }

    @Test
    @DisplayName("at-least-once structures live under __sergeant__:{q}: names that Python never uses")
    void leaseStructuresHaveTheirOwnNames() {
        String queue = unique("q");
        try (Backend backend = open(first.uri()); Jedis raw = raw(first)) {
            backend.push(queue, List.of(b("a"), b("b")), Priority.NORMAL, null);
            List<Delivery> leased = backend.pop(queue, 1, LEASED);
            Set<String> keys = raw.keys("*" + queue + "*");
            String own = "__sergeant__:{" + queue + "}:";
            // "wake" is the wake-up list of pickup without polling (a signal per push, expiring after 10 s).
            assertThat(keys).containsExactlyInAnyOrder(queue, own + "batches", own + "batch-meta", own + "leases",
                    own + "inflight", own + "wake");
            assertThat(raw.pttl(own + "wake")).as("the wake-up list expires").isBetween(1L, 10_000L);
            String batch = leased.get(0).receipt().id().split(":")[1];
            assertThat(batch).as("a batch id is a random 128-bit token (22 base64url characters) plus the group number").matches("[A-Za-z0-9_-]{22}-1");
            assertThat(raw.hget(own + "batch-meta", batch)).as("delivery count, size, unsettled").isEqualTo("1:1:1");
            assertThat(raw.zscore(own + "leases", batch)).isGreaterThan(System.currentTimeMillis() + 50_000.0);
            assertThat(texts(raw.lrange(b(queue), 0, -1))).as("Python still sees the rest").containsExactly("b");
        }
    }

    @Test
    @DisplayName("tasks handed back, released or reaped return to the head of Python's list q, where a Python"
            + " consumer's LPOP takes them byte for byte; Java keeps their delivery counts")
    void returnedTasksArePythonVisible() throws InterruptedException {
        String queue = unique("q");
        try (Backend backend = open(first.uri()); Jedis raw = raw(first)) {
            BackendLeases leases = backend.leaseRole().orElseThrow();
            backend.push(queue, List.of(b("handed-back"), b("released"), b("reaped"), b("n1"), b("n2")), Priority.NORMAL, null);
            List<Delivery> handedBack = backend.pop(queue, 1, LEASED);
            List<Delivery> released = backend.pop(queue, 1, LEASED);
            List<Delivery> reaped = backend.pop(queue, 1, DeliveryOptions.leased(Duration.ofMillis(200), 5));
            assertThat(texts(raw.lrange(b(queue), 0, -1))).as("Python sees only the tasks not leased").containsExactly("n1", "n2");

            assertThat(leases.handBack(queue, receipts(handedBack)).settled()).isEqualTo(1);
            assertThat(leases.release(queue, receipts(released)).settled()).isEqualTo(1);
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (leases.reap(queue, 5).redelivered() == 0 && System.nanoTime() - until < 0) {
                Thread.sleep(50);
            }
            assertThat(texts(raw.lrange(b(queue), 0, -1))).as("returned tasks at the HIGH end, as Python's hand-backs")
                    .containsExactly("reaped", "released", "handed-back", "n1", "n2");

            List<Delivery> again = backend.pop(queue, 3, LEASED);
            assertThat(again).extracting(d -> new String(d.payload(), StandardCharsets.UTF_8))
                    .containsExactly("reaped", "released", "handed-back");
            assertThat(again).extracting(d -> d.receipt().deliveryCount()).as("reaped and released count, handed back not")
                    .containsExactly(2, 2, 1);
            assertThat(leases.handBack(queue, receipts(again)).settled()).isEqualTo(3);
            List<String> popped = texts(raw.lpop(b(queue), 10));
            assertThat(popped.subList(0, 3)).as("a Python consumer pops the returned tasks first")
                    .containsExactlyInAnyOrder("reaped", "released", "handed-back");
            assertThat(popped.subList(3, popped.size())).containsExactly("n1", "n2");
            assertThat(backend.pop(queue, 10, LEASED)).isEmpty();
            assertThat(raw.exists("__sergeant__:{" + queue + "}:counts")).as("counts of tasks Python took are dropped").isFalse();
        }
    }

    private static List<Receipt> receipts(List<Delivery> deliveries) {
        return deliveries.stream().map(Delivery::receipt).toList();
    }

    private static Backend open(String uri) {
        return new RedisBackendFactory().create(new BackendSpec(uri, Map.of()), PluginContext.defaults());
    }

    private static Jedis raw(RedisServerProcess server) {
        return new Jedis("127.0.0.1", server.port());
    }

    private static String unique(String kind) {
        return "sgt-layout-" + kind + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> texts(List<byte[]> payloads) {
        return payloads.stream().map(p -> new String(p, StandardCharsets.UTF_8)).toList();
    }
}
