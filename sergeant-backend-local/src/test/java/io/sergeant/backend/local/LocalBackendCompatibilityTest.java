package io.sergeant.backend.local;

import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.testkit.backend.BackendCompatibilitySuite;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

/**
 * The local backend passes the backend compatibility suite (both delivery modes) on one shared file.
 * busyTimeout is 60 s here instead of 10 s: with four threads popping and acking in the rollback-journal
 * default on a loaded 2-core machine (load 25), a transaction once waited over 10 s for SQLite's lock
 * and failed BACKEND_UNAVAILABLE (which a worker retries). The suite tests what is delivered, not lock waits.
 */
class LocalBackendCompatibilityTest extends BackendCompatibilitySuite {

    private static final String BUSY_TIMEOUT = "60s";

    @TempDir
    static Path directory;

    @Override
    protected Backend newBackend() {
        return new LocalBackendFactory().create(
                new BackendSpec("sqlite:" + directory.resolve("suite.db"), Map.of("busyTimeout", BUSY_TIMEOUT)), PluginContext.defaults());
    }

    @Override
    protected Backend newBackendWithLimits(int maxPayloadBytes, int maxDeadLetters) {
        return new LocalBackendFactory().create(new BackendSpec("sqlite:" + directory.resolve("suite.db"),
                Map.of("maxPayloadSize", Integer.toString(maxPayloadBytes), "maxDeadLetters",
                        Integer.toString(maxDeadLetters), "busyTimeout", BUSY_TIMEOUT)), PluginContext.defaults());
    }

    /**
     * The bytes this JVM has read ({@code rchar} of {@code /proc/self/io}): SQLite reads the file with
     * read calls (no memory map), so every payload byte a listing fetches is counted; -1 off Linux.
     */
    @Override
    protected long bytesServed() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/io"))) {
                if (line.startsWith("rchar:")) {
                    return Long.parseLong(line.substring(6).trim());
                }
            }
            return -1;
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
