package io.sergeant.cli.bench;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Redis's raw limit with Jedis on one connection: {@code RPUSH} per item, pipelined variadic
 * {@code RPUSH} of whole chunks, and {@code LPOP key count} in a loop (one round trip per batch, as
 * a worker pops), on Python Sergeant's list layout; and the leased pop's floor: one Lua script per
 * batch that pops {@code N} items with {@code LPOP count} and records their lease (the batch under a
 * random token in a hash, its deadline in a sorted set), the least an at-least-once pop must do. Its
 * {@linkplain #pickup() pickup floor}: {@code RPUSH} of one item on one connection, {@code BLPOP} on a
 * second one.
 */
final class RedisRawClient implements RawClient {

    private static final byte[] KEY = QUEUE.getBytes(StandardCharsets.UTF_8);

    private static final byte[] BATCHES = (QUEUE + ":batches").getBytes(StandardCharsets.UTF_8);
    private static final byte[] LEASES = (QUEUE + ":leases").getBytes(StandardCharsets.UTF_8);
    private static final String POP_AND_LEASE = """
            local items = redis.call('LPOP', KEYS[1], ARGV[1])
            if not items then return {} end
            redis.call('HSET', KEYS[2], ARGV[2], cmsgpack.pack(items))
            redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
            return items
            """;

    private static final java.util.regex.Pattern CALLS = java.util.regex.Pattern.compile("cmdstat_([a-z_|-]+):calls=(\\d+)");

    private static final byte[] PICKUP = (QUEUE + ":pickup").getBytes(StandardCharsets.UTF_8);

    private final String uri;
    private final Jedis jedis;

    /** Connects to a single-node {@code redis://} or {@code rediss://} URI. */
    RedisRawClient(String uri) {
        this.uri = uri;
        this.jedis = new Jedis(URI.create(uri));
        jedis.ping();
    }

    @Override
    public RawPickup pickup() {
        return new Pickup(new Jedis(URI.create(uri)), new Jedis(URI.create(uri)));
    }

    /** {@code RPUSH} of a 16-byte item (id, push time) on one connection, {@code BLPOP} on another. */
    private static final class Pickup implements RawPickup {

        private final Jedis producer;
        private final Jedis consumer;

        Pickup(Jedis producer, Jedis consumer) {
            this.producer = producer;
            this.consumer = consumer;
            producer.del(PICKUP);
            consumer.ping();
        }

        @Override
        public String describe() {
            return "Jedis: RPUSH of one item, BLPOP on a second connection";
        }

        @Override
        public void push(long id, long pushedAt) {
            producer.rpush(PICKUP, java.nio.ByteBuffer.allocate(16).putLong(id).putLong(pushedAt).array());
        }

        @Override
        public long[] take() {
            List<byte[]> reply = consumer.blpop(1, PICKUP);
            if (reply == null || reply.size() < 2) {
                return null;
            }
            java.nio.ByteBuffer item = java.nio.ByteBuffer.wrap(reply.get(1));
            return new long[] {item.getLong(), item.getLong()};
        }

        @Override
        public void close() {
            try {
                producer.del(PICKUP);
            } finally {
                producer.close();
                consumer.close();
            }
        }
    }

    @Override
    public String describe() {
        return "Jedis: RPUSH / pipelined variadic RPUSH / LPOP count";
    }

    @Override
    public void pushOneByOne(List<byte[]> items) {
        for (byte[] item : items) {
            jedis.rpush(KEY, item);
        }
    }

    @Override
    public void pushBulk(List<byte[]> items, int chunk) {
        try (Pipeline pipeline = jedis.pipelined()) {
            for (int from = 0; from < items.size(); from += chunk) {
                List<byte[]> part = items.subList(from, Math.min(items.size(), from + chunk));
                pipeline.rpush(KEY, part.toArray(new byte[0][]));
            }
            pipeline.sync();
        }
    }

    @Override
    public long popAll(int batch) {
        long total = 0;
        while (true) {
            List<byte[]> items = jedis.lpop(KEY, batch);
            if (items == null || items.isEmpty()) {
                return total;
            }
            total += items.size();
        }
    }

    @Override
    public long popAllLeased(int batch) {
        byte[] sha = jedis.scriptLoad(POP_AND_LEASE.getBytes(StandardCharsets.UTF_8));
        byte[] count = Integer.toString(batch).getBytes(StandardCharsets.UTF_8);
        byte[] deadline = Long.toString(System.currentTimeMillis() + 60_000).getBytes(StandardCharsets.UTF_8);
        long total = 0;
        long token = java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        while (true) {
            byte[] id = Long.toHexString(token++).getBytes(StandardCharsets.UTF_8);
            List<?> items = (List<?>) jedis.evalsha(sha, List.of(KEY, BATCHES, LEASES), List.of(count, id, deadline));
            if (items == null || items.isEmpty()) {
                return total;
            }
            total += items.size();
        }
    }

    @Override
    public String describeLeased() {
        return "Lua: LPOP count + HSET batch + ZADD lease per batch";
    }

    @Override
    public java.util.Map<String, Long> commandCalls() {
        java.util.Map<String, Long> calls = new java.util.TreeMap<>();
        java.util.regex.Matcher m = CALLS.matcher(jedis.info("commandstats"));
        while (m.find()) {
            calls.merge(m.group(1), Long.parseLong(m.group(2)), Long::sum);
        }
        return calls;
    }

    @Override
    public void clear() {
        jedis.del(KEY, BATCHES, LEASES);
    }

    @Override
    public void close() {
        jedis.close();
    }
}
