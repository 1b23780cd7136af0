package io.sergeant.backend.mongo;

import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import io.sergeant.api.DeadLetter;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.ErrorType;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.PartialSettleException;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import org.bson.BsonBinarySubType;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * MongoDB-specific behaviour against an in-process server, inspected with a plain driver client:
 * Python Sergeant's document layout both ways, leases hidden from Python's pop filter, locks that an
 * expired document never blocks, concurrent reapers, crash leftovers, errors and reconnection.
 */
class MongoBackendTest {

    private static final DeliveryOptions LEASE_30S = DeliveryOptions.leased(Duration.ofSeconds(30), 3);

    private static InProcessMongo server;
    private static MongoClient inspector;

    private final MutableClock clock = new MutableClock();
    private MongoBackend backend;
    private String queue;

    @BeforeAll
    static void startServer() {
        server = new InProcessMongo();
        inspector = MongoClients.create(server.uri());
    }

    @AfterAll
    static void stopServer() {
        inspector.close();
        server.close();
    }

    @BeforeEach
    void open() {
        backend = MongoBackend.connect(server.uri(), MongoLayout.DEFAULT_DATABASE, clock);
        queue = "q-" + UUID.randomUUID();
    }

    @AfterEach
    void close() {
        backend.close();
    }

    @Test
    @DisplayName("half pops cost about half a whole one (the split-pop hint): a pop is mostly the server's time")
    void popsSplitCheaply() {
        assertThat(backend.popsSplitCheaply()).isTrue();
    }

    @Test
    @DisplayName("push writes Python Sergeant's documents: queue_name, priority 0.0/1.0/epoch, value as generic binary")
    void pushWritesPythonDocuments() {
        Instant later = Instant.ofEpochMilli(clock.millis() + 3_600_000);
        backend.push(queue, List.of(bytes("n")), Priority.NORMAL, null);
        backend.push(queue, List.of(bytes("h")), Priority.HIGH, null);
        backend.push(queue, List.of(bytes("d")), Priority.HIGH, later);

        List<Document> docs = new ArrayList<>();
        tasks().find(Filters.eq("queue_name", queue)).sort(Sorts.ascending("_id")).into(docs);
        assertThat(docs).hasSize(3);
        assertThat(docs).allSatisfy(doc -> {
            assertThat(doc.keySet()).containsExactly("_id", "queue_name", "priority", "value");
            assertThat(doc.get("_id")).isInstanceOf(ObjectId.class);
            assertThat(doc.get("priority")).isInstanceOf(Double.class);
            assertThat(doc.get("value", Binary.class).getType()).isEqualTo(BsonBinarySubType.BINARY.getValue());
        });
        assertThat(docs).extracting(doc -> doc.getDouble("priority"))
                .containsExactly(1.0, 0.0, later.toEpochMilli() / 1000.0);
        assertThat(docs).extracting(doc -> text(doc.get("value", Binary.class).getData())).containsExactly("n", "h", "d");
    }

    @Test
    @DisplayName("tasks written by Python Sergeant are popped in its order, in both modes")
    void popsPythonDocuments() {
        double now = clock.seconds();
        tasks().insertMany(List.of(
                pythonTask(1.0, "normal-1"), pythonTask(0.0, "high-1"), pythonTask(now - 5, "due-delayed"),
                pythonTask(now + 3600, "future"), pythonTask(1.0, "normal-2"), pythonTask(0.0, "high-2")));

        List<String> amo = texts(backend.pop(queue, 3, DeliveryOptions.AT_MOST_ONCE));
        assertThat(amo).containsExactly("high-1", "high-2", "normal-1");
        List<Delivery> leased = backend.pop(queue, 10, LEASE_30S);
        assertThat(texts(leased)).containsExactly("normal-2", "due-delayed");
        assertThat(backend.leaseRole().orElseThrow().ack(queue, receipts(leased))).isEqualTo(SettleResult.all(2));
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 1, 0, 0));
    }

    @Test
    @DisplayName("a leased task's priority is its deadline, so Python's pop filter skips it until the lease expires")
    void leasedTasksAreHiddenFromPythonPops() {
        backend.push(queue, List.of(bytes("t")), Priority.NORMAL, null);
        Delivery delivery = backend.pop(queue, 1, LEASE_30S).get(0);

        Document doc = tasks().find(Filters.eq("queue_name", queue)).first();
        assertThat(doc.getString("sergeant_lease")).isNotBlank();
        assertThat(doc.getInteger("sergeant_deliveries")).isEqualTo(1);
        assertThat(doc.getDouble("priority")).isEqualTo(doc.getDouble("sergeant_deadline"))
                .isCloseTo(clock.seconds() + 30, within(5.0));
        assertThat(pythonPopCount(clock.seconds())).as("Python's filter while leased").isZero();

        clock.advance(Duration.ofSeconds(31));
        assertThat(pythonPopCount(clock.seconds())).as("Python's filter after the lease expired").isEqualTo(1);
        Delivery again = backend.pop(queue, 1, LEASE_30S).get(0);
        assertThat(again.receipt().deliveryCount()).as("an expired lease is deliverable even before a reap").isEqualTo(2);
        assertThat(backend.leaseRole().orElseThrow().ack(queue, List.of(delivery.receipt())).refused()).containsExactly(delivery.receipt());
        assertThat(backend.leaseRole().orElseThrow().ack(queue, List.of(again.receipt()))).isEqualTo(SettleResult.all(1));
    }

    @Test
    @DisplayName("an at-most-once consumer that died between claim and delete leaves the task hidden for a minute, not lost")
    void crashedAtMostOnceClaimIsDeliveredAgain() {
        backend.push(queue, List.of(bytes("survivor")), Priority.NORMAL, null);
        double hold = clock.seconds() + TaskStore.CLAIM_HOLD_SECONDS;
        tasks().updateOne(Filters.eq("queue_name", queue), new Document("$set", new Document("priority", hold)
                .append("sergeant_deadline", hold).append("sergeant_lease", "crashed-consumer"))
                .append("$inc", new Document("sergeant_deliveries", 1)));

        assertThat(backend.pop(queue, 5, DeliveryOptions.AT_MOST_ONCE)).isEmpty();
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 1, 0));
        clock.advance(Duration.ofSeconds(61));
        assertThat(texts(backend.pop(queue, 5, DeliveryOptions.AT_MOST_ONCE))).containsExactly("survivor");
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    @DisplayName("many reapers at once move each expired lease exactly once")
    void concurrentReapersNeverDoubleCount() throws Exception {
        backend.push(queue, encode("r", 120), Priority.NORMAL, null);
        assertThat(backend.pop(queue, 60, DeliveryOptions.leased(Duration.ofSeconds(5), 1))).hasSize(60);
        assertThat(backend.pop(queue, 60, DeliveryOptions.leased(Duration.ofSeconds(5), 2))).hasSize(60);
        clock.advance(Duration.ofSeconds(6));

        List<Callable<ReapResult>> reapers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            reapers.add(() -> backend.leaseRole().orElseThrow().reap(queue, 1));
        }
        ExecutorService pool = Executors.newFixedThreadPool(reapers.size());
        int redelivered = 0;
        int dead = 0;
        try {
            for (Future<ReapResult> result : pool.invokeAll(reapers, 60, TimeUnit.SECONDS)) {
                redelivered += result.get().redelivered();
                dead += result.get().deadLettered();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(redelivered + dead).isEqualTo(120);
        assertThat(dead).as("every task was delivered once and maxDeliveries is 1").isEqualTo(120);
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 120));
        assertThat(backend.deadLetterRole().orElseThrow().deadLetters(queue, 500)).hasSize(120).extracting(DeadLetter::deliveryCount).containsOnly(1);
    }

    @Test
    @DisplayName("reap puts an expired lease back at the head of the queue with its delivery count")
    void reapPutsTasksBackAtTheHead() {
        backend.push(queue, encode("t", 3), Priority.NORMAL, null);
        Delivery first = backend.pop(queue, 1, LEASE_30S).get(0);
        clock.advance(Duration.ofSeconds(31));
        assertThat(backend.leaseRole().orElseThrow().reap(queue, 3)).isEqualTo(new ReapResult(1, 0));

        Document doc = tasks().find(Filters.eq("_id", new ObjectId(first.receipt().id().split(":")[1]))).first();
        assertThat(doc.getDouble("priority")).isEqualTo(0.0);
        assertThat(doc.containsKey("sergeant_lease")).isFalse();
        assertThat(doc.containsKey("sergeant_deadline")).isFalse();
        assertThat(doc.getInteger("sergeant_deliveries")).isEqualTo(1);
        List<Delivery> again = backend.pop(queue, 3, LEASE_30S);
        assertThat(texts(again)).containsExactly("t-0", "t-1", "t-2");
        assertThat(again.get(0).receipt().deliveryCount()).isEqualTo(2);
    }

    @Test
    @DisplayName("keys use Python's layout {key, value}")
    void keysUsePythonLayout() {
        String key = "k-" + UUID.randomUUID();
        assertThat(backend.keyRole().orElseThrow().keySet(key, bytes("v"))).isTrue();
        Document doc = database().getCollection("keys").find(Filters.eq("key", key)).first();
        assertThat(doc.keySet()).containsExactlyInAnyOrder("_id", "key", "value");
        assertThat(text(doc.get("value", Binary.class).getData())).isEqualTo("v");

        database().getCollection("keys").insertOne(new Document("key", key + "-py").append("value", new Binary(bytes("py"))));
        assertThat(backend.keyRole().orElseThrow().keyGet(key + "-py")).hasValueSatisfying(v -> assertThat(text(v)).isEqualTo("py"));
    }

    @Test
    @DisplayName("an expired lock document (the TTL monitor has not run yet) never blocks acquire")
    void expiredLockDocumentDoesNotBlock() {
        String name = "lock-" + UUID.randomUUID();
        locks().insertOne(new Document("name", name).append("expireAt", new Date(clock.millis() - 1_000)));
        assertThat(backend.lockRole().orElseThrow().lockIsLocked(name)).isFalse();
        assertThat(backend.lockRole().orElseThrow().lockTtl(name)).isEmpty();

        assertThat(backend.lockRole().orElseThrow().lockAcquire(name, "bob", Duration.ofSeconds(60))).isTrue();
        Document doc = locks().find(Filters.eq("name", name)).first();
        assertThat(doc.getString("owner")).isEqualTo("bob");
        assertThat(doc.getDate("expireAt").getTime()).isCloseTo(clock.millis() + 60_000, within(5_000L));
        assertThat(locks().countDocuments(Filters.eq("name", name))).isEqualTo(1);

        clock.advance(Duration.ofSeconds(61));
        assertThat(backend.lockRole().orElseThrow().lockAcquire(name, "carol", Duration.ofSeconds(60))).isTrue();
        assertThat(backend.lockRole().orElseThrow().lockRelease(name, "bob")).isFalse();
        assertThat(backend.lockRole().orElseThrow().lockRelease(name, "carol")).isTrue();
    }

    @Test
    @DisplayName("a live lock taken by Python (no owner field) blocks Java and cannot be released by it")
    void pythonLockBlocks() {
        String name = "lock-" + UUID.randomUUID();
        locks().insertOne(new Document("name", name).append("expireAt", new Date(clock.millis() + 60_000)));
        assertThat(backend.lockRole().orElseThrow().lockIsLocked(name)).isTrue();
        assertThat(backend.lockRole().orElseThrow().lockAcquire(name, "bob", Duration.ofSeconds(60))).isFalse();
        assertThat(backend.lockRole().orElseThrow().lockRelease(name, "bob")).isFalse();
        assertThat(backend.lockRole().orElseThrow().lockTtl(name)).hasValueSatisfying(ttl -> assertThat(ttl).isBetween(
                Duration.ofSeconds(55), Duration.ofSeconds(60)));
    }

    @Test
    @DisplayName("the locks collection has Python's unique name index and TTL index on expireAt")
    void lockIndexesMatchPython() {
        List<Document> indexes = new ArrayList<>();
        locks().listIndexes().into(indexes);
        assertThat(indexes).anySatisfy(index -> {
            assertThat(index.getString("name")).isEqualTo("name_1");
            assertThat(index.getBoolean("unique")).isTrue();
        });
        assertThat(indexes).anySatisfy(index -> {
            assertThat(index.getString("name")).isEqualTo("expireAt_1");
            assertThat(((Number) index.get("expireAfterSeconds")).longValue()).isZero();
        });
    }

    @Test
    @DisplayName("a standalone server gets w=1; a w in the URI wins")
    void writeConcernFollowsTopologyAndUri() {
        try (MongoNode standalone = MongoNode.connect(0, new com.mongodb.ConnectionString(server.uri()), "sergeant");
             MongoNode configured = MongoNode.connect(0,
                     new com.mongodb.ConnectionString(server.uri() + "/?w=majority"), "sergeant")) {
            assertThat(standalone.topology()).isEqualTo("standalone");
            assertThat(standalone.writeConcern()).isEqualTo(WriteConcern.W1);
            assertThat(configured.writeConcern().getWString()).isEqualTo("majority");
            assertThat(configured.tasks().getWriteConcern().getWString()).isEqualTo("majority");
        }
    }

    @Test
    @DisplayName("the database option moves everything to another database")
    void databaseOption() {
        try (MongoBackend other = MongoBackend.connect(server.uri(), "sergeant_other", clock)) {
            other.push(queue, List.of(bytes("x")), Priority.NORMAL, null);
        }
        assertThat(inspector.getDatabase("sergeant_other").getCollection("task_queue")
                .countDocuments(Filters.eq("queue_name", queue))).isEqualTo(1);
        assertThat(backend.length(queue, true)).isZero();
    }

    @Test
    @DisplayName("receipts that are not this backend's are refused, never acted on")
    void foreignReceiptsAreRefused() {
        backend.push(queue, List.of(bytes("t")), Priority.NORMAL, null);
        Delivery real = backend.pop(queue, 1, LEASE_30S).get(0);
        List<Receipt> foreign = List.of(
                new Receipt("garbage", "token", 1),
                new Receipt("7:" + new ObjectId().toHexString(), "x/" + new ObjectId().toHexString(), 1),
                new Receipt(real.receipt().id(), "other-batch/" + real.receipt().id().split(":")[1], 1),
                new Receipt(real.receipt().id(), real.receipt().token().replace('/', '-'), 1));
        SettleResult result = backend.leaseRole().orElseThrow().ack(queue, foreign);
        assertThat(result.settled()).isZero();
        assertThat(result.refused()).containsExactlyElementsOf(foreign);
        assertThat(backend.leaseRole().orElseThrow().extend("another-queue", List.of(real.receipt()), Duration.ofSeconds(5)).refused())
                .as("a receipt of another queue").containsExactly(real.receipt());
        assertThat(backend.leaseRole().orElseThrow().ack(queue, List.of(real.receipt()))).isEqualTo(SettleResult.all(1));
    }

    @Test
    @DisplayName("a task over MongoDB's 16 MiB document limit is a PAYLOAD_TOO_LARGE error")
    void oversizedTask() {
        byte[] huge = new byte[17 * 1024 * 1024];
        assertThatThrownBy(() -> backend.push(queue, List.of(huge), Priority.NORMAL, null))
                .isInstanceOfSatisfying(SergeantException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
                    assertThat(e.getMessage()).contains("16 MiB");
                });
        assertThat(backend.length(queue, true)).isZero();
    }

    @Test
    @DisplayName("a closed backend refuses work with a clear error, and close is idempotent")
    void closedBackend() {
        backend.close();
        backend.close();
        assertThatThrownBy(() -> backend.length(queue, true))
                .isInstanceOfSatisfying(SergeantException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.ILLEGAL_ACTION);
                    assertThat(e.getMessage()).contains("closed");
                });
    }

    @Test
    @DisplayName("pop of zero tasks returns nothing; bad arguments are rejected")
    void arguments() {
        backend.push(queue, List.of(bytes("t")), Priority.NORMAL, null);
        assertThat(backend.pop(queue, 0, LEASE_30S)).isEmpty();
        assertThatThrownBy(() -> backend.pop(queue, -1, LEASE_30S)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backend.leaseRole().orElseThrow().reap(queue, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backend.leaseRole().orElseThrow().extend(queue, List.of(), Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backend.push(null, List.of(), Priority.NORMAL, null)).isInstanceOf(NullPointerException.class);
        assertThat(backend.deadLetterRole().orElseThrow().deadLetters(queue, 0)).isEmpty();
    }

    @Test
    @DisplayName("the backend reconnects by itself after its server comes back")
    void reconnectsAfterRestart() {
        InProcessMongo first = new InProcessMongo();
        InProcessMongo second = null;
        MongoBackend local = MongoBackend.connect(first.uri() + "/?serverSelectionTimeoutMS=500", "sergeant", clock);
        try {
            local.push(queue, List.of(bytes("before")), Priority.NORMAL, null);
            first.close();
            assertThatThrownBy(() -> local.length(queue, true))
                    .isInstanceOfSatisfying(SergeantException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                        assertThat(e.type()).isEqualTo(ErrorType.TRANSIENT_EXTERNAL);
                    });
            second = InProcessMongo.onPort(first.port());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            long length = -1;
            while (length < 0 && System.nanoTime() < deadline) {
                try {
                    length = local.length(queue, true);
                } catch (SergeantException e) {
                    assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                }
            }
            assertThat(length).as("the memory server restarted empty").isZero();
            local.push(queue, List.of(bytes("after")), Priority.NORMAL, null);
            assertThat(texts(local.pop(queue, 5, DeliveryOptions.AT_MOST_ONCE))).containsExactly("after");
        } finally {
            local.close();
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }

    @Test
    @DisplayName("with the first of two nodes down, an ack settles on the healthy node and names the receipts it could not settle")
    void settleReachesEveryHealthyNode() {
        InProcessMongo first = new InProcessMongo();
        InProcessMongo second = new InProcessMongo();
        MongoBackend two = MongoBackend.connect(first.uri() + "/?serverSelectionTimeoutMS=500,"
                + second.uri() + "/?serverSelectionTimeoutMS=500", "sergeant", clock);
        try {
            for (int i = 0; i < 10; i++) {
                two.push(queue, List.of(bytes("t" + i)), Priority.NORMAL, null); // rotates over the nodes
            }
            List<Delivery> leased = new ArrayList<>();
            for (int round = 0; round < 4 && leased.size() < 10; round++) {
                leased.addAll(two.pop(queue, 10, LEASE_30S));
            }
            assertThat(leased).hasSize(10);
            List<Receipt> receipts = leased.stream().map(Delivery::receipt).toList();
            List<Receipt> onFirst = receipts.stream().filter(r -> LeaseRef.parse(r, 2).orElseThrow().node() == 0).toList();
            assertThat(onFirst).isNotEmpty().hasSizeLessThan(10);
            first.close();

            assertThatThrownBy(() -> two.leaseRole().orElseThrow().ack(queue, receipts)).isInstanceOfSatisfying(PartialSettleException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                assertThat(e.getMessage()).contains("node(s) [0]").contains("the other nodes settled " + (10 - onFirst.size()));
                assertThat(e.done()).isEqualTo(SettleResult.all(10 - onFirst.size()));
                assertThat(e.unsettled()).containsExactlyInAnyOrderElementsOf(onFirst);
            });
            try (MongoClient client = MongoClients.create(second.uri())) {
                assertThat(client.getDatabase("sergeant").getCollection("task_queue")
                        .countDocuments(Filters.eq("queue_name", queue))).as("acked on the healthy node").isZero();
            }
        } finally {
            two.close();
            first.close();
            second.close();
        }
    }

    private long pythonPopCount(double now) {
        return tasks().countDocuments(Filters.and(Filters.eq("queue_name", queue), Filters.lte("priority", now)));
    }

    private Document pythonTask(double priority, String text) {
        return new Document("queue_name", queue).append("priority", priority).append("value", new Binary(bytes(text)));
    }

    private static MongoDatabase database() {
        return inspector.getDatabase("sergeant");
    }

    private static MongoCollection<Document> tasks() {
        return database().getCollection("task_queue");
    }

    private static MongoCollection<Document> locks() {
        return database().getCollection("locks");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static List<byte[]> encode(String prefix, int n) {
        List<byte[]> result = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            result.add(bytes(prefix + "-" + i));
        }
        return result;
    }

    private static List<String> texts(List<Delivery> deliveries) {
        List<String> result = new ArrayList<>();
        for (Delivery delivery : deliveries) {
            result.add(text(delivery.payload()));
        }
        return result;
    }

    private static List<Receipt> receipts(List<Delivery> deliveries) {
        List<Receipt> result = new ArrayList<>();
        for (Delivery delivery : deliveries) {
            result.add(delivery.receipt());
        }
        return result;
    }
}
