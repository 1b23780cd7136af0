package io.sergeant.backend.redis;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * One Redis connection target: a pooled single node ({@link JedisCompat.PooledNode}) or a whole cluster
 * ({@code JedisCluster}), both behind Jedis' {@link UnifiedJedis}. Every command goes through
 * {@link #call}, which translates failures in one place; after a lost connection the idle pooled
 * connections are dropped so that the first call after a server restart already uses a fresh one.
 *
 * <p><b>Slot migrations.</b> While a Redis Cluster slot migrates ({@code CLUSTER SETSLOT … MIGRATING} /
 * {@code IMPORTING}), a script whose keys are split between the two masters, or missing on the importing
 * one, is refused with {@code TRYAGAIN} before it runs; Jedis follows {@code MOVED} and {@code ASK} but
 * throws {@code TRYAGAIN} as it is. {@link #script} waits such a refusal out, sending the script again after
 * a pause that doubles from 1 ms to 100 ms, for at most {@code migrationWait} (the read timeout), then fails
 * with {@code BACKEND_UNAVAILABLE} naming the slot migration (docs/decisions.md, "Slot migrations").
 * Thread safe (Jedis pools are).
 */
final class RedisClient implements AutoCloseable {

    private static final long FIRST_PAUSE_MILLIS = 1;
    private static final long MAX_PAUSE_MILLIS = 100;

    private final UnifiedJedis jedis;
    private final String target;
    private final Runnable dropIdleConnections;
    private final Duration migrationWait;

    /**
     * @param jedis               the client, owned by this object
     * @param target              the masked URI, for messages
     * @param dropIdleConnections called after a connection was lost
     * @param migrationWait       how long a script call waits out a slot migration ({@code TRYAGAIN})
     */
    RedisClient(UnifiedJedis jedis, String target, Runnable dropIdleConnections, Duration migrationWait) {
        this.jedis = Objects.requireNonNull(jedis, "jedis is null");
        this.target = Objects.requireNonNull(target, "target is null");
        this.dropIdleConnections = Objects.requireNonNull(dropIdleConnections, "dropIdleConnections is null");
        this.migrationWait = Objects.requireNonNull(migrationWait, "migrationWait is null");
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
     * failover to a replica) it falls back to {@code EVAL}, which also caches it on that server. A
     * {@code TRYAGAIN} (a slot migration under way: the script did not run) is waited out for at most
     * {@code migrationWait} (see the class comment); an interrupt ends the wait at once. Either way the
     * failure says that the script changed nothing.
     */
    Object script(LuaScript script, List<byte[]> keys, List<byte[]> args) {
        return call(script.name(), j -> {
            long deadline = System.nanoTime() + migrationWait.toNanos();
            for (long pause = FIRST_PAUSE_MILLIS; ; pause = Math.min(2 * pause, MAX_PAUSE_MILLIS)) {
                try {
                    return evalOnce(j, script, keys, args);
                } catch (JedisDataException e) {
                    if (!isTryAgain(e)) {
                        throw e;
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw migrating(script, e, "for " + migrationWait.toMillis() + " ms");
                    }
                    try {
                        Thread.sleep(pause);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw migrating(script, e, "until this thread was interrupted");
                    }
                }
            }
        });
    }

    private static Object evalOnce(UnifiedJedis j, LuaScript script, List<byte[]> keys, List<byte[]> args) {
        try {
            return j.evalsha(script.sha(), keys, args);
        } catch (JedisNoScriptException e) {
            return j.eval(script.source(), keys, args);
        }
    }

    /** Whether Redis refused a multi-key command because its slot is being migrated (the command did not run). */
    static boolean isTryAgain(JedisDataException e) {
        return e.getMessage() != null && e.getMessage().startsWith("TRYAGAIN");
    }

    private SergeantException migrating(LuaScript script, JedisDataException e, String waited) {
        return new SergeantException(ErrorCode.BACKEND_UNAVAILABLE, "Redis Cluster at " + target + " refused "
                + script.name() + " with TRYAGAIN " + waited + ": the slot of the queue's keys is being migrated between"
                + " masters and its keys are split between them; the call changed nothing and may be retried. A migration"
                + " that stays open (a reshard that stopped half-way) is closed by 'redis-cli --cluster fix <any node>'", e);
    }

    /**
     * Whether this target is one node, whose pooled connections can run a {@code MULTI}/{@code EXEC}
     * ({@code UnifiedJedis.multi()}, the same signature on Jedis 6, 7 and 8); false for a cluster.
     */
    boolean singleNode() {
        return jedis instanceof JedisCompat.PooledNode;
    }

    /** The read timeout: how long a reply may take ({@link BoundedPop}) and a script waits out a migration. */
    Duration readTimeout() {
        return migrationWait;
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
