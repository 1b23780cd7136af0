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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@code rediss://} against a real TLS redis-server with a throw-away CA: the backend's operations over
 * TLS, each way of trusting the server, client certificates, host name verification, and the errors
 * for an untrusted certificate, a plain port and bad TLS options.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisTlsTest {

    private static final String PASSWORD = TestCertificates.PASSWORD;

    private Path dir;
    private TestCertificates certs;
    private RedisServerProcess server;

    @BeforeAll
    void startServer(@TempDir Path tempDir) {
        dir = tempDir;
        certs = TestCertificates.create(dir);
        server = certs.startServer();
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @DisplayName("over TLS with tlsCaCert: push/pop in both modes, a lock and a key, stored on the same server")
    void operationsOverTls() {
        try (Backend backend = open(server.tlsUri(), Map.of("tlsCaCert", certs.caCert().toString()))) {
            backend.push("tls-q", texts("a", "b"), Priority.NORMAL, null);
            backend.push("tls-q", texts("h"), Priority.HIGH, null);
            assertThat(server.command("LLEN", "tls-q")).isEqualTo("3"); // really on this server (plain port)
            assertThat(strings(backend.pop("tls-q", 10, DeliveryOptions.AT_MOST_ONCE))).containsExactly("h", "a", "b");

            backend.push("tls-leased", texts("x", "y"), Priority.NORMAL, null);
            List<Delivery> leased = backend.pop("tls-leased", 10, DeliveryOptions.leased(Duration.ofSeconds(30), 3));
            assertThat(strings(leased)).containsExactly("x", "y");
            assertThat(leased).allMatch(Delivery::leased);
            assertThat(backend.leaseRole().orElseThrow().ack("tls-leased", leased.stream().map(Delivery::receipt).toList()).settled()).isEqualTo(2);
            assertThat(backend.stats("tls-leased").inFlight()).isZero();

            assertThat(backend.lockRole().orElseThrow().lockAcquire("tls-lock", "owner-1", Duration.ofSeconds(30))).isTrue();
            assertThat(backend.lockRole().orElseThrow().lockAcquire("tls-lock", "owner-2", Duration.ofSeconds(30))).isFalse();
            assertThat(backend.lockRole().orElseThrow().lockIsLocked("tls-lock")).isTrue();
            assertThat(backend.lockRole().orElseThrow().lockRelease("tls-lock", "owner-1")).isTrue();
            assertThat(backend.lockRole().orElseThrow().lockIsLocked("tls-lock")).isFalse();

            assertThat(backend.keyRole().orElseThrow().keySet("tls-key", bytes("v1"))).isTrue();
            assertThat(backend.keyRole().orElseThrow().keyGet("tls-key")).hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8))
                    .isEqualTo("v1"));
            assertThat(server.command("GET", "tls-key")).isEqualTo("v1");
            assertThat(backend.keyRole().orElseThrow().keyDelete("tls-key")).isTrue();
            assertThat(backend.keyRole().orElseThrow().keyGet("tls-key")).isEmpty();
        }
    }

    @Test
    @DisplayName("a PKCS12 trust store with its password works as well as a PEM CA file")
    void trustStore() {
        try (Backend backend = open(server.tlsUri(), Map.of("tlsTrustStore", certs.trustStore().toString(),
                "tlsTrustStorePassword", PASSWORD))) {
            assertThat(backend.keyRole().orElseThrow().keySet("via-trust-store", bytes("1"))).isTrue();
        }
    }

    @Test
    @DisplayName("a certificate from a CA that is not trusted is BACKEND_REFUSED saying what to check")
    void untrustedCertificate() {
        SergeantException other = failure(server.tlsUri(), Map.of("tlsTrustStore", certs.otherTrustStore().toString(),
                "tlsTrustStorePassword", PASSWORD));
        assertThat(other.code()).isEqualTo(ErrorCode.BACKEND_REFUSED);
        assertThat(other.getMessage()).contains("cannot open the Redis backend").contains("certificate is not accepted")
                .contains("tlsCaCert").contains("rediss://127.0.0.1:" + server.tlsPort()).doesNotContain(PASSWORD);

        SergeantException jdkDefault = failure(server.tlsUri(), Map.of()); // the test CA is not in the JDK's cacerts
        assertThat(jdkDefault.code()).isEqualTo(ErrorCode.BACKEND_REFUSED);
        assertThat(jdkDefault.getMessage()).contains("certificate is not accepted");
    }

    @Test
    @DisplayName("rediss:// to a plain port fails saying the port may not speak TLS")
    void tlsAgainstPlainPort() {
        SergeantException e = failure("rediss://:hunter2@127.0.0.1:" + server.port(),
                Map.of("tlsCaCert", certs.caCert().toString(), "timeout", "1s"));
        // A plain Redis port usually waits silently for the end of the "inline command" the TLS
        // ClientHello looks like (a read timeout, BACKEND_UNAVAILABLE); should the random handshake
        // bytes hold a newline it answers with an error, which the JDK reports as a non-TLS reply
        // (BACKEND_REFUSED). Both messages say to check that the port speaks TLS.
        assertThat(e.code()).isIn(ErrorCode.BACKEND_UNAVAILABLE, ErrorCode.BACKEND_REFUSED);
        assertThat(e.getMessage()).contains("does not speak TLS").contains("tls-port").contains("redis://")
                .doesNotContain("hunter2");
    }

    @Test
    @DisplayName("redis:// to a TLS port fails with BACKEND_UNAVAILABLE, never hangs")
    void plainAgainstTlsPort() {
        SergeantException e = failure("redis://127.0.0.1:" + server.tlsPort(), Map.of("timeout", "2s"));
        assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
        assertThat(e.getMessage()).contains("127.0.0.1:" + server.tlsPort()).contains("if this port speaks TLS, use rediss://");
    }

    @Test
    @DisplayName("a certificate naming another host is refused unless tlsVerifyHostname=false")
    void hostnameVerification() {
        try (RedisServerProcess wrongName = RedisServerProcess.startTls(certs.wrongNameCert(), certs.wrongNameKey(),
                certs.caCert())) {
            SergeantException e = failure(wrongName.tlsUri(), Map.of("tlsCaCert", certs.caCert().toString()));
            assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_REFUSED);
            assertThat(e.getMessage()).contains("certificate is not accepted").contains("tlsVerifyHostname");

            try (Backend backend = open(wrongName.tlsUri(), Map.of("tlsCaCert", certs.caCert().toString(),
                    "tlsVerifyHostname", "false"))) {
                assertThat(backend.keyRole().orElseThrow().keySet("unverified-name", bytes("1"))).isTrue();
            }
        }
    }

    @Test
    @DisplayName("with tls-auth-clients yes the client certificate from tlsKeyStore is required and accepted")
    void clientCertificate() {
        try (RedisServerProcess mutual = certs.startServer("--tls-auth-clients", "yes")) {
            SergeantException e = failure(mutual.tlsUri(), Map.of("tlsCaCert", certs.caCert().toString(), "timeout", "2s"));
            assertThat(e.code()).isIn(ErrorCode.BACKEND_UNAVAILABLE, ErrorCode.BACKEND_REFUSED);
            assertThat(e.getMessage()).as(e.getMessage()).contains("127.0.0.1:" + mutual.tlsPort()).contains("'tlsKeyStore'");

            Map<String, String> options = Map.of("tlsCaCert", certs.caCert().toString(),
                    "tlsKeyStore", certs.clientKeyStore().toString(), "tlsKeyStorePassword", PASSWORD);
            try (Backend backend = open(mutual.tlsUri(), options)) {
                backend.push("mtls-q", texts("m"), Priority.NORMAL, null);
                assertThat(strings(backend.pop("mtls-q", 5, DeliveryOptions.AT_MOST_ONCE))).containsExactly("m");
            }
        }
    }

    @Test
    @DisplayName("bad TLS options are INVALID_CONFIGURATION, all at once, never quoting a password")
    void invalidOptions() {
        SergeantException plain = failure(server.uri(), Map.of("tlsCaCert", certs.caCert().toString()));
        assertThat(plain.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
        assertThat(plain.getMessage()).contains("apply to TLS connections only");

        Map<String, String> both = new HashMap<>(Map.of("tlsCaCert", certs.caCert().toString(),
                "tlsTrustStore", certs.trustStore().toString(), "tlsVerifyHostname", "maybe"));
        SergeantException conflicting = failure(server.tlsUri(), both);
        assertThat(conflicting.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
        assertThat(conflicting.getMessage()).contains("exclude each other").contains("tlsVerifyHostname");

        SergeantException wrongPassword = failure(server.tlsUri(), Map.of("tlsTrustStore", certs.trustStore().toString(),
                "tlsTrustStorePassword", "not-the-pass-w0rd"));
        assertThat(wrongPassword.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
        assertThat(wrongPassword.getMessage()).contains("tlsTrustStore").contains("trust.p12")
                .doesNotContain("not-the-pass-w0rd");

        SergeantException missing = failure(server.tlsUri(), Map.of("tlsCaCert", dir.resolve("nope.pem").toString(),
                "tlsKeyStore", certs.trustStore().toString(), "tlsKeyStorePassword", PASSWORD));
        assertThat(missing.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
        assertThat(missing.getMessage()).contains("nope.pem").contains("holds no private key").doesNotContain(PASSWORD);

        SergeantException notPem = failure(server.tlsUri(), Map.of("tlsCaCert", certs.serverKey().toString()));
        assertThat(notPem.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
        assertThat(notPem.getMessage()).contains("server.key");

        SergeantException unknown = failure(server.tlsUri(), Map.of("tlsTrustStorePath", "x"));
        assertThat(unknown.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
        assertThat(unknown.getMessage()).contains("tlsTrustStorePath").contains("tlsTrustStore");
    }

    private static Backend open(String uri, Map<String, String> options) {
        return new RedisBackendFactory().create(new BackendSpec(uri, options), PluginContext.defaults());
    }

    private static SergeantException failure(String uri, Map<String, String> options) {
        Map<String, String> withTimeouts = new HashMap<>(Map.of("timeout", "5s", "connectTimeout", "2s"));
        withTimeouts.putAll(options);
        SergeantException e = catchThrowableOfType(SergeantException.class, () -> open(uri, withTimeouts).close());
        assertThat(e).as("opening %s with %s", uri, options.keySet()).isNotNull();
        return e;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<byte[]> texts(String... values) {
        return java.util.Arrays.stream(values).map(RedisTlsTest::bytes).toList();
    }

    private static List<String> strings(List<Delivery> deliveries) {
        return deliveries.stream().map(d -> new String(d.payload(), StandardCharsets.UTF_8)).toList();
    }
}
