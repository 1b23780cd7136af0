package io.sergeant.backend.redis;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.DeadLetterInfo;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.spi.backend.BackendKeys;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendLocks;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import redis.clients.jedis.UnifiedJedis;

import io.sergeant.api.SergeantException;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * The Redis {@link Backend}: Python Sergeant's layout on one or several independent nodes, or
 * sharded queues on a Redis Cluster, with at-least-once delivery in Lua scripts. The data layout
 * and every script are described in this module's {@code README.md}.
 *
 * <p>Thread safe; every method blocks for one or a few round trips (one per shard visited, never
 * one per task). Failures are thrown as {@link io.sergeant.api.SergeantException} with
 * {@code BACKEND_UNAVAILABLE} (the server is down or unreachable; the next call reconnects) or
 * {@code BACKEND_REFUSED}. Null arguments throw {@link NullPointerException}.
 */
final class RedisBackend implements Backend, BackendLeases, BackendDeadLetters, BackendKeys, BackendLocks {

    private static final int PUSH_CHUNK = 10_000;
    private static final int SCRIPT_BATCH = 1_000;
    /** Expired batches one reap script call handles; each holds at most one pop's tasks. */
    private static final int REAP_BATCHES = 100;
    private static final String LOCK_PREFIX = "__lock__.";
    private static final byte[] LEASE = QueueKeys.bytes("lease");
    private static final byte[] PAYLOAD = QueueKeys.bytes("payload");
    private static final byte[] REQUEUE = QueueKeys.bytes("requeue");
    private static final byte[] DELETE = QueueKeys.bytes("delete");
    private static final byte[] SIZES = QueueKeys.bytes("sizes");

    private static final byte[] NORMAL = QueueKeys.bytes("normal");
    private static final byte[] HIGH = QueueKeys.bytes("high");
    private static final byte[] DELAYED = QueueKeys.bytes("delayed");
    private static final System.Logger LOG = System.getLogger(RedisBackend.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Topology topology;
    private final Scripts scripts;
    private final Limits limits;
    /** One round-robin pointer shared by push and pop, as in Python Sergeant. */
    private final AtomicInteger pointer = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * What the backend enforces besides the queue semantics.
     *
     * @param maxPayloadBytes a pop dead-letters a payload longer than this instead of returning it
     *                        (0 = no limit)
     * @param maxDeadLetters  the dead letters kept per queue and shard; the oldest over it are trimmed,
     *                        counted and logged (0 = no cap)
     * @param idempotentPush  whether every push carries a push id stored with it, so that a client
     *                        library's retry after a read timeout cannot store it twice (cluster)
     * @param clock           the client clock, used only to turn {@code consumableFrom} into a delay;
     *                        delayed tasks are scored and due-checked by the server's clock
     */
    record Limits(int maxPayloadBytes, int maxDeadLetters, boolean idempotentPush, Clock clock) {

        /** Checks the values. */
        Limits {
            requireNonNull(clock, "clock is null");
            if (maxPayloadBytes < 0 || maxDeadLetters < 0) {
                throw new IllegalArgumentException("limits must not be negative: " + maxPayloadBytes + ", " + maxDeadLetters);
            }
        }
    }

    RedisBackend(Topology topology, Scripts scripts, Limits limits) {
        this.topology = requireNonNull(topology, "topology is null");
        this.scripts = requireNonNull(scripts, "scripts is null");
        this.limits = requireNonNull(limits, "limits is null");
    }

    // ------------------------------------------------------------------ push and pop

    @Override
    public void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom) {
        requireNonNull(queue, "queue is null");
        requireNonNull(items, "items is null");
        requireNonNull(priority, "priority is null");
        if (items.isEmpty()) {
            return;
        }
        byte[][] all = items.toArray(new byte[0][]);
        for (byte[] item : all) {
            requireNonNull(item, "an item is null");
        }
        Shard shard = next(topology.shards(queue));
        byte[] mode = consumableFrom != null ? DELAYED : priority == Priority.HIGH ? HIGH : NORMAL;
        // The producer's clock only measures how far away consumableFrom is; the script scores the
        // task by the server's clock, the clock every pop checks due tasks with.
        long delayMillis = consumableFrom == null ? 0 : Duration.between(limits.clock().instant(), consumableFrom).toMillis();
        String pushId = limits.idempotentPush() ? randomToken() : "";
        // One script call per chunk; with an idempotent push each chunk has an id of its own.
        for (int from = 0, chunk = 0; from < all.length; from += PUSH_CHUNK, chunk++) {
            int to = Math.min(all.length, from + PUSH_CHUNK);
            List<byte[]> args = new ArrayList<>(3 + to - from);
            args.add(mode);
            args.add(arg(delayMillis));
            String id = pushId.isEmpty() ? "" : pushId + "-" + chunk;
            args.add(arg(id));
            args.addAll(Arrays.asList(all).subList(from, to));
            List<byte[]> keys = id.isEmpty() ? shard.keys().all() : shard.keys().withPushMarker(id);
            shard.client().script(scripts.push(), keys, args);
        }
    }

    /** 128 random bits as 32 hex digits: a lease token or push id that no restart can repeat. */
    private static String randomToken() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public List<Delivery> pop(String queue, int max, DeliveryOptions options) {
        requireNonNull(queue, "queue is null");
        requireNonNull(options, "options is null");
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative: " + max);
        }
        if (max == 0) {
            return List.of();
        }
        List<Shard> shards = topology.shards(queue);
        int start = nextIndex(shards.size());
        List<Delivery> out = new ArrayList<>(Math.min(max, 4096));
        SergeantException failure = null;
        // Fan in from every shard, starting at a rotating one so that no shard starves. A shard that
        // fails does not cost what the healthy ones already gave: their tasks are already popped
        // (at-most-once) or leased (at-least-once), so they are returned; the failure is thrown
        // only when no shard gave anything.
        for (int i = 0; i < shards.size() && out.size() < max; i++) {
            Shard shard = shards.get((start + i) % shards.size());
            try {
                if (options.leased()) {
                    popLeased(queue, shard, max - out.size(), options, out);
                } else {
                    popUnleased(queue, shard, max - out.size(), out);
                }
            } catch (SergeantException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            if (out.isEmpty()) {
                throw failure;
            }
            LOG.log(System.Logger.Level.WARNING, "pop from queue '" + queue + "': a node failed (" + failure.getMessage()
                    + "); returning the " + out.size() + " task(s) the other nodes gave");
        }
        return out;
    }

    /** The whole at-most-once pop is one script: nothing is removed unless all of it succeeds. */
    private void popUnleased(String queue, Shard shard, int max, List<Delivery> out) {
        List<?> result = (List<?>) shard.client().script(scripts.popDue(), shard.keys().all(),
                List.of(arg(max), arg(limits.maxPayloadBytes()), arg(deadCap(topology.shards(queue).size()))));
        noteRefusedAndTrimmed(queue, shard, number(result.get(0)), number(result.get(1)));
        for (int i = 2; i < result.size(); i++) {
            out.add(new Delivery((byte[]) result.get(i), null));
        }
    }

    private void popLeased(String queue, Shard shard, int max, DeliveryOptions options, List<Delivery> out) {
        List<byte[]> args = List.of(arg(max), arg(Math.max(1, options.lease().toMillis())),
                arg(options.maxDeliveries()), arg(deadReason(options.maxDeliveries())), arg(randomToken()),
                arg(limits.maxPayloadBytes()), arg(deadCap(topology.shards(queue).size())));
        List<?> result = (List<?>) shard.client().script(scripts.popLeased(), shard.keys().all(), args);
        noteRefusedAndTrimmed(queue, shard, number(result.get(0)), number(result.get(1)));
        int i = 2;
        while (i + 2 < result.size()) {
            String batch = text(result.get(i));
            int count = (int) number(result.get(i + 1));
            int n = (int) number(result.get(i + 2));
            i += 3;
            for (int k = 0; k < n; k++) {
                out.add(new Delivery((byte[]) result.get(i + k), ItemRef.receipt(shard.index(), batch, k, count)));
            }
            i += n;
        }
    }

    /**
     * The dead letters one shard keeps: the cap is the queue's, shared by its shards (rounded up, so
     * a queue keeps at most the cap plus one per shard).
     */
    private int deadCap(int shardCount) {
        int cap = limits.maxDeadLetters();
        return cap == 0 ? 0 : (cap + shardCount - 1) / shardCount;
    }

    /** Logs payloads a pop refused as oversized and dead letters trimmed over the cap. */
    private void noteRefusedAndTrimmed(String queue, Shard shard, long refused, long trimmed) {
        if (refused > 0) {
            LOG.log(System.Logger.Level.WARNING, "queue '" + queue + "': " + refused + " payload(s) over "
                    + limits.maxPayloadBytes() + " bytes became dead letters before reaching a worker");
        }
        noteTrimmed(queue, shard, trimmed);
    }

    private void noteTrimmed(String queue, Shard shard, long trimmed) {
        if (trimmed > 0) {
            LOG.log(System.Logger.Level.WARNING, "queue '" + queue + "' (shard " + shard.index() + ") holds more than its"
                    + " share of " + limits.maxDeadLetters() + " dead letters (option 'maxDeadLetters'): trimmed the " + trimmed
                    + " oldest; the running total is kept in key " + shard.keys().ownPrefix() + "dead-trimmed");
        }
    }

    // ------------------------------------------------------------------ leases

    @Override
    public SettleResult ack(String queue, List<Receipt> receipts) {
        return settle(queue, receipts, scripts.ack(), null, "ack");
    }

    @Override
    public SettleResult extend(String queue, List<Receipt> receipts, Duration lease) {
        requireNonNull(lease, "lease is null");
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("a lease must be positive: " + lease);
        }
        return settle(queue, receipts, scripts.extend(), arg(Math.max(1, lease.toMillis())), "extend");
    }

    @Override
    public SettleResult release(String queue, List<Receipt> receipts) {
        return settle(queue, receipts, scripts.release(), null, "release");
    }

    /**
     * Runs a settling script once per shard touched, with the receipts grouped by batch as
     * {@code batch, "0-99,120"} pairs; refused items come back as (pair number, index).
     */
    private SettleResult settle(String queue, List<Receipt> receipts, LuaScript script, byte[] leading, String operation) {
        requireNonNull(queue, "queue is null");
        requireNonNull(receipts, "receipts is null");
        if (receipts.isEmpty()) {
            return SettleResult.all(0);
        }
        List<Shard> shards = topology.shards(queue);
        int n = receipts.size();
        boolean[] refused = new boolean[n];
        ItemRef[] refs = new ItemRef[n];
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Receipt receipt = requireNonNull(receipts.get(i), "a receipt is null");
            ItemRef ref = ItemRef.parse(receipt, shards.size());
            if (ref == null || !seen.add(receipt.id())) {
                refused[i] = true; // not one of ours, or a duplicate in this call
                continue;
            }
            refs[i] = ref;
        }
        for (Shard shard : shards) {
            Map<String, List<Integer>> byBatch = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                if (refs[i] != null && refs[i].shard() == shard.index()) {
                    byBatch.computeIfAbsent(refs[i].batch(), b -> new ArrayList<>()).add(i);
                }
            }
            if (byBatch.isEmpty()) {
                continue;
            }
            List<byte[]> args = new ArrayList<>(2 * byBatch.size() + 1);
            if (leading != null) {
                args.add(leading);
            }
            List<List<Integer>> groups = new ArrayList<>(byBatch.size());
            for (Map.Entry<String, List<Integer>> group : byBatch.entrySet()) {
                args.add(arg(group.getKey()));
                args.add(arg(indexSpec(group.getValue(), refs)));
                groups.add(group.getValue());
            }
            List<?> refusedItems = (List<?>) shard.client().script(script, shard.keys().all(), args);
            for (int k = 0; k + 1 < refusedItems.size(); k += 2) {
                List<Integer> group = groups.get((int) number(refusedItems.get(k)) - 1);
                int index = (int) number(refusedItems.get(k + 1));
                for (int position : group) {
                    if (refs[position].index() == index) {
                        refused[position] = true;
                    }
                }
            }
        }
        List<Receipt> refusedReceipts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (refused[i]) {
                refusedReceipts.add(receipts.get(i));
            }
        }
        return new SettleResult(n - refusedReceipts.size(), refusedReceipts);
    }

    /** The item indexes of these positions as ranges: {@code 0-99,120}; a whole batch is one range. */
    private static String indexSpec(List<Integer> positions, ItemRef[] refs) {
        int[] indexes = new int[positions.size()];
        for (int k = 0; k < indexes.length; k++) {
            indexes[k] = refs[positions.get(k)].index();
        }
        Arrays.sort(indexes);
        StringBuilder spec = new StringBuilder();
        int k = 0;
        while (k < indexes.length) {
            int end = k;
            while (end + 1 < indexes.length && indexes[end + 1] == indexes[end] + 1) {
                end++;
            }
            spec.append(spec.length() == 0 ? "" : ",").append(indexes[k]);
            if (end > k) {
                spec.append('-').append(indexes[end]);
            }
            k = end + 1;
        }
        return spec.toString();
    }

    @Override
    public boolean deadLetter(String queue, Delivery delivery, String reason) {
        requireNonNull(queue, "queue is null");
        requireNonNull(delivery, "delivery is null");
        requireNonNull(reason, "reason is null");
        List<Shard> shards = topology.shards(queue);
        if (!delivery.leased()) {
            Shard shard = next(shards);
            return stored(queue, shard, shard.client().script(scripts.deadLetter(), shard.keys().all(),
                    List.of(PAYLOAD, arg(reason), arg(deadCap(shards.size())), delivery.payload())));
        }
        ItemRef ref = ItemRef.parse(delivery.receipt(), shards.size());
        if (ref == null) {
            return false;
        }
        Shard shard = shards.get(ref.shard());
        return stored(queue, shard, shard.client().script(scripts.deadLetter(), shard.keys().all(),
                List.of(LEASE, arg(reason), arg(deadCap(shards.size())), arg(ref.batch()), arg(ref.index()))));
    }

    private boolean stored(String queue, Shard shard, Object reply) {
        List<?> result = (List<?>) reply;
        noteTrimmed(queue, shard, number(result.get(1)));
        return number(result.get(0)) == 1;
    }

    @Override
    public ReapResult reap(String queue, int maxDeliveries) {
        requireNonNull(queue, "queue is null");
        if (maxDeliveries <= 0) {
            throw new IllegalArgumentException("maxDeliveries must be positive: " + maxDeliveries);
        }
        List<Shard> shards = topology.shards(queue);
        List<byte[]> args = List.of(arg(maxDeliveries), arg(REAP_BATCHES), arg(deadReason(maxDeliveries)),
                arg(deadCap(shards.size())));
        int redelivered = 0;
        int deadLettered = 0;
        for (Shard shard : shards) {
            while (true) {
                List<?> result = (List<?>) shard.client().script(scripts.reap(), shard.keys().all(), args);
                redelivered += (int) number(result.get(0));
                deadLettered += (int) number(result.get(1));
                noteTrimmed(queue, shard, number(result.get(3)));
                if (number(result.get(2)) < REAP_BATCHES) {
                    break;
                }
            }
        }
        return redelivered == 0 && deadLettered == 0 ? ReapResult.NONE : new ReapResult(redelivered, deadLettered);
    }

    private static String deadReason(int maxDeliveries) {
        return "lease expired after the last allowed delivery (maxDeliveries " + maxDeliveries + ")";
    }

    // ------------------------------------------------------------------ dead letters

    @Override
    public List<DeadLetter> deadLetters(String queue, int limit) {
        requireNonNull(queue, "queue is null");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        if (limit == 0) {
            return List.of();
        }
        List<Shard> shards = topology.shards(queue);
        List<DeadLetter> all = new ArrayList<>();
        for (Shard shard : shards) {
            List<?> result = (List<?>) shard.client().script(scripts.deadList(), shard.keys().all(), List.of(arg(limit)));
            for (int i = 0; i + 2 < result.size(); i += 3) {
                all.add(deadLetter(shard.index() + ":" + text(result.get(i)), (byte[]) result.get(i + 1),
                        text(result.get(i + 2))));
            }
        }
        if (shards.size() > 1) {
            all.sort(Comparator.comparingDouble(DeadLetter::deadAt)); // stable: each shard is already ordered
        }
        return List.copyOf(all.size() > limit ? all.subList(0, limit) : all);
    }

    @Override
    public List<DeadLetterInfo> deadLetterInfos(String queue, int limit) {
        requireNonNull(queue, "queue is null");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        if (limit == 0) {
            return List.of();
        }
        List<Shard> shards = topology.shards(queue);
        List<DeadLetterInfo> all = new ArrayList<>();
        for (Shard shard : shards) {
            List<?> result = (List<?>) shard.client().script(scripts.deadList(), shard.keys().all(),
                    List.of(arg(limit), SIZES));
            for (int i = 0; i + 2 < result.size(); i += 3) {
                DeadLetter letter = deadLetter(shard.index() + ":" + text(result.get(i)), new byte[0],
                        text(result.get(i + 2)));
                all.add(new DeadLetterInfo(letter.id(), number(result.get(i + 1)), letter.reason(),
                        letter.deliveryCount(), letter.deadAt()));
            }
        }
        if (shards.size() > 1) {
            all.sort(Comparator.comparingDouble(DeadLetterInfo::deadAt));
        }
        return List.copyOf(all.size() > limit ? all.subList(0, limit) : all);
    }

    /** Builds a dead letter from {@code <count>:<deadAt ms>:<reason>}. */
    private static DeadLetter deadLetter(String id, byte[] payload, String info) {
        int first = info.indexOf(':');
        int second = info.indexOf(':', first + 1);
        int count = Integer.parseInt(info.substring(0, first));
        long deadAtMillis = Long.parseLong(info.substring(first + 1, second));
        return new DeadLetter(id, payload, info.substring(second + 1), count, deadAtMillis / 1000.0);
    }

    @Override
    public long requeueDeadLetters(String queue) {
        return drainDead(queue, REQUEUE);
    }

    @Override
    public long purgeDeadLetters(String queue) {
        return drainDead(queue, DELETE);
    }

    private long drainDead(String queue, byte[] mode) {
        requireNonNull(queue, "queue is null");
        long total = 0;
        for (Shard shard : topology.shards(queue)) {
            while (true) {
                long moved = number(shard.client().script(scripts.deadDrain(), shard.keys().all(),
                        List.of(arg(SCRIPT_BATCH), mode)));
                total += moved;
                if (moved < SCRIPT_BATCH) {
                    break;
                }
            }
        }
        return total;
    }

    // ------------------------------------------------------------------ sizes

    @Override
    public long length(String queue, boolean includeDelayed) {
        QueueStats stats = stats(queue);
        return stats.ready() + (includeDelayed ? stats.delayed() : 0);
    }

    @Override
    public QueueStats stats(String queue) {
        requireNonNull(queue, "queue is null");
        long ready = 0;
        long delayed = 0;
        long inFlight = 0;
        long dead = 0;
        for (Shard shard : topology.shards(queue)) {
            List<?> r = (List<?>) shard.client().script(scripts.stats(), shard.keys().all(), List.of());
            long due = number(r.get(2));
            ready += number(r.get(0)) + number(r.get(1)) + due;
            delayed += number(r.get(3)) - due;
            inFlight += number(r.get(4));
            dead += number(r.get(5));
        }
        return new QueueStats(ready, delayed, inFlight, dead);
    }

    @Override
    public boolean purge(String queue) {
        requireNonNull(queue, "queue is null");
        long deleted = 0;
        for (Shard shard : topology.shards(queue)) {
            deleted += number(shard.client().script(scripts.purge(), shard.keys().all(), List.of()));
        }
        return deleted > 0;
    }

    // ------------------------------------------------------------------ keys

    @Override
    public boolean keySet(String key, byte[] value) {
        requireNonNull(key, "key is null");
        requireNonNull(value, "value is null");
        // SET ... GET is GETSET (Python Sergeant's command) without the deprecation.
        return topology.clientFor(key).call("keySet", j -> j.setGet(arg(key), value)) == null;
    }

    @Override
    public Optional<byte[]> keyGet(String key) {
        requireNonNull(key, "key is null");
        return Optional.ofNullable(topology.clientFor(key).call("keyGet", j -> j.get(arg(key))));
    }

    @Override
    public boolean keyDelete(String key) {
        requireNonNull(key, "key is null");
        return topology.clientFor(key).call("keyDelete", j -> j.del(arg(key))) > 0;
    }

    // ------------------------------------------------------------------ locks

    @Override
    public boolean lockAcquire(String name, String owner, Duration ttl) {
        requireNonNull(name, "name is null");
        requireNonNull(owner, "owner is null");
        long millis = positiveMillis(ttl);
        String reply = topology.clientFor(name).call("lockAcquire",
                j -> j.set(lockKey(name), arg(owner), JedisCompat.setNxPx(millis)));
        return "OK".equals(reply);
    }

    @Override
    public boolean lockRelease(String name, String owner) {
        requireNonNull(name, "name is null");
        requireNonNull(owner, "owner is null");
        return number(topology.clientFor(name).script(scripts.lockRelease(), List.of(lockKey(name)),
                List.of(arg(owner)))) == 1;
    }

    @Override
    public boolean lockIsLocked(String name) {
        requireNonNull(name, "name is null");
        return topology.clientFor(name).call("lockIsLocked", j -> j.exists(lockKey(name)));
    }

    @Override
    public boolean lockSetTtl(String name, String owner, Duration ttl) {
        requireNonNull(name, "name is null");
        requireNonNull(owner, "owner is null");
        requireNonNull(ttl, "ttl is null");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("a TTL must not be negative: " + ttl);
        }
        return number(topology.clientFor(name).script(scripts.lockSetTtl(), List.of(lockKey(name)),
                List.of(arg(owner), arg(ttl.toMillis())))) == 1;
    }

    @Override
    public Optional<Duration> lockTtl(String name) {
        requireNonNull(name, "name is null");
        long millis = topology.clientFor(name).call("lockTtl", j -> j.pttl(lockKey(name)));
        if (millis < 0) {
            return Optional.empty(); // -2: no lock; -1: no expiry (not ours), reported like Python: none
        }
        return Optional.of(Duration.ofSeconds((millis + 999) / 1000));
    }

    private static byte[] lockKey(String name) {
        return arg(LOCK_PREFIX + name);
    }

    private static long positiveMillis(Duration ttl) {
        requireNonNull(ttl, "ttl is null");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("a TTL must be positive: " + ttl);
        }
        return Math.max(1, ttl.toMillis());
    }

    // ------------------------------------------------------------------ plumbing

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            topology.close();
        }
    }

    private Shard next(List<Shard> shards) {
        return shards.get(nextIndex(shards.size()));
    }

    private int nextIndex(int size) {
        return size == 1 ? 0 : Math.floorMod(pointer.getAndIncrement(), size);
    }

    private static byte[] arg(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] arg(String value) {
        return Objects.requireNonNull(value, "value is null").getBytes(StandardCharsets.UTF_8);
    }

    private static long number(Object reply) {
        if (reply instanceof Long value) {
            return value;
        }
        if (reply instanceof byte[] bytes) {
            return Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
        }
        throw new IllegalStateException("unexpected Redis reply " + reply);
    }

    private static String text(Object reply) {
        if (reply instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return String.valueOf(reply);
    }
}
