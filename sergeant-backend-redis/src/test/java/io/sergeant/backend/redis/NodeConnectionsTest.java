package io.sergeant.backend.redis;

import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The pool behind single and independent nodes ({@link NodeConnections}) against a real redis-server:
 * a call that finds its connection broken does not make the replacement (commons-pool2 2.13 would, inside
 * that call, paying a second timeout on a stalled server), and a borrower waiting for a connection still
 * gets one. The timing half (one timeout on a blackholed server) is it-tests' {@code NetworkFaultsTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeConnectionsTest {

    private RedisServerProcess redis;
    private ExecutorService threads;

    @AfterEach
    void stop() {
        if (threads != null) {
            threads.shutdownNow();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @DisplayName("a call that finds its connection broken leaves no replacement behind when nobody waits")
    void noReplacementWithoutAWaiter() {
        redis = RedisServerProcess.start();
        try (JedisCompat.PooledNode node = open(4, Duration.ofSeconds(10))) {
            node.ping();
            killClients();
            assertThatThrownBy(node::ping).isInstanceOf(JedisException.class);
            assertThat(node.pool().getNumIdle()).as("no connection made inside the failing call").isZero();
            assertThat(node.pool().getCreatedCount()).isEqualTo(1);
            assertThat(node.ping()).as("the next call connects by itself").isEqualTo("PONG");
        }
    }

    @Test
    @DisplayName("a borrower waiting on a full pool gets a fresh connection when the one in use breaks")
    void aWaiterGetsAReplacement() throws Exception {
        redis = RedisServerProcess.start();
        threads = Executors.newFixedThreadPool(2);
        Duration wait = Duration.ofSeconds(20);
        try (JedisCompat.PooledNode node = open(1, wait)) {
            node.ping();
            Future<?> blocked = threads.submit(() -> node.blpop(15, "nothing"));
            awaitBlpop();
            CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
                try (Connection connection = node.borrow()) {
                    return connection.ping();
                }
            }, threads);
            while (node.pool().getNumWaiters() == 0) {
                Thread.sleep(20);
            }
            long killed = System.nanoTime();
            killClients();
            assertThatThrownBy(() -> blocked.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(JedisException.class);
            assertThat(waiter.get(15, TimeUnit.SECONDS)).as("the waiter got a working connection").isTrue();
            // Without a replacement the waiter would have waited its full 20 s (the pool is full and nobody
            // returns a connection); the bound only has to tell the two apart.
            assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(wait.dividedBy(2));
        }
    }

    private JedisCompat.PooledNode open(int size, Duration maxWait) {
        JedisClientConfig config = DefaultJedisClientConfig.builder().socketTimeoutMillis(30_000).build();
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(size);
        pool.setMaxIdle(size);
        pool.setMinIdle(0);
        pool.setMaxWait(maxWait);
        pool.setJmxEnabled(false);
        return JedisCompat.PooledNode.open(new HostAndPort("127.0.0.1", redis.port()), config, pool);
    }

    private void killClients() {
        redis.command("CLIENT", "KILL", "TYPE", "normal");
    }

    private void awaitBlpop() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() - deadline < 0) {
            if (redis.command("CLIENT", "LIST").contains("cmd=blpop")) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the BLPOP never reached the server: " + redis.command("CLIENT", "LIST"));
    }
}
