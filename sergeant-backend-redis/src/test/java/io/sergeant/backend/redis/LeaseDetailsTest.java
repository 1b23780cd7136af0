package io.sergeant.backend.redis;

import io.sergeant.testkit.servers.RedisServerProcess;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Redis-specific edges: batches larger than one command or one Lua unpack, concurrent reapers, NOSCRIPT. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeaseDetailsTest {

    private RedisServerProcess server;
    private Backend backend;

    @BeforeAll
    void start() {
        server = RedisServerProcess.start();
        backend = new RedisBackendFactory().create(new BackendSpec(server.uri(), Map.of()), PluginContext.defaults());
    }

    @AfterAll
    void stop() {
        if (backend != null) {
            backend.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    @DisplayName("pushes larger than one command are pipelined in order; HIGH keeps LPUSH order across chunks")
    void largePushes() {
        String queue = unique();
        backend.push(queue, texts("n", 25_000), Priority.NORMAL, null);
        backend.push(queue, texts("h", 25_000), Priority.HIGH, null);
        backend.push(queue, texts("d", 12_000), Priority.NORMAL, Instant.now().plusSeconds(3600));
        try (Jedis raw = new Jedis("127.0.0.1", server.port())) {
            assertThat(raw.llen(queue)).isEqualTo(50_000);
            assertThat(raw.lindex(queue, 0)).isEqualTo("h-24999");
            assertThat(raw.lindex(queue, 24_999)).isEqualTo("h-0");
            assertThat(raw.lindex(queue, 25_000)).isEqualTo("n-0");
            assertThat(raw.lindex(queue, -1)).isEqualTo("n-24999");
            assertThat(raw.zcard(queue + ".delayed")).isEqualTo(12_000);
        }
        assertThat(backend.purge(queue)).isTrue();
    }

    @Test
    @DisplayName("a leased pop and an ack of 10,000 tasks each run as one script")
    void hugeLeasedBatch() {
        String queue = unique();
        backend.push(queue, texts("t", 10_000), Priority.NORMAL, null);
        List<Delivery> popped = backend.pop(queue, 10_000, DeliveryOptions.leased(Duration.ofSeconds(60), 3));
        assertThat(popped).hasSize(10_000);
        assertThat(new String(popped.get(9_999).payload(), StandardCharsets.UTF_8)).isEqualTo("t-9999");
        assertThat(backend.leaseRole().orElseThrow().extend(queue, receipts(popped), Duration.ofSeconds(90))).isEqualTo(SettleResult.all(10_000));
        assertThat(backend.leaseRole().orElseThrow().ack(queue, receipts(popped))).isEqualTo(SettleResult.all(10_000));
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    @DisplayName("four concurrent reapers move each of 2,500 expired leases exactly once")
    void concurrentReapersNeverDoubleWork() throws Exception {
        String queue = unique();
        backend.push(queue, texts("t", 2_500), Priority.NORMAL, null);
        assertThat(backend.pop(queue, 2_500, DeliveryOptions.leased(Duration.ofMillis(300), 5))).hasSize(2_500);
        Thread.sleep(600);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<ReapResult>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> backend.leaseRole().orElseThrow().reap(queue, 5)));
            }
            int redelivered = 0;
            for (Future<ReapResult> result : results) {
                ReapResult r = result.get(30, TimeUnit.SECONDS);
                assertThat(r.deadLettered()).isZero();
                redelivered += r.redelivered();
            }
            assertThat(redelivered).isEqualTo(2_500);
        } finally {
            pool.shutdownNow();
        }
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(2_500, 0, 0, 0));
        List<Delivery> again = backend.pop(queue, 3_000, DeliveryOptions.leased(Duration.ofSeconds(60), 5));
        assertThat(again).hasSize(2_500).allMatch(d -> d.receipt().deliveryCount() == 2);
        assertThat(backend.leaseRole().orElseThrow().ack(queue, receipts(again)).settled()).isEqualTo(2_500);
    }

    @Test
    @DisplayName("released tasks are leased first, even before HIGH tasks pushed later")
    void releasedComeFirst() {
        String queue = unique();
        DeliveryOptions lease = DeliveryOptions.leased(Duration.ofSeconds(60), 5);
        backend.push(queue, texts("n", 2), Priority.NORMAL, null);
        List<Delivery> leased = backend.pop(queue, 1, lease);
        backend.push(queue, texts("h", 1), Priority.HIGH, null);
        assertThat(backend.leaseRole().orElseThrow().release(queue, receipts(leased))).isEqualTo(SettleResult.all(1));
        List<Delivery> all = backend.pop(queue, 10, lease);
        assertThat(all).extracting(d -> new String(d.payload(), StandardCharsets.UTF_8))
                .containsExactly("n-0", "h-0", "n-1");
        assertThat(backend.leaseRole().orElseThrow().ack(queue, receipts(all)).settled()).isEqualTo(3);
    }

    @Test
    @DisplayName("an at-most-once pop takes released tasks from the head of Python's list and cleans up their state")
    void atMostOnceTakesHandedBackTasks() {
        String queue = unique();
        backend.push(queue, texts("n", 2), Priority.NORMAL, null);
        List<Delivery> leased = backend.pop(queue, 1, DeliveryOptions.leased(Duration.ofSeconds(60), 5));
        assertThat(backend.leaseRole().orElseThrow().release(queue, receipts(leased))).isEqualTo(SettleResult.all(1));
        List<Delivery> all = backend.pop(queue, 10, DeliveryOptions.AT_MOST_ONCE);
        assertThat(all).extracting(d -> new String(d.payload(), StandardCharsets.UTF_8))
                .containsExactly("n-0", "n-1");
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
        try (Jedis raw = new Jedis("127.0.0.1", server.port())) {
            // Besides the counter, only the wake-up list of the push (pickup without polling; it expires) remains.
            assertThat(raw.keys("__sergeant__:{" + queue + "}:*")).as("no lease state left behind")
                    .containsOnly("__sergeant__:{" + queue + "}:inflight", "__sergeant__:{" + queue + "}:wake");
            assertThat(raw.get("__sergeant__:{" + queue + "}:inflight")).isEqualTo("0");
        }
    }

    @Test
    @DisplayName("a partly settled batch: reap returns only its unsettled items, to the head of the list")
    void partlySettledBatch() throws InterruptedException {
        String queue = unique();
        backend.push(queue, texts("t", 5), Priority.NORMAL, null);
        // A lease long enough for the four calls below even on a stalled, busy machine; then waited out.
        List<Delivery> batch = backend.pop(queue, 5, DeliveryOptions.leased(Duration.ofSeconds(3), 5));
        assertThat(backend.leaseRole().orElseThrow().ack(queue, List.of(batch.get(0).receipt(), batch.get(2).receipt())))
                .isEqualTo(SettleResult.all(2));
        assertThat(backend.leaseRole().orElseThrow().release(queue, List.of(batch.get(4).receipt()))).isEqualTo(SettleResult.all(1));
        assertThat(backend.leaseRole().orElseThrow().ack(queue, List.of(batch.get(2).receipt())).refused()).containsExactly(batch.get(2).receipt());
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(1, 0, 2, 0));
        Thread.sleep(3_300);
        assertThat(backend.leaseRole().orElseThrow().reap(queue, 5)).isEqualTo(new ReapResult(2, 0));
        List<Delivery> again = backend.pop(queue, 10, DeliveryOptions.leased(Duration.ofSeconds(60), 5));
        assertThat(again).extracting(d -> new String(d.payload(), StandardCharsets.UTF_8))
                .containsExactly("t-1", "t-3", "t-4");
        assertThat(again).allMatch(d -> d.receipt().deliveryCount() == 2);
        assertThat(backend.leaseRole().orElseThrow().ack(queue, List.of(batch.get(1).receipt())).refused()).as("reaped: stale")
                .containsExactly(batch.get(1).receipt());
        assertThat(backend.leaseRole().orElseThrow().ack(queue, receipts(again))).isEqualTo(SettleResult.all(3));
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    @DisplayName("after SCRIPT FLUSH (as after a restart) scripts are loaded again transparently")
    void noScriptFallback() {
        String queue = unique();
        backend.push(queue, texts("t", 3), Priority.NORMAL, null);
        server.command("SCRIPT", "FLUSH");
        List<Delivery> popped = backend.pop(queue, 3, DeliveryOptions.leased(Duration.ofSeconds(60), 5));
        assertThat(popped).hasSize(3);
        server.command("SCRIPT", "FLUSH");
        assertThat(backend.leaseRole().orElseThrow().ack(queue, receipts(popped))).isEqualTo(SettleResult.all(3));
    }

    @Test
    @DisplayName("receipts that are not this backend's are refused, not thrown")
    void foreignReceiptsAreRefused() {
        String queue = unique();
        Receipt foreign = new Receipt("mongo-id-123", "token", 1);
        Receipt otherShard = new Receipt("7:12", "12", 1);
        SettleResult result = backend.leaseRole().orElseThrow().ack(queue, List.of(foreign, otherShard));
        assertThat(result.settled()).isZero();
        assertThat(result.refused()).containsExactly(foreign, otherShard);
    }

    @Test
    @DisplayName("receipts in any order, repeated in one call or forged settle each leased item once")
    void receiptsInAnyOrderRepeatedOrForged() {
        String queue = unique();
        backend.push(queue, texts("t", 10), Priority.NORMAL, null);
        List<Receipt> batch = receipts(backend.pop(queue, 10, DeliveryOptions.leased(Duration.ofSeconds(60), 5)));
        Receipt three = batch.get(3);
        String batchId = three.id().split(":")[1];
        Receipt leadingZero = new Receipt("0:" + batchId + ":03", "0:" + batchId + ":03", 1);
        Receipt wrongToken = new Receipt(batch.get(9).id(), batch.get(8).id(), 1);
        Receipt otherBatch = new Receipt("0:" + batchId + "x:3", "0:" + batchId + "x:3", 1);
        List<Receipt> first = List.of(batch.get(5), three, batch.get(4), three, leadingZero, wrongToken, otherBatch, batch.get(0));
        SettleResult result = backend.leaseRole().orElseThrow().ack(queue, first);
        assertThat(result.settled()).isEqualTo(4);
        assertThat(result.refused()).containsExactly(three, leadingZero, wrongToken, otherBatch);
        assertThat(backend.stats(queue).inFlight()).isEqualTo(6);
        SettleResult rest = backend.leaseRole().orElseThrow().ack(queue, batch);
        assertThat(rest.settled()).isEqualTo(6);
        assertThat(rest.refused()).containsExactly(batch.get(0), batch.get(3), batch.get(4), batch.get(5));
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    @DisplayName("equal copies of receipts settle as the receipts the pop made, mixed, repeated, out of order and past the recent batches")
    void copiesOfReceiptsSettleAsTheOriginals() {
        String queue = unique();
        backend.push(queue, texts("t", 10), Priority.NORMAL, null);
        List<Receipt> batch = receipts(backend.pop(queue, 10, DeliveryOptions.leased(Duration.ofSeconds(60), 5)));
        List<Receipt> first = List.of(batch.get(0), batch.get(1), copy(batch.get(2)), batch.get(3), batch.get(3),
                copy(batch.get(4)), batch.get(6), batch.get(5), copy(batch.get(5)));
        SettleResult result = backend.leaseRole().orElseThrow().ack(queue, first);
        assertThat(result.settled()).isEqualTo(7);
        assertThat(result.refused()).containsExactly(batch.get(3), batch.get(5));
        SettleResult rest = backend.leaseRole().orElseThrow().ack(queue, List.of(copy(batch.get(7)), batch.get(8), batch.get(9)));
        assertThat(rest).isEqualTo(SettleResult.all(3));
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));

        // More batches than the ones remembered: the oldest are recognised by their ids, all settle once.
        int batches = ItemRef.Recent.SLOTS + 4;
        backend.push(queue, texts("u", 3 * batches), Priority.NORMAL, null);
        List<Receipt> all = new ArrayList<>();
        for (int i = 0; i < batches; i++) {
            all.addAll(receipts(backend.pop(queue, 3, DeliveryOptions.leased(Duration.ofSeconds(60), 5))));
        }
        assertThat(all).hasSize(3 * batches);
        List<Receipt> acks = new ArrayList<>(all);
        acks.add(all.get(0));
        acks.add(copy(all.get(all.size() - 1)));
        SettleResult everything = backend.leaseRole().orElseThrow().ack(queue, acks);
        assertThat(everything.settled()).isEqualTo(3 * batches);
        assertThat(everything.refused()).hasSize(2);
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    private static Receipt copy(Receipt receipt) {
        return new Receipt(new String(receipt.id()), new String(receipt.token()), receipt.deliveryCount());
    }

    @Test
    @DisplayName("ack.lua checks index specs the Java client never sends item by item: unordered, overlapping, out of range")
    void unusualIndexSpecs() {
        String queue = unique();
        backend.push(queue, texts("t", 5), Priority.NORMAL, null);
        List<Receipt> batch = receipts(backend.pop(queue, 5, DeliveryOptions.leased(Duration.ofSeconds(60), 5)));
        String batchId = batch.get(0).id().split(":")[1];
        LuaScript ack = Scripts.load().ack();
        try (Jedis jedis = new Jedis(java.net.URI.create(server.uri()))) {
            List<byte[]> keys = QueueKeys.python(queue).all();
            // Unordered with a repeat and an index past the batch: 3, 1 and 2 settle; the second 2 and 7 are refused.
            assertThat(refusedPairs(jedis.eval(ack.source(), keys, args(batchId, "3,1-2,2,7")))).containsExactly(1L, 2L, 1L, 7L);
            assertThat(backend.stats(queue).inFlight()).isEqualTo(2);
            // Overlapping ranges over a partly settled batch: 0 and 4 settle (the batch is gone); 1-3 were settled
            // before and are refused each time they are named.
            assertThat(refusedPairs(jedis.eval(ack.source(), keys, args(batchId, "0-2,1-4"))))
                    .containsExactly(1L, 1L, 1L, 2L, 1L, 1L, 1L, 2L, 1L, 3L);
            assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
            // A whole range of a batch that is gone: all refused, and the second pair names the one item.
            assertThat(refusedPairs(jedis.eval(ack.source(), keys, args(batchId, "0-1", batchId, "4"))))
                    .containsExactly(1L, 0L, 1L, 1L, 2L, 4L);
        }
        assertThat(backend.leaseRole().orElseThrow().ack(queue, batch).refused()).containsExactlyElementsOf(batch);
    }

    @Test
    @DisplayName("forged index specs (huge, infinite, malformed ranges) are refused without looping over what they name")
    void forgedIndexSpecsAreBounded() {
        String queue = unique();
        backend.push(queue, texts("t", 5), Priority.NORMAL, null);
        List<Receipt> batch = receipts(backend.pop(queue, 5, DeliveryOptions.leased(Duration.ofSeconds(60), 5)));
        String batchId = batch.get(0).id().split(":")[1];
        LuaScript ack = Scripts.load().ack();
        try (Jedis jedis = new Jedis(java.net.URI.create(server.uri()), 60_000)) {
            List<byte[]> keys = QueueKeys.python(queue).all();
            // Malformed and non-finite parts are refused as -1 each; nothing settles.
            assertThat(refusedPairs(jedis.eval(ack.source(), keys, args(batchId, "x,0-inf,nan,3-1,1.5,-inf-2"))))
                    .containsExactly(1L, -1L, 1L, -1L, 1L, -1L, 1L, -1L, 1L, -1L, 1L, -1L);
            assertThat(backend.stats(queue).inFlight()).isEqualTo(5);
            // A range far past the batch (unsorted, so checked item by item): items 1-4 settle, the rest is one refusal.
            assertThat(refusedPairs(jedis.eval(ack.source(), keys, args(batchId, "2-999999999,1"))))
                    .containsExactly(1L, 5L);
            assertThat(backend.stats(queue).inFlight()).isEqualTo(1);
            assertThat(refusedPairs(jedis.eval(ack.source(), keys, args(batchId, "0,1-99999999999"))))
                    .containsExactly(1L, 1L, 1L, 2L, 1L, 3L, 1L, 4L, 1L, 5L);
            assertThat(backend.stats(queue).inFlight()).isZero();
            // The batch is gone: a huge range is refused item by item only up to the call's budget of 2^20
            // items, the rest of each part as its first index.
            List<Long> refused = refusedPairs(jedis.eval(ack.source(), keys, args(batchId, "0-999999999", batchId, "7-99999999999")));
            assertThat(refused).hasSize(2 * (1_048_576 + 2));
            assertThat(refused.subList(refused.size() - 6, refused.size())).containsExactly(1L, 1_048_575L, 1L, 1_048_576L, 2L, 7L);
        }
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    @DisplayName("acks of a partly settled batch: ranges of unsettled items settle by range, a range with a settled item item by item")
    void partlySettledBatchAcksByRange() {
        String queue = unique();
        backend.push(queue, texts("t", 6), Priority.NORMAL, null);
        List<Receipt> batch = receipts(backend.pop(queue, 6, DeliveryOptions.leased(Duration.ofSeconds(60), 5)));
        String batchId = batch.get(0).id().split(":")[1];
        String meta = "__sergeant__:{" + queue + "}:batch-meta";
        String marks = "__sergeant__:{" + queue + "}:batch-settled";
        LuaScript ack = Scripts.load().ack();
        try (Jedis jedis = new Jedis(java.net.URI.create(server.uri()))) {
            List<byte[]> keys = QueueKeys.python(queue).all();
            assertThat(refusedPairs(jedis.eval(ack.source(), keys, args(batchId, "1,3")))).isEmpty();
            assertThat(jedis.hget(marks, batchId)).isEqualTo("010100");
            assertThat(jedis.hget(meta, batchId)).isEqualTo("1:6:4");
            // A range over a settled item (1) is checked item by item: 0 and 2 settle, 1 is refused.
            assertThat(refusedPairs(jedis.eval(ack.source(), keys, args(batchId, "0-2")))).containsExactly(1L, 1L);
            assertThat(jedis.hget(marks, batchId)).isEqualTo("111100");
            // Ranges of unsettled items only: the last two settle, and the batch is gone with them.
            assertThat(refusedPairs(jedis.eval(ack.source(), keys, args(batchId, "4-5")))).isEmpty();
            assertThat(jedis.hget(meta, batchId)).isNull();
            assertThat(jedis.hget(marks, batchId)).isNull();
        }
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));

        backend.push(queue, texts("u", 8), Priority.NORMAL, null);
        List<Receipt> second = receipts(backend.pop(queue, 8, DeliveryOptions.leased(Duration.ofSeconds(60), 5)));
        LeaseRole leases = new LeaseRole(backend, queue);
        assertThat(leases.ack(List.of(second.get(6), second.get(0), second.get(2), second.get(3)))).isEqualTo(SettleResult.all(4));
        assertThat(leases.ack(List.of(second.get(7), second.get(1), second.get(5)))).isEqualTo(SettleResult.all(3));
        assertThat(leases.ack(second).refused()).hasSize(7);
        assertThat(backend.stats(queue).inFlight()).isZero();
    }

    /** The lease role of one queue, for short assertions. */
    private record LeaseRole(Backend backend, String queue) {
        SettleResult ack(List<Receipt> receipts) {
            return backend.leaseRole().orElseThrow().ack(queue, receipts);
        }
    }

    private static List<byte[]> args(String... values) {
        return java.util.Arrays.stream(values).map(v -> v.getBytes(StandardCharsets.UTF_8)).toList();
    }

    private static List<Long> refusedPairs(Object reply) {
        return ((List<?>) reply).stream().map(v -> (Long) v).toList();
    }

    private static List<byte[]> texts(String prefix, int n) {
        List<byte[]> result = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            result.add((prefix + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return result;
    }

    private static List<Receipt> receipts(List<Delivery> deliveries) {
        return deliveries.stream().map(Delivery::receipt).toList();
    }

    private static String unique() {
        return "sgt-lease-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
