package io.sergeant.backend.mongo;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.backend.BackendSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The factory, URI syntax, options and the "no server answers" error. */
class MongoBackendFactoryTest {

    private static InProcessMongo server;

    @BeforeAll
    static void startServer() {
        server = new InProcessMongo();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    @DisplayName("the service loader finds the factory: name mongo, schemes mongodb and mongodb+srv")
    void discovered() {
        assertThat(ServiceLoader.load(BackendFactory.class).stream().map(ServiceLoader.Provider::get))
                .anySatisfy(factory -> {
                    assertThat(factory).isInstanceOf(MongoBackendFactory.class);
                    assertThat(factory.name()).isEqualTo("mongo");
                    assertThat(factory.schemes()).containsExactlyInAnyOrder("mongodb", "mongodb+srv");
                });
    }

    @Test
    @DisplayName("hosts inside one URI are one replica set; ',mongodb://' starts an independent node")
    void nodeSyntax() {
        assertThat(MongoUris.parse("mongodb://a:27017,b:27017/?replicaSet=rs")).hasSize(1)
                .first().satisfies(cs -> assertThat(cs.getHosts()).containsExactly("a:27017", "b:27017"));
        assertThat(MongoUris.parse("mongodb://a:27017,mongodb://b:27017")).hasSize(2);
        assertThat(MongoUris.parse("mongodb://u:p@a:1,b:2/?replicaSet=x, MONGODB://c:3/?tls=true")).hasSize(2)
                .satisfies(nodes -> {
                    assertThat(nodes.get(0).getHosts()).containsExactly("a:1", "b:2");
                    assertThat(nodes.get(0).getRequiredReplicaSetName()).isEqualTo("x");
                    assertThat(nodes.get(1).getSslEnabled()).isTrue();
                });
    }

    @Test
    @DisplayName("bad URIs are INVALID_CONFIGURATION errors that never show the password")
    void badUris() {
        assertInvalid("", "empty");
        assertInvalid("mongodb://u:s3cret@a:1,redis://b:2", "does not start with mongodb://");
        assertInvalid("mongodb://u:s3cret@a:1,mongodb://u:s3cret@a:1", "listed twice");
        assertInvalid("mongodb://u:s3cret@a:1/?w=banana&wtimeoutMS=x", "not a valid connection string");
        assertInvalid("mongodb://u:s3cret@a:99999", "not a valid connection string");
    }

    @Test
    @DisplayName("unknown options and bad database names are rejected, naming the known option")
    void badOptions() {
        assertThatThrownBy(() -> create(server.uri(), Map.of("databse", "x")))
                .isInstanceOfSatisfying(SergeantException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
                    assertThat(e.getMessage()).contains("databse").contains("database");
                });
        assertThatThrownBy(() -> create(server.uri(), Map.of("database", "a.b")))
                .isInstanceOfSatisfying(SergeantException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION));
    }

    @Test
    @DisplayName("a URI for the in-process server makes a working backend")
    void creates() {
        try (Backend backend = create(server.uri(), Map.of())) {
            assertThat(backend).isInstanceOf(MongoBackend.class);
            assertThat(((MongoBackend) backend).nodeCount()).isEqualTo(1);
            assertThat(backend.lockRole().orElseThrow().lockIsLocked("nothing")).isFalse();
        }
    }

    @Test
    @DisplayName("no server answering is a quick BACKEND_UNAVAILABLE naming the node, without its password")
    void noServer() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String uri = "mongodb://user:s3cret@127.0.0.1:" + port + "/?serverSelectionTimeoutMS=300&authSource=admin";
        long start = System.nanoTime();
        assertThatThrownBy(() -> create(uri, Map.of()))
                .isInstanceOfSatisfying(SergeantException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                    assertThat(e.getMessage()).contains("127.0.0.1:" + port).contains("serverSelectionTimeoutMS")
                            .doesNotContain("s3cret");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("fails fast").isLessThan(Duration.ofSeconds(30));
    }

    @Test
    @DisplayName("the default server selection timeout is short (5 s), so a dead server is reported quickly")
    void defaultTimeoutIsShort() {
        assertThat(MongoNode.DEFAULT_SERVER_SELECTION_TIMEOUT_MS).isLessThanOrEqualTo(5_000);
    }

    private static Backend create(String uri, Map<String, String> options) {
        return new MongoBackendFactory().create(new BackendSpec(uri, options), PluginContext.defaults());
    }

    private static void assertInvalid(String uri, String expected) {
        assertThatThrownBy(() -> create(uri, Map.of()))
                .isInstanceOfSatisfying(SergeantException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
                    assertThat(e.getMessage()).contains(expected).doesNotContain("s3cret");
                });
    }
}
