package io.sergeant.backend.redis;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.DeadLetterInfo;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.spi.backend.Delivery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;

import static io.sergeant.backend.redis.Replies.arg;
import static io.sergeant.backend.redis.Replies.number;
import static io.sergeant.backend.redis.Replies.text;
import static java.util.Objects.requireNonNull;

/**
 * The dead-letter role: per queue and shard, under the backend's own key prefix (never touched by
 * Python Sergeant), capped at {@code maxDeadLetters} with the oldest trimmed and counted. The layout
 * and scripts are in this module's {@code README.md}. Thread safe.
 */
final class RedisDeadLetters implements BackendDeadLetters {

    private static final System.Logger LOG = System.getLogger(RedisDeadLetters.class.getName());
    private static final int SCRIPT_BATCH = 1_000;
    private static final byte[] LEASE = Replies.arg("lease");
    private static final byte[] PAYLOAD = Replies.arg("payload");
    private static final byte[] REQUEUE = Replies.arg("requeue");
    private static final byte[] DELETE = Replies.arg("delete");
    private static final byte[] SIZES = Replies.arg("sizes");
    private static final byte[] IDS = Replies.arg("ids");

    private static final LuaScript DEAD_ONE = LuaScript.queueScript("dead_one");

    private final Topology topology;
    private final Scripts scripts;
    private final RedisBackend.Limits limits;
    private final ShardRotation rotation;

    RedisDeadLetters(Topology topology, Scripts scripts, RedisBackend.Limits limits, ShardRotation rotation) {
        this.topology = requireNonNull(topology, "topology is null");
        this.scripts = requireNonNull(scripts, "scripts is null");
        this.limits = requireNonNull(limits, "limits is null");
        this.rotation = requireNonNull(rotation, "rotation is null");
    }

    @Override
    public boolean deadLetter(String queue, Delivery delivery, String reason) {
        requireNonNull(queue, "queue is null");
        requireNonNull(delivery, "delivery is null");
        requireNonNull(reason, "reason is null");
        List<Shard> shards = topology.shards(queue);
        if (!delivery.leased()) {
            Shard shard = rotation.next(shards);
            return stored(queue, shard, shard.client().script(scripts.deadLetter(), shard.keys().all(),
                    List.of(PAYLOAD, arg(reason), arg(limits.deadCapPerShard(shards.size())), delivery.payload())));
        }
        ItemRef ref = ItemRef.parse(delivery.receipt(), shards.size());
        if (ref == null) {
            return false;
        }
        Shard shard = shards.get(ref.shard());
        return stored(queue, shard, shard.client().script(scripts.deadLetter(), shard.keys().all(),
                List.of(LEASE, arg(reason), arg(limits.deadCapPerShard(shards.size())), arg(ref.batch()),
                        arg(ref.index()))));
    }

    private boolean stored(String queue, Shard shard, Object reply) {
        List<?> result = (List<?>) reply;
        noteTrimmed(limits, queue, shard, number(result.get(1)));
        return number(result.get(0)) == 1;
    }

    /**
     * One shard: its {@code limit} oldest, payloads included, in one call. Several: the oldest
     * {@code limit} over all shards are picked by their sizes' entries first ({@link #deadLetterInfos}),
     * then only their payloads are read ({@link #deadLettersById}), so no payload is fetched that the
     * listing does not return.
     */
    @Override
    public List<DeadLetter> deadLetters(String queue, int limit) {
        requireNonNull(queue, "queue is null");
        if (topology.shards(queue).size() == 1) {
            return listed(queue, limit, List.of(arg(limit)), (id, payload, info) -> deadLetter(id, (byte[]) payload, info),
                    DeadLetter::deadAt);
        }
        return deadLettersById(queue, deadLetterInfos(queue, limit).stream().map(DeadLetterInfo::id).toList());
    }

    /** {@code dead_list.lua} by ids, one call per shard named by the ids' {@code <shard>:} prefixes. */
    @Override
    public List<DeadLetter> deadLettersById(String queue, List<String> ids) {
        requireNonNull(queue, "queue is null");
        requireNonNull(ids, "ids is null");
        List<Shard> shards = topology.shards(queue);
        java.util.Map<Integer, List<byte[]>> byShard = new java.util.TreeMap<>();
        for (String id : ids) {
            int colon = id.indexOf(':');
            int index = colon <= 0 ? -1 : shardIndex(id.substring(0, colon));
            if (index >= 0 && index < shards.size() && colon < id.length() - 1) {
                byShard.computeIfAbsent(index, s -> new ArrayList<>(List.of(arg(0), IDS))).add(arg(id.substring(colon + 1)));
            }
        }
        java.util.Map<String, DeadLetter> read = new java.util.HashMap<>();
        for (java.util.Map.Entry<Integer, List<byte[]>> entry : byShard.entrySet()) {
            Shard shard = shards.get(entry.getKey());
            List<?> result = (List<?>) shard.client().script(scripts.deadList(), shard.keys().all(), entry.getValue());
            for (int i = 0; i + 2 < result.size(); i += 3) {
                String id = shard.index() + ":" + text(result.get(i));
                read.put(id, deadLetter(id, (byte[]) result.get(i + 1), text(result.get(i + 2))));
            }
        }
        return ids.stream().map(read::get).filter(java.util.Objects::nonNull).toList();
    }

    /** The shard index an id's prefix names, or -1. */
    private static int shardIndex(String prefix) {
        try {
            return Integer.parseInt(prefix);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The listing without payloads: {@code dead_list.lua} returns each payload's {@code HSTRLEN}, never the payload. */
    @Override
    public List<DeadLetterInfo> deadLetterInfos(String queue, int limit) {
        return listed(queue, limit, List.of(arg(limit), SIZES), (id, size, info) -> {
            DeadLetter letter = deadLetter(id, new byte[0], info);
            return new DeadLetterInfo(letter.id(), number(size), letter.reason(), letter.deliveryCount(), letter.deadAt());
        }, DeadLetterInfo::deadAt);
    }

    /** One entry of {@code dead_list.lua}'s reply: the shard-qualified id, the payload (or its size), the info. */
    private interface ListedEntry<T> {
        T of(String id, Object payloadOrSize, String info);
    }

    /** Up to {@code limit} oldest dead letters of the queue over every shard, by {@code deadAt}. */
    private <T> List<T> listed(String queue, int limit, List<byte[]> args, ListedEntry<T> entry, ToDoubleFunction<T> deadAt) {
        requireNonNull(queue, "queue is null");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        if (limit == 0) {
            return List.of();
        }
        List<Shard> shards = topology.shards(queue);
        List<T> all = new ArrayList<>();
        for (Shard shard : shards) {
            List<?> result = (List<?>) shard.client().script(scripts.deadList(), shard.keys().all(), args);
            for (int i = 0; i + 2 < result.size(); i += 3) {
                all.add(entry.of(shard.index() + ":" + text(result.get(i)), result.get(i + 1), text(result.get(i + 2))));
            }
        }
        if (shards.size() > 1) {
            all.sort(Comparator.comparingDouble(deadAt)); // stable: each shard is already ordered
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
                long moved = number(shard.client().script(scripts.deadDrain(), shard.keys().withWake(),
                        List.of(arg(SCRIPT_BATCH), mode)));
                total += moved;
                if (moved < SCRIPT_BATCH) {
                    break;
                }
            }
        }
        return total;
    }

    /** Logs payloads a pop refused as oversized and dead letters trimmed over the cap. */
    static void noteRefusedAndTrimmed(RedisBackend.Limits limits, String queue, Shard shard, long refused, long trimmed) {
        if (refused > 0) {
            LOG.log(System.Logger.Level.WARNING, "queue '" + queue + "': " + refused + " payload(s) over "
                    + limits.maxPayloadBytes() + " bytes became dead letters before reaching a worker");
        }
        noteTrimmed(limits, queue, shard, trimmed);
    }

    /** Logs dead letters trimmed over the cap. */
    static void noteTrimmed(RedisBackend.Limits limits, String queue, Shard shard, long trimmed) {
        if (trimmed > 0) {
            LOG.log(System.Logger.Level.WARNING, "queue '" + queue + "' (shard " + shard.index() + ") holds more than "
                    + limits.maxDeadLetters() + " dead letters shared by its shards (option 'maxDeadLetters'): trimmed the "
                    + trimmed
                    + " oldest; the running total is kept in key " + shard.keys().ownPrefix() + "dead-trimmed");
        }
    }

    @Override
    public boolean requeueDeadLetter(String queue, String id) {
        return oneDead(queue, id, REQUEUE);
    }

    @Override
    public boolean deleteDeadLetter(String queue, String id) {
        return oneDead(queue, id, DELETE);
    }

    /** {@code dead_one.lua} on the shard named by the id's {@code <shard>:} prefix; false for an id that names none. */
    private boolean oneDead(String queue, String id, byte[] mode) {
        requireNonNull(queue, "queue is null");
        requireNonNull(id, "id is null");
        int colon = id.indexOf(':');
        if (colon <= 0 || colon == id.length() - 1) {
            return false;
        }
        int index;
        try {
            index = Integer.parseInt(id.substring(0, colon));
        } catch (NumberFormatException e) {
            return false;
        }
        List<Shard> shards = topology.shards(queue);
        if (index < 0 || index >= shards.size()) {
            return false;
        }
        Shard shard = shards.get(index);
        return number(shard.client().script(DEAD_ONE, shard.keys().withWake(), List.of(arg(id.substring(colon + 1)), mode))) == 1;
    }
}
