package io.sergeant.backend.redis;

import io.sergeant.testkit.servers.RedisServerProcess;

import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.testkit.backend.BackendCompatibilitySuite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

/**
 * The backend contract, both delivery modes, over {@code rediss://} to one TLS redis-server whose
 * certificate comes from a throw-away CA ({@code tlsCaCert}, host name verified).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsCompatibilityTest extends BackendCompatibilitySuite {

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

    @Override
    protected Backend newBackend() {
        return new RedisBackendFactory().create(new BackendSpec(server.tlsUri(),
                Map.of("tlsCaCert", certs.caCert().toString())), PluginContext.defaults());
    }

    @Override
    protected boolean highPriorityIsFifo() {
        return false; // Python Sergeant's layout: HIGH is LPUSH, so last in, first out among HIGH tasks
    }
}
