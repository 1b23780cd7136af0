package io.sergeant.cli.bench;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Redis's raw limit with Jedis on one connection: {@code RPUSH} per item, pipelined variadic
 * {@code RPUSH} of whole chunks, and {@code LPOP key count} in a loop (one round trip per batch, as
 * a worker pops), on Python Sergeant's list layout.
 */
final class RedisRawClient implements RawClient {

    private static final byte[] KEY = QUEUE.getBytes(StandardCharsets.UTF_8);

    private final Jedis jedis;

    /** Connects to a single-node {@code redis://} or {@code rediss://} URI. */
    RedisRawClient(String uri) {
        this.jedis = new Jedis(URI.create(uri));
        jedis.ping();
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
    public void clear() {
        jedis.del(KEY);
    }

    @Override
    public void close() {
        jedis.close();
    }
}
