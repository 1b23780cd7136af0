package io.sergeant.backend.redis;

import io.sergeant.testkit.servers.RedisServerProcess;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.Receipt;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Connection failures, authentication, and a server restart under a running consumer. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisFailureTest {

    private static final Map<String, String> FAST_FAIL = Map.of("timeout", "2s", "connectTimeout", "1s");

    @Test
    @DisplayName("when no server answers, create fails with BACKEND_UNAVAILABLE naming the masked address")
    void noServer() {
        int port = RedisServerProcess.freePort(false);
        SergeantException e = catchThrowableOfType(SergeantException.class, () -> new RedisBackendFactory().create(
                new BackendSpec("redis://:hunter2@127.0.0.1:" + port, FAST_FAIL), PluginContext.defaults()));
        assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
        assertThat(e.getMessage()).contains("cannot open the Redis backend").contains("127.0.0.1:" + port)
                .doesNotContain("hunter2");
    }

    @Test
    @DisplayName("a cluster URI with no live seed fails with BACKEND_UNAVAILABLE")
    void noClusterSeed() {
        int port = RedisServerProcess.freePort(false);
        SergeantException e = catchThrowableOfType(SergeantException.class, () -> new RedisBackendFactory().create(
                new BackendSpec("redis-cluster://u:hunter2@127.0.0.1:" + port, FAST_FAIL), PluginContext.defaults()));
        assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
        assertThat(e.getMessage()).contains("127.0.0.1:" + port).doesNotContain("hunter2");
    }

    @Test
    @DisplayName("a wrong password is BACKEND_REFUSED; an ACL user with password and a /db index work")
    void authenticationAndDatabase() {
        try (RedisServerProcess server = RedisServerProcess.start("--requirepass", "hunter2")) {
            SergeantException refused = catchThrowableOfType(SergeantException.class, () -> new RedisBackendFactory()
                    .create(new BackendSpec("redis://:wrong-pass@127.0.0.1:" + server.port(), FAST_FAIL),
                            PluginContext.defaults()));
            assertThat(refused.code()).isEqualTo(ErrorCode.BACKEND_REFUSED);
            assertThat(refused.getMessage()).doesNotContain("wrong-pass").doesNotContain("hunter2");

            try (Jedis admin = new Jedis(new HostAndPort("127.0.0.1", server.port()),
                    DefaultJedisClientConfig.builder().password("hunter2").build())) {
                admin.aclSetUser("alice", "on", ">s3cr%t", "~*", "&*", "+@all");
            }
            String uri = "redis://alice:s3cr%25t@127.0.0.1:" + server.port() + "/3";
            try (Backend backend = new RedisBackendFactory().create(new BackendSpec(uri, FAST_FAIL), PluginContext.defaults());
                 Jedis raw = new Jedis(new HostAndPort("127.0.0.1", server.port()),
                         DefaultJedisClientConfig.builder().user("alice").password("s3cr%t").database(3).build())) {
                assertThat(backend.keyRole().orElseThrow().keySet("in-db-3", "v".getBytes(StandardCharsets.UTF_8))).isTrue();
                assertThat(raw.get("in-db-3")).isEqualTo("v");
                raw.select(0);
                assertThat(raw.exists("in-db-3")).isFalse();
            }
        }
    }

    @Test
    @DisplayName("a consumer loop survives a server crash and restart: errors are BACKEND_UNAVAILABLE, at-least-once loses nothing")
    void consumerSurvivesRestart() throws Exception {
        int total = 4000;
        String queue = "restart-q";
        try (RedisServerProcess server = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always");
             Backend backend = new RedisBackendFactory().create(new BackendSpec(server.uri(), FAST_FAIL),
                     PluginContext.defaults())) {
            List<byte[]> tasks = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                tasks.add(("t-" + i).getBytes(StandardCharsets.UTF_8));
            }
            backend.push(queue, tasks, Priority.NORMAL, null);

            Set<String> seen = ConcurrentHashMap.newKeySet();
            AtomicInteger outageErrors = new AtomicInteger();
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            DeliveryOptions lease = DeliveryOptions.leased(Duration.ofSeconds(1), 100);
            Thread consumer = new Thread(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (seen.size() < total && System.nanoTime() < deadline) {
                    try {
                        backend.leaseRole().orElseThrow().reap(queue, 100);
                        List<Delivery> batch = backend.pop(queue, 20, lease);
                        List<Receipt> receipts = new ArrayList<>();
                        for (Delivery d : batch) {
                            seen.add(new String(d.payload(), StandardCharsets.UTF_8));
                            receipts.add(d.receipt());
                        }
                        backend.leaseRole().orElseThrow().ack(queue, receipts);
                        pause(batch.isEmpty() ? 50 : 4);
                    } catch (SergeantException e) {
                        if (e.code() != ErrorCode.BACKEND_UNAVAILABLE) {
                            unexpected.compareAndSet(null, e);
                            return;
                        }
                        outageErrors.incrementAndGet();
                        pause(50);
                    } catch (RuntimeException | Error e) {
                        unexpected.compareAndSet(null, e);
                        return;
                    }
                }
            }, "consumer");
            consumer.start();

            long waitStart = System.nanoTime();
            while (seen.size() < total / 4 && System.nanoTime() - waitStart < TimeUnit.SECONDS.toNanos(30)) {
                pause(5);
            }
            server.kill();
            pause(700);
            assertThat(consumer.isAlive()).as("the consumer keeps running during the outage").isTrue();
            server.restart();
            consumer.join(TimeUnit.SECONDS.toMillis(70));

            assertThat(unexpected.get()).as("only BACKEND_UNAVAILABLE during the outage").isNull();
            assertThat(outageErrors.get()).as("the outage was seen").isPositive();
            assertThat(consumer.isAlive()).isFalse();
            assertThat(seen).as("every task delivered at least once").hasSize(total);
            assertThat(backend.keyRole().orElseThrow().keySet("after-restart", new byte[] {1})).isTrue();
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
