package io.sergeant.backend.redis;

import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * One Redis connection target: a pooled single node ({@link JedisCompat.PooledNode}) or a whole cluster
 * ({@code JedisCluster}), both behind Jedis' {@link UnifiedJedis}. Every command goes through
 * {@link #call}, which translates failures in one place; after a lost connection the idle pooled
 * connections are dropped so that the first call after a server restart already uses a fresh one.
 * Thread safe (Jedis pools are).
 */
final class RedisClient implements AutoCloseable {

    private final UnifiedJedis jedis;
    private final String target;
    private final Runnable dropIdleConnections;

    /**
     * @param jedis               the client, owned by this object
     * @param target              the masked URI, for messages
     * @param dropIdleConnections called after a connection was lost
     */
    RedisClient(UnifiedJedis jedis, String target, Runnable dropIdleConnections) {
        this.jedis = Objects.requireNonNull(jedis, "jedis is null");
        this.target = Objects.requireNonNull(target, "target is null");
        this.dropIdleConnections = Objects.requireNonNull(dropIdleConnections, "dropIdleConnections is null");
    }

    /** The masked URI of this target. */
    String target() {
        return target;
    }

    /** Runs commands, translating Jedis failures to {@code SergeantException}. */
    <T> T call(String operation, Function<UnifiedJedis, T> action) {
        try {
            return action.apply(jedis);
        } catch (JedisException e) {
            if (RedisErrors.isConnectionLoss(e)) {
                dropIdleConnectionsQuietly();
            }
            throw RedisErrors.translate(e, operation, target);
        }
    }

    /**
     * Runs a script by {@code EVALSHA}; when the server does not know it (first use, restart,
     * failover to a replica) it falls back to {@code EVAL}, which also caches it on that server.
     */
    Object script(LuaScript script, List<byte[]> keys, List<byte[]> args) {
        return call(script.name(), j -> {
            try {
                return j.evalsha(script.sha(), keys, args);
            } catch (JedisNoScriptException e) {
                return j.eval(script.source(), keys, args);
            }
        });
    }

    /**
     * Whether this target is one node, whose pooled connections can run a {@code MULTI}/{@code EXEC}
     * ({@code UnifiedJedis.multi()}, the same signature on Jedis 6, 7 and 8); false for a cluster.
     */
    boolean singleNode() {
        return jedis instanceof JedisCompat.PooledNode;
    }

    /** Checks that the target answers. */
    void ping() {
        call("ping", UnifiedJedis::ping);
    }

    UnifiedJedis jedis() {
        return jedis;
    }

    @Override
    public void close() {
        try {
            jedis.close();
        } catch (RuntimeException e) {
            System.getLogger(RedisClient.class.getName()).log(System.Logger.Level.DEBUG,
                    "closing Redis client for " + target + " failed: " + e);
        }
    }

    private void dropIdleConnectionsQuietly() {
        try {
            dropIdleConnections.run();
        } catch (RuntimeException e) {
            System.getLogger(RedisClient.class.getName()).log(System.Logger.Level.DEBUG,
                    "dropping idle connections to " + target + " failed: " + e);
        }
    }
}
