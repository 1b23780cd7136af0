package io.sergeant.backend.redis;

import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The few Jedis calls whose binary shape differs between the Jedis lines this backend supports
 * (6.x, 7.x and 8.x; it is compiled against 8.x):
 * <ul>
 *   <li>{@code SetParams.px(long)} is declared by {@code SetParams} itself since 7.x (returning
 *       {@code SetParams}) but only inherited from the package-private {@code BaseSetExParams} in
 *       6.x; {@link #setNxPx} resolves it once by name and adapts its return type.</li>
 *   <li>{@code JedisPooled} is gone in 8.x; {@link PooledNode} is the same thing built from
 *       parts every line has (a {@code ConnectionPool}, see {@link NodeConnections}, and the protected
 *       {@code UnifiedJedis(ConnectionProvider, RedisProtocol)} constructor, which runs each command
 *       once, without client-side retries).</li>
 * </ul>
 * Also beware of {@code UnifiedJedis.pipelined()}: it returns {@code PipelineBase} in 6.x and
 * {@code AbstractPipeline} since 7.x (the {@code NoSuchMethodError} Spring Boot 4 users met with a
 * backend built on Jedis 5); the backend does not pipeline any more, so it needs no adapter.
 * Everything else the backend uses has the same signature on all three lines; the build runs a
 * Redis smoke suite against Jedis 6.0 and 7.0 to keep it so.
 */
final class JedisCompat {

    private static final MethodHandle PX = findPx();

    private JedisCompat() {
    }

    /** {@code SET ... NX PX millis} parameters, linked the same way on every Jedis line. */
    static SetParams setNxPx(long millis) {
        try {
            return (SetParams) PX.invokeExact(SetParams.setParams().nx(), millis);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("SetParams.px(long) threw a checked exception", e);
        }
    }

    private static MethodHandle findPx() {
        try {
            Class<?> declared = SetParams.class.getMethod("px", long.class).getReturnType();
            return MethodHandles.publicLookup()
                    .findVirtual(SetParams.class, "px", MethodType.methodType(declared, long.class))
                    .asType(MethodType.methodType(SetParams.class, SetParams.class, long.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new IllegalStateException("SetParams.px(long) is missing: this Jedis version is not "
                    + "supported (use Jedis 6, 7 or 8)", e);
        }
    }

    /** A pooled single-node client, as {@code JedisPooled} was before Jedis 8. */
    static final class PooledNode extends UnifiedJedis {

        private final NodeConnections provider;

        private PooledNode(NodeConnections provider, JedisClientConfig config) {
            super(provider, config.getRedisProtocol());
            this.provider = provider;
        }

        /** Opens a pool of connections to {@code node}; connections are made lazily. */
        static PooledNode open(HostAndPort node, JedisClientConfig config, ConnectionPoolConfig pool) {
            return new PooledNode(new NodeConnections(node, config, pool), config);
        }

        /** A connection of the pool, for a caller that must be able to cut it from another thread; close it after use. */
        Connection borrow() {
            return provider.getConnection();
        }

        /** The ACL user the connections log in as; null for the default user. */
        String user() {
            return provider.user();
        }

        /** The connection pool, for tests that look at its counters. */
        redis.clients.jedis.ConnectionPool pool() {
            return provider.pool();
        }

        /** Closes the idle connections of the pool (after a lost connection). */
        void clearIdle() {
            provider.clearIdle();
        }
    }
}
