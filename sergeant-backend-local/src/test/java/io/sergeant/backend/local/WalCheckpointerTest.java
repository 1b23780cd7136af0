package io.sergeant.backend.local;

import io.sergeant.api.Priority;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.DeliveryOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WAL checkpoints on their own thread ({@link WalCheckpointer}), on real SQLite files: in WAL mode the log
 * is copied back into the file although no committing connection reaches its own checkpoint threshold,
 * the thread ends with the backend, and a rollback-journal file has no such thread.
 */
class WalCheckpointerTest {

    @TempDir
    Path directory;

    @Test
    @DisplayName("in WAL mode the log's pages reach the file without a commit reaching wal_autocheckpoint, and the thread ends with the backend")
    void checkpointsRunOnTheirOwnThread() throws Exception {
        Path file = directory.resolve("wal.db");
        LocalBackend backend = LocalBackend.open(settings(file, "WAL"), Clock.systemUTC());
        String threadName = "sergeant-sqlite-checkpoint-" + file.getFileName();
        try {
            assertThat(threadNamed(threadName)).as("the checkpoint thread runs").isTrue();
            long before = Files.size(file);
            byte[] payload = new byte[8_000];
            Arrays.fill(payload, (byte) 'x');
            // 600 payloads of 8 KB: about 1,200 pages of 4 KB, far below the committing connections'
            // threshold of 10,000 pages, so only the checkpoint thread copies them into the file.
            for (int chunk = 0; chunk < 6; chunk++) {
                List<byte[]> payloads = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    payloads.add(payload);
                }
                backend.push("q", payloads, Priority.NORMAL, null);
            }
            long deadline = System.nanoTime() + 60_000_000_000L; // a liveness bound, not a timing
            while (Files.size(file) < before + 4_000_000 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(Files.size(file)).as("the file holds the pushed pages: a checkpoint copied the log back")
                    .isGreaterThanOrEqualTo(before + 4_000_000);
            assertThat(backend.pop("q", 1000, DeliveryOptions.AT_MOST_ONCE)).hasSize(600)
                    .allSatisfy(delivery -> assertThat(delivery.payload()).isEqualTo(payload));
        } finally {
            backend.close();
        }
        assertThat(threadNamed(threadName)).as("the thread ended with the backend").isFalse();
    }

    @Test
    @DisplayName("a rollback-journal file (the default) has no checkpoint thread")
    void noThreadWithoutWal() {
        Path file = directory.resolve("delete.db");
        try (LocalBackend backend = LocalBackend.open(settings(file, "DELETE"), Clock.systemUTC())) {
            backend.push("q", List.of(new byte[] {1}), Priority.NORMAL, null);
            assertThat(threadNamed("sergeant-sqlite-checkpoint-" + file.getFileName())).isFalse();
        }
    }

    @Test
    @DisplayName("a file that is not a SQLite database fails to open in WAL mode and leaves no checkpoint thread behind")
    void aFailedOpenLeavesNoThread() throws Exception {
        Path file = directory.resolve("not-sqlite.db");
        Files.write(file, "this is not a SQLite database, but it is long enough to be read as a header ...".repeat(64)
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LocalBackend.open(settings(file, "WAL"), Clock.systemUTC()))
                .isInstanceOf(io.sergeant.api.SergeantException.class);
        assertThat(threadNamed("sergeant-sqlite-checkpoint-" + file.getFileName())).as("no thread left running").isFalse();
    }

    private static LocalSettings settings(Path file, String journalMode) {
        return LocalSettings.from(new BackendSpec("sqlite:" + file, Map.of("journalMode", journalMode)));
    }

    private static boolean threadNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }
}
