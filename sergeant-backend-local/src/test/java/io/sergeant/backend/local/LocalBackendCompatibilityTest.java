package io.sergeant.backend.local;

import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.testkit.backend.BackendCompatibilitySuite;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

/** The local backend passes the backend compatibility suite (both delivery modes) on one shared file. */
class LocalBackendCompatibilityTest extends BackendCompatibilitySuite {

    @TempDir
    static Path directory;

    @Override
    protected Backend newBackend() {
        return new LocalBackendFactory().create(
                new BackendSpec("sqlite:" + directory.resolve("suite.db"), Map.of()), PluginContext.defaults());
    }

    @Override
    protected Backend newBackendWithLimits(int maxPayloadBytes, int maxDeadLetters) {
        return new LocalBackendFactory().create(new BackendSpec("sqlite:" + directory.resolve("suite.db"),
                Map.of("maxPayloadSize", Integer.toString(maxPayloadBytes), "maxDeadLetters",
                        Integer.toString(maxDeadLetters))), PluginContext.defaults());
    }
}
