package io.sergeant.backend.redis;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import io.sergeant.testkit.servers.RedisClusterProcess;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static io.sergeant.backend.redis.RedisTestSupport.bytes;
import static io.sergeant.backend.redis.RedisTestSupport.errorReplies;
import static io.sergeant.backend.redis.RedisTestSupport.holder;
import static io.sergeant.backend.redis.RedisTestSupport.open;
import static io.sergeant.backend.redis.RedisTestSupport.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A queue's slot migrated by hand from one master to another, the way {@code redis-cli --cluster reshard}
 * does it ({@code CLUSTER SETSLOT … IMPORTING} on the target, {@code … MIGRATING} on the source,
 * {@code MIGRATE … KEYS} one key at a time, {@code CLUSTER SETSLOT … NODE} on every master), while two
 * producers push and two workers pop, in each delivery mode. While the slot migrates, every queue script
 * meets {@code TRYAGAIN} (its keys are split between the nodes, or missing on the target) and, once the
 * source holds none of them, {@code ASK}; after it, {@code MOVED}. The migration steps wait until the
 * servers have answered such calls with {@code TRYAGAIN} and {@code ASK} ({@code INFO errorstats}), so the
 * window is known to have been met by the traffic, and it starts with tasks ready (and, at-least-once,
 * leased) in the slot. Every acknowledged push must be delivered exactly once (no node is lost, no lease
 * expires), no call may fail, and nothing may be left in the queue or on the source.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterSlotMigrationTest {

    private static final int FILLED = 1500;
    private static final int PRODUCERS = 2;
    private static final int WORKERS = 2;
    /** Pushes each producer makes after the migration ended before it stops. */
    private static final int PUSHES_AFTER = 100;
    private static final long STEP_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Phases of the test, for counting what happened when. */
    private static final int BEFORE = 0;
    private static final int DURING = 1;
    private static final int AFTER = 2;

    private static RedisClusterProcess cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcess.start(3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @DisplayName("at-most-once: a slot migrated under producers and workers (TRYAGAIN, ASK, MOVED) delivers every"
            + " acknowledged task exactly once, fails no call and leaves nothing")
    void atMostOnce() {
        migrateUnderTraffic(DeliveryOptions.AT_MOST_ONCE);
    }

    @Test
    @DisplayName("at-least-once: a slot migrated under producers and workers holding leases (TRYAGAIN, ASK, MOVED)"
            + " delivers every acknowledged task exactly once, settles every ack, fails no call and leaves nothing")
    void atLeastOnce() {
        migrateUnderTraffic(DeliveryOptions.leased(Duration.ofSeconds(120), 5));
    }

    @Test
    @DisplayName("a migration left open half-way fails a push within the timeout with BACKEND_UNAVAILABLE naming the"
            + " migration and its fix, an interrupt ends a pop's wait at once, and neither changed anything")
    void aMigrationLeftOpenFailsBoundedAndChangesNothing() {
        String queue = "stuck-" + UUID.randomUUID();
        try (Backend quick = open(cluster.uri(), Map.of("shards", "1", "timeout", "1s"));
             Backend patient = open(cluster.uri(), Map.of("shards", "1", "timeout", "120s"))) {
            List<String> pushed = List.of("s0", "s1", "s2", "s3", "s4");
            quick.push(queue, pushed.stream().map(RedisTestSupport::bytes).toList(), Priority.NORMAL, null);
            assertThat(patient.length(queue, false)).isEqualTo(5); // the patient client knows the queue's shard count
            String tag = ClusterShards.tag(queue, 0, 1);
            int slot = JedisClusterCRC16.getSlot("{" + tag + "}");
            String queueKey = "__sergeant__:{" + tag + "}:queue";
            RedisServerProcess source = holder(cluster, queueKey);
            RedisServerProcess target = cluster.masters().stream().filter(m -> m != source).findFirst().orElseThrow();
            openMigration(slot, source, target);
            assertThat(moveOneKey(slot, source, target)).as("a key moved, others stay: the slot is split").isTrue();
            assertThat(source.command("CLUSTER", "COUNTKEYSINSLOT", Integer.toString(slot))).as("keys left on the source")
                    .isNotEqualTo("0");

            SergeantException refused = catchThrowableOfType(SergeantException.class,
                    () -> quick.push(queue, List.of(bytes("late")), Priority.NORMAL, null));
            assertThat(refused).as("a push while the migration stays open").isNotNull();
            assertThat(refused.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
            assertThat(refused.getMessage()).contains("TRYAGAIN", "for 1000 ms", "being migrated", "changed nothing",
                    "redis-cli --cluster fix");

            AtomicReference<SergeantException> interrupted = new AtomicReference<>();
            Thread popper = start("patient-pop", () -> {
                try {
                    patient.pop(queue, 10, DeliveryOptions.AT_MOST_ONCE);
                } catch (SergeantException e) {
                    interrupted.set(e);
                }
            });
            Traffic none = new Traffic();
            awaitTryAgain(source, target, none, "a pop started waiting");
            popper.interrupt();
            join(popper);
            assertThat(interrupted.get()).as("the interrupted pop's failure").isNotNull();
            assertThat(interrupted.get().getMessage()).contains("TRYAGAIN", "until this thread was interrupted", "changed nothing");

            while (moveOneKey(slot, source, target)) {
                // the rest of the keys
            }
            closeMigration(slot, source, target);
            assertThat(quick.pop(queue, 10, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .as("the tasks after the migration was closed").containsExactlyElementsOf(pushed);
            assertThat(quick.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    private void migrateUnderTraffic(DeliveryOptions options) {
        String queue = "mig-" + UUID.randomUUID();
        // One shard: every key of the queue, leases and acks included, in one slot. A long timeout: a call
        // waits for a migration at most this long, and this test holds each step open until traffic met it.
        try (Backend backend = open(cluster.uri(), Map.of("shards", "1", "timeout", "60s"))) {
            Traffic traffic = new Traffic();
            for (int from = 0; from < FILLED; from += 100) {
                List<byte[]> chunk = new ArrayList<>();
                for (int i = from; i < from + 100; i++) {
                    chunk.add(bytes("f" + i));
                    traffic.acknowledged.add("f" + i);
                }
                backend.push(queue, chunk, Priority.NORMAL, null);
            }
            String tag = ClusterShards.tag(queue, 0, 1);
            int slot = JedisClusterCRC16.getSlot("{" + tag + "}");
            String queueKey = "__sergeant__:{" + tag + "}:queue";
            RedisServerProcess source = holder(cluster, queueKey);
            RedisServerProcess target = cluster.masters().stream().filter(m -> m != source).findFirst().orElseThrow();

            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                threads.add(start("producer-" + p, producer(backend, queue, "p" + p + "-", traffic)));
            }
            for (int w = 0; w < WORKERS; w++) {
                threads.add(start("worker-" + w, worker(backend, queue, options, traffic)));
            }
            await("workers delivered tasks before the migration", () -> traffic.deliveredIn.get(BEFORE) >= 100, traffic);

            QueueStats atStart = backend.stats(queue);
            migrate(slot, source, target, traffic);
            assertThat(atStart.ready()).as("tasks ready in the slot when its migration started").isPositive();
            if (options.leased()) {
                assertThat(atStart.inFlight()).as("tasks leased in the slot when its migration started").isPositive();
            }

            await("every producer pushed " + PUSHES_AFTER + " tasks after the migration", () -> traffic.producersDone.get() == PRODUCERS, traffic);
            await("every acknowledged task delivered", () -> traffic.deliveries.keySet().containsAll(traffic.acknowledged), traffic);
            traffic.stop = true;
            for (Thread thread : threads) {
                join(thread);
            }

            assertThat(traffic.deliveries.keySet()).as("tasks delivered").isEqualTo(traffic.acknowledged);
            assertThat(traffic.deliveries.entrySet().stream().filter(e -> e.getValue().get() != 1).map(Map.Entry::getKey).toList())
                    .as("tasks delivered more than once").isEmpty();
            assertThat(traffic.deliveredIn.get(AFTER)).as("tasks delivered after the migration").isPositive();
            if (options.leased()) {
                assertThat(traffic.settled.get()).as("acks settled").isEqualTo(traffic.acknowledged.size());
            }
            assertThat(backend.stats(queue)).as("what is left of the queue").isEqualTo(new QueueStats(0, 0, 0, 0));
            assertThat(source.command("CLUSTER", "COUNTKEYSINSLOT", Integer.toString(slot)))
                    .as("keys left on the source").isEqualTo("0");
            assertThat(holder(cluster, queueKey)).as("the master that serves the slot now").isSameAs(target);
            assertThat(traffic.failures.size()).as("calls that failed, first ones: " + traffic.failures.stream().limit(5).toList())
                    .isZero();
        }
    }

    /**
     * Moves {@code slot} from {@code source} to {@code target} as {@code redis-cli --cluster reshard} does, one
     * key at a time; each step waits until the traffic met the step's state: {@code TRYAGAIN} while the keys are
     * split (and before the first moves: some of a script's keys exist, some do not), {@code ASK} from the
     * source once it holds none.
     */
    @Test
    @DisplayName("a queue script whose keys all sit on the migrating source is refused before it changes anything:"
            + " a key it empties mid-script would be asked for on the target, failing the script half-way")
    void aScriptThatWouldEmptyAKeyOnTheMigratingSourceIsRefusedBeforeItRuns() {
        String queue = "whole-" + UUID.randomUUID();
        try (Backend backend = open(cluster.uri(), Map.of("shards", "1", "timeout", "1s"))) {
            backend.push(queue, List.of(bytes("q1")), Priority.NORMAL, null);
            String tag = ClusterShards.tag(queue, 0, 1);
            int slot = JedisClusterCRC16.getSlot("{" + tag + "}");
            String own = "__sergeant__:{" + tag + "}:";
            RedisServerProcess source = holder(cluster, own + "queue");
            RedisServerProcess target = cluster.masters().stream().filter(m -> m != source).findFirst().orElseThrow();
            // Every one of the fourteen keys exists on the source, of its type: only then does Redis run a queue
            // script there while the slot migrates (a missing key gets TRYAGAIN or ASK before the script runs).
            source.command("ZADD", own + "delayed", "99999999999", "d1");
            source.command("RPUSH", own + "redeliver", "0:r1"); // handed back by an older version
            source.command("HSET", own + "batches", "t0", "x");
            source.command("HSET", own + "batch-meta", "t0", "1:1:1");
            source.command("HSET", own + "batch-settled", "t0", "0");
            source.command("ZADD", own + "leases", "99999999999999", "t0");
            source.command("SET", own + "seq", "1");
            source.command("SET", own + "inflight", "0");
            source.command("ZADD", own + "dead", "1", "1");
            source.command("HSET", own + "dead-payload", "1", "dead");
            source.command("HSET", own + "dead-info", "1", "0:0:test");
            source.command("SET", own + "dead-trimmed", "0");
            source.command("HSET", own + "counts", "0000000000000000000000000000000000000000", "1");
            List<String> keys = QueueKeys.sharded(tag).all().stream().map(RedisTestSupport::text).toList();
            List<String> exists = new ArrayList<>(List.of("EXISTS"));
            exists.addAll(keys);
            assertThat(source.command(exists.toArray(String[]::new))).as("the queue's keys on the source").isEqualTo("14");
            DeliveryOptions leased = DeliveryOptions.leased(Duration.ofSeconds(120), 5);
            openMigration(slot, source, target);

            // The pop takes REDELIVER and QUEUE whole (Redis deletes an emptied list), then reads QUEUE again
            // (forget_stale_counts): Redis asks for the now missing key on the target and fails the script after
            // its LPOPs, which would lose both tasks. Refused before it runs, it changes nothing.
            SergeantException refused = catchThrowableOfType(SergeantException.class, () -> backend.pop(queue, 10, leased));
            assertThat(refused).as("a pop while the slot migrates with all its keys on the source").isNotNull();
            assertThat(refused.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
            assertThat(refused.getMessage()).contains("TRYAGAIN", "changed nothing");
            assertThat(source.command("LRANGE", own + "queue", "0", "-1")).as("the queue on the source").contains("q1");
            assertThat(source.command("LRANGE", own + "redeliver", "0", "-1")).as("handed-back tasks").contains("r1");

            while (moveOneKey(slot, source, target)) {
                // every key
            }
            closeMigration(slot, source, target);
            assertThat(backend.pop(queue, 10, leased)).extracting(d -> text(d.payload()))
                    .as("the tasks after the migration closed").containsExactly("r1", "q1");
        }
    }

    @Test
    @DisplayName("a worker heartbeat while the registry's slot migrates with both its keys on the source waits the"
            + " migration out (TRYAGAIN) with nothing changed, and lands after it: dropping the last expired record"
            + " would empty both keys mid-script and fail the call half-way")
    void aHeartbeatThatWouldEmptyTheRegistryOnTheMigratingSourceWaitsTheMigrationOut() {
        try (Backend backend = open(cluster.uri(), Map.of("shards", "1", "timeout", "60s"))) {
            BackendMonitoring monitoring = backend.monitoringRole().orElseThrow();
            String registry = "__sergeant__:{__workers__}:";
            int slot = JedisClusterCRC16.getSlot("{__workers__}");
            monitoring.heartbeat("gone", bytes("gone"), Duration.ofMillis(1));
            RedisServerProcess source = holder(cluster, registry + "records");
            RedisServerProcess target = cluster.masters().stream().filter(m -> m != source).findFirst().orElseThrow();
            Traffic none = new Traffic();
            await("the record of 'gone' expired by the server's clock", () -> expired(source, registry + "expiry", "gone"), none);
            assertThat(source.command("EXISTS", registry + "records", registry + "expiry"))
                    .as("both keys of the registry on the source, holding only an expired record").isEqualTo("2");
            openMigration(slot, source, target);

            AtomicReference<RuntimeException> failed = new AtomicReference<>();
            long tryAgains = errorReplies(source, "TRYAGAIN");
            Thread beat = start("heartbeat", () -> {
                try {
                    monitoring.heartbeat("new", bytes("new"), Duration.ofMinutes(5));
                } catch (RuntimeException e) {
                    failed.set(e);
                }
            });
            await("the heartbeat refused with TRYAGAIN, or ended", () -> errorReplies(source, "TRYAGAIN") > tryAgains
                    || !beat.isAlive(), none);
            assertThat(failed.get()).as("the heartbeat's failure while the slot migrates").isNull();
            assertThat(beat.isAlive()).as("the heartbeat waits the migration out").isTrue();
            assertThat(source.command("HKEYS", registry + "records")).as("records on the source: nothing changed")
                    .contains("gone");
            assertThat(source.command("EXISTS", registry + "records", registry + "expiry")).isEqualTo("2");

            while (moveOneKey(slot, source, target)) {
                // both keys
            }
            closeMigration(slot, source, target);
            join(beat);
            assertThat(failed.get()).as("the heartbeat's failure").isNull();
            assertThat(monitoring.workers()).extracting(RedisTestSupport::text).as("the registry after the migration")
                    .containsExactly("new");
            assertThat(monitoring.deregister("new")).isTrue();
        }
    }

    /** Whether {@code member}'s expiry in the sorted set is before the server's clock now. */
    private static boolean expired(RedisServerProcess server, String key, String member) {
        String score = server.command("ZSCORE", key, member);
        String[] time = server.command("TIME").trim().split("\\s+");
        long now = Long.parseLong(time[0]) * 1000 + Long.parseLong(time[1]) / 1000;
        return score != null && !score.isBlank() && Double.parseDouble(score.trim()) < now;
    }

    private static void migrate(int slot, RedisServerProcess source, RedisServerProcess target, Traffic traffic) {
        openMigration(slot, source, target);
        traffic.phase = DURING;
        awaitTryAgain(source, target, traffic, "the slot is set migrating");
        int moved = 0;
        while (moveOneKey(slot, source, target)) {
            moved++;
            awaitTryAgain(source, target, traffic, moved + " key(s) moved");
        }
        assertThat(moved).as("keys migrated").isGreaterThan(2);
        long asks = errorReplies(source, "ASK");
        await("a call redirected by ASK after the source held no key of the slot", () -> errorReplies(source, "ASK") > asks, traffic);
        closeMigration(slot, source, target);
        traffic.phase = AFTER;
    }

    /** {@code CLUSTER SETSLOT slot IMPORTING} on the target, then {@code MIGRATING} on the source. */
    private static void openMigration(int slot, RedisServerProcess source, RedisServerProcess target) {
        target.command("CLUSTER", "SETSLOT", Integer.toString(slot), "IMPORTING", source.command("CLUSTER", "MYID").trim());
        source.command("CLUSTER", "SETSLOT", Integer.toString(slot), "MIGRATING", target.command("CLUSTER", "MYID").trim());
    }

    /** Moves one key of {@code slot} from the source to the target; false when the source held none. */
    private static boolean moveOneKey(int slot, RedisServerProcess source, RedisServerProcess target) {
        String key = source.command("CLUSTER", "GETKEYSINSLOT", Integer.toString(slot), "1");
        if (key == null || key.isEmpty()) {
            return false;
        }
        source.command("MIGRATE", "127.0.0.1", Integer.toString(target.port()), "", "0", "5000", "KEYS", key);
        return true;
    }

    /** {@code CLUSTER SETSLOT slot NODE target} on the target, the source, then every other master. */
    private static void closeMigration(int slot, RedisServerProcess source, RedisServerProcess target) {
        String targetId = target.command("CLUSTER", "MYID").trim();
        target.command("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
        source.command("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
        for (RedisServerProcess master : cluster.masters()) {
            if (master != source && master != target) {
                master.command("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
            }
        }
    }

    private static void awaitTryAgain(RedisServerProcess source, RedisServerProcess target, Traffic traffic, String state) {
        long before = errorReplies(source, "TRYAGAIN") + errorReplies(target, "TRYAGAIN");
        await("a call answered TRYAGAIN after " + state,
                () -> errorReplies(source, "TRYAGAIN") + errorReplies(target, "TRYAGAIN") > before, traffic);
    }

    /** What producers and workers did; thread safe. */
    private static final class Traffic {
        final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        final Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        final Queue<String> failures = new ConcurrentLinkedQueue<>();
        final AtomicIntegerArray deliveredIn = new AtomicIntegerArray(3);
        final AtomicInteger settled = new AtomicInteger();
        final AtomicInteger producersDone = new AtomicInteger();
        volatile int phase = BEFORE;
        volatile boolean stop;

        void failed(String what, RuntimeException e) {
            failures.add(Thread.currentThread().getName() + " " + what + ": " + e);
        }
    }

    /**
     * Pushes one task per call until {@link #PUSHES_AFTER} of its pushes were acknowledged after the migration;
     * a failed push is recorded and sent again (nothing was stored: the backend failed it before it ran).
     */
    private static Runnable producer(Backend backend, String queue, String prefix, Traffic traffic) {
        return () -> {
            int after = 0;
            for (int i = 0; after < PUSHES_AFTER && !traffic.stop; i++) {
                String payload = prefix + i;
                while (!traffic.stop) {
                    int phase = traffic.phase;
                    try {
                        backend.push(queue, List.of(bytes(payload)), Priority.NORMAL, null);
                    } catch (SergeantException e) {
                        traffic.failed("push " + payload, e);
                        pause(10);
                        continue;
                    }
                    traffic.acknowledged.add(payload);
                    after += phase == AFTER ? 1 : 0;
                    break;
                }
                pause(1);
            }
            traffic.producersDone.incrementAndGet();
        };
    }

    /**
     * Pops up to 10 tasks per call. At-least-once, it holds each batch's leases until its next pop gave tasks
     * (so leases are held while the slot migrates), then acks them; a failed ack is recorded and retried.
     */
    private static Runnable worker(Backend backend, String queue, DeliveryOptions options, Traffic traffic) {
        BackendLeases leases = backend.leaseRole().orElseThrow();
        return () -> {
            List<Receipt> held = new ArrayList<>();
            while (!traffic.stop) {
                int phase = traffic.phase;
                List<Delivery> popped;
                try {
                    popped = backend.pop(queue, 10, options);
                } catch (SergeantException e) {
                    traffic.failed("pop", e);
                    pause(10);
                    continue;
                }
                for (Delivery delivery : popped) {
                    traffic.deliveries.computeIfAbsent(text(delivery.payload()), k -> new AtomicInteger()).incrementAndGet();
                }
                traffic.deliveredIn.addAndGet(phase, popped.size());
                List<Receipt> fresh = popped.stream().map(Delivery::receipt).toList();
                if (options.leased()) {
                    ack(leases, queue, held, traffic);
                    held.addAll(fresh);
                    if (popped.isEmpty()) {
                        ack(leases, queue, held, traffic);
                    }
                }
                pause(popped.isEmpty() ? 5 : 2);
            }
            if (options.leased()) {
                ack(leases, queue, held, traffic);
            }
        };
    }

    private static void ack(BackendLeases leases, String queue, List<Receipt> held, Traffic traffic) {
        if (held.isEmpty()) {
            return;
        }
        try {
            SettleResult result = leases.ack(queue, List.copyOf(held));
            traffic.settled.addAndGet(result.settled());
            if (!result.refused().isEmpty()) {
                traffic.failures.add(Thread.currentThread().getName() + " ack refused " + result.refused().size() + " receipt(s)");
            }
            held.clear();
        } catch (SergeantException e) {
            traffic.failed("ack of " + held.size(), e);
        }
    }

    private static void await(String what, BooleanSupplier condition, Traffic traffic) {
        long deadline = System.nanoTime() + STEP_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                traffic.stop = true;
                throw new AssertionError("not reached within " + TimeUnit.NANOSECONDS.toSeconds(STEP_NANOS) + " s: " + what
                        + "; failures so far: " + traffic.failures.stream().limit(5).toList());
            }
            pause(5);
        }
    }

    private static Thread start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void join(Thread thread) {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(70));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        assertThat(thread.isAlive()).as(thread.getName() + " still running (a call hangs)").isFalse();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
