package io.sergeant.backend.redis;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.BackendSpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class RedisUriTest {

    @Test
    @DisplayName("a plain redis:// URI gives one node with the default port and database 0")
    void plainUri() {
        RedisUri uri = RedisUri.parse("redis://localhost");
        assertThat(uri.cluster()).isFalse();
        assertThat(uri.nodes()).containsExactly(new RedisUri.Node("localhost", 6379, false, null, null, 0));
    }

    @Test
    @DisplayName("user, password (percent-decoded), port, database and TLS are read per node, in order")
    void fullUris() {
        RedisUri uri = RedisUri.parse("rediss://alice:p%40ss%2Fw0rd@a.example:6380/3,redis://:only-pass@b:7000");
        assertThat(uri.nodes()).containsExactly(
                new RedisUri.Node("a.example", 6380, true, "alice", "p@ss/w0rd", 3),
                new RedisUri.Node("b", 7000, false, null, "only-pass", 0));
    }

    @Test
    @DisplayName("IPv6 hosts are written in brackets")
    void ipv6() {
        assertThat(RedisUri.parse("redis://[::1]:6390/1").nodes())
                .containsExactly(new RedisUri.Node("::1", 6390, false, null, null, 1));
    }

    @Test
    @DisplayName("a cluster URI lists seed nodes; credentials of the first apply to all")
    void clusterUri() {
        RedisUri uri = RedisUri.parse("redis-cluster://bob:secret@h1:7001,h2:7002,redis-cluster://h3:7003");
        assertThat(uri.cluster()).isTrue();
        assertThat(uri.nodes()).extracting(RedisUri.Node::host).containsExactly("h1", "h2", "h3");
        assertThat(uri.nodes()).allSatisfy(node -> {
            assertThat(node.user()).isEqualTo("bob");
            assertThat(node.password()).isEqualTo("secret");
        });
        assertThat(uri.toString()).doesNotContain("secret").isEqualTo("redis-cluster://h1:7001,h2:7002,h3:7003");
    }

    @Test
    @DisplayName("bad URIs are INVALID_CONFIGURATION errors that never show the password")
    void badUris() {
        assertInvalid("redis://user:hunter2@host:notaport", "port 'notaport'");
        assertInvalid("redis://user:hunter2@host:70000", "outside 1-65535");
        assertInvalid("redis://user:hunter2@host/x", "database index 'x'");
        assertInvalid("redis-cluster://user:hunter2@h1:1/2", "only database 0");
        assertInvalid("redis://user:hunter2@host,mongodb://x", "not redis, rediss or redis-cluster");
        assertInvalid("redis://user:hunter2@host,other:6379", "no redis:// or rediss:// scheme");
        assertInvalid("redis://user:hunt/er2@:6379", "no host");
    }

    @Test
    @DisplayName("unknown or invalid options are reported together, by name")
    void badOptions() {
        RedisBackendFactory factory = new RedisBackendFactory();
        SergeantException unknown = catchThrowableOfType(SergeantException.class, () -> factory.create(
                new BackendSpec("redis://127.0.0.1:1", Map.of("poolsize", "3")), PluginContext.defaults()));
        assertThat(unknown.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
        assertThat(unknown.getMessage()).contains("poolsize").contains("poolSize");

        SergeantException invalid = catchThrowableOfType(SergeantException.class, () -> factory.create(
                new BackendSpec("redis://:hunter2@127.0.0.1:1", Map.of("poolSize", "0", "timeout", "soon", "shards", "2")),
                PluginContext.defaults()));
        assertThat(invalid.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
        assertThat(invalid.getMessage()).contains("'poolSize' of backend 'redis' is '0'; expected at least 1").contains("'timeout'")
                .contains("'shards' applies to redis-cluster://").doesNotContain("hunter2");
    }

    @Test
    @DisplayName("the factory is named redis and serves the redis, rediss and redis-cluster schemes")
    void factoryNameAndSchemes() {
        RedisBackendFactory factory = new RedisBackendFactory();
        assertThat(factory.name()).isEqualTo("redis");
        assertThat(factory.schemes()).containsExactlyInAnyOrder("redis", "rediss", "redis-cluster");
        assertThat(java.util.ServiceLoader.load(io.sergeant.spi.backend.BackendFactory.class).stream()
                .map(p -> p.type().getName())).contains(RedisBackendFactory.class.getName());
    }

    @Test
    @DisplayName("cluster shard tags are stable and fall into distinct slot ranges")
    void shardTags() {
        for (int shards = 1; shards <= 6; shards++) {
            for (int i = 0; i < shards; i++) {
                String tag = ClusterShards.tag("emails", i, shards);
                assertThat(ClusterShards.tag("emails", i, shards)).isEqualTo(tag);
                int slot = redis.clients.jedis.util.JedisClusterCRC16.getSlot("{" + tag + "}");
                assertThat(slot).isBetween(16384 * i / shards, 16384 * (i + 1) / shards - 1);
            }
        }
        for (String odd : List.of("odd}name", "}odd", "{odd}")) {
            assertThatThrownBy(() -> ClusterShards.checkName(odd)).as(odd).isInstanceOf(SergeantException.class)
                    .hasMessageContaining("without braces");
        }
        ClusterShards.checkName("plain-name.with:colons");
    }

    @Test
    @DisplayName("keys and locks are placed like Python Sergeant: CRC32 of the UTF-8 name modulo the node count")
    void crc32Placement() {
        // binascii.crc32(b'key') == 2324736937, crc32('é'.encode()) == 235179326 (values from CPython)
        assertThat(IndependentNodes.nodeIndex("key", 3)).isEqualTo((int) (2324736937L % 3));
        assertThat(IndependentNodes.nodeIndex("é", 7)).isEqualTo((int) (235179326L % 7));
    }

    private static void assertInvalid(String uri, String problem) {
        assertThatThrownBy(() -> RedisUri.parse(uri))
                .isInstanceOfSatisfying(SergeantException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION))
                .hasMessageContaining(problem)
                .hasMessageNotContaining("hunter2")
                .hasMessageNotContaining("hunt/er2");
    }
}
