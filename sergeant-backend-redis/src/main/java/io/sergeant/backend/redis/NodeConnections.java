package io.sergeant.backend.redis;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.providers.ConnectionProvider;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;

/**
 * The pooled connections to one Redis node, as Jedis' {@code PooledConnectionProvider} keeps them, except
 * that a call which finds its connection broken never makes the replacement itself.
 *
 * <p>Why: commons-pool2 2.13 (the version Jedis 8 brings) replaces an invalidated object inside
 * {@code invalidateObject}, that is inside {@code Connection.close()} of the call that failed. When the
 * server stalls (a blackholed network, a paused host) the replacement's handshake waits for the same
 * server, so that call blocked for two socket timeouts instead of one (measured 4.05 s with a 2 s
 * timeout). commons-pool2 2.12 made a replacement only for a borrower already waiting; pinning it would
 * not hold for users whose build manages commons-pool2 (Spring Boot does), so the pool here overrides
 * the step instead: no waiter, no replacement (the next call makes a connection when it needs one, within
 * its own timeout); a waiter, a replacement made on a short-lived thread of its own. See
 * docs/decisions.md, "A broken connection costs one timeout".
 *
 * <p>Thread safe (the pool is). Connections are made lazily, by the call that borrows them.
 */
final class NodeConnections implements ConnectionProvider {

    private final ReplacingOffThreadPool pool;
    /** The ACL user the connections log in as; null for the default user. */
    private final String user;

    /**
     * @param node   the node
     * @param config how to connect (timeouts, credentials, TLS)
     * @param pool   the pool's sizes and waits
     */
    NodeConnections(HostAndPort node, JedisClientConfig config, GenericObjectPoolConfig<Connection> pool) {
        this.pool = new ReplacingOffThreadPool(Objects.requireNonNull(node, "node is null"),
                Objects.requireNonNull(config, "config is null"), Objects.requireNonNull(pool, "pool is null"));
        this.user = config.getUser();
    }

    /** The ACL user the connections log in as; null for the default user. */
    String user() {
        return user;
    }

    @Override
    public Connection getConnection() {
        return pool.getResource();
    }

    @Override
    public Connection getConnection(CommandArguments args) {
        return pool.getResource();
    }

    @Override
    public Map<?, ?> getConnectionMap() {
        return Collections.singletonMap("", pool);
    }

    @Override
    public Map<?, ?> getPrimaryNodesConnectionMap() {
        return Collections.singletonMap("", pool);
    }

    /** The pool itself, for tests that look at its counters. */
    ConnectionPool pool() {
        return pool;
    }

    /** Closes the idle connections (after a lost connection: they are suspect too). */
    void clearIdle() {
        pool.clear();
    }

    @Override
    public void close() {
        pool.close();
    }

    /** A Jedis connection pool whose {@link #addObject()} never runs on the caller's thread. */
    private static final class ReplacingOffThreadPool extends ConnectionPool {

        private final String node;

        ReplacingOffThreadPool(HostAndPort node, JedisClientConfig config, GenericObjectPoolConfig<Connection> pool) {
            super(node, config, pool);
            this.node = node.toString();
        }

        /**
         * Called by commons-pool2 2.13+ from {@code invalidateObject}, on the thread whose call found the
         * connection broken (nothing in this backend calls it otherwise). A replacement is made only for a
         * borrower that waits for one, and on a thread of its own, so the failing call returns at once.
         */
        @Override
        public void addObject() {
            if (getNumWaiters() == 0 || isClosed()) {
                return;
            }
            Thread replacement = new Thread(this::addObjectQuietly, "sergeant-redis-reconnect-" + node);
            replacement.setDaemon(true);
            replacement.start();
        }

        private void addObjectQuietly() {
            try {
                super.addObject();
            } catch (Exception e) {
                // The waiter makes its own connection (or fails) when its wait ends; nothing is lost here.
                System.getLogger(NodeConnections.class.getName()).log(System.Logger.Level.DEBUG,
                        "replacing a broken connection to " + node + " failed: " + e);
            }
        }
    }
}
