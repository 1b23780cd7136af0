package io.sergeant.core.worker;

import io.sergeant.api.Broker;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.testkit.workers.ThrowingConstructorWorker;
import io.sergeant.testkit.workers.UnloadableWorker;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 14 items 5 and 15: what a worker process returns when its class cannot be built, and what a user
 * is told when calling an action outside a running worker.
 */
class WorkerEntryTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("a worker whose constructor throws exits 1 (abnormal, respawned), as Python's __init__ raising; its summary says so")
    void aThrowingConstructorIsAnAbnormalExit() throws Exception {
        Path summary = dir.resolve("summary.json");
        int code = WorkerMain.run(new String[] {"--worker-class", ThrowingConstructorWorker.class.getName(),
                "--summary-file", summary.toString()});

        assertThat(code).as("exit 1, not 7 (cannot import), which stops the supervisor")
                .isEqualTo(ExitCode.WORKER_EXITED_ABNORMALLY.code()).isEqualTo(1);
        assertThat(Files.readString(summary)).contains("\"return_code\":1").contains("constructor fails on purpose");
    }

    @Test
    @DisplayName("a worker class that cannot be loaded (static initializer throws) stays exit 7, as an import error")
    void anUnloadableClassStaysExitSeven() {
        int code = WorkerMain.run(new String[] {"--worker-class", UnloadableWorker.class.getName()});

        assertThat(code).isEqualTo(ExitCode.WORKER_MODULE_NOT_IMPORTABLE.code()).isEqualTo(7);
    }

    @Test
    @DisplayName("an action outside a running worker names what to use instead (a Broker from Sergeant.create()), and that works")
    void anActionOutsideAWorkerPointsToSomethingThatExists() {
        WorkerConfig config = WorkerConfig.builder("outside").backend("sqlite:" + dir.resolve("q.db"))
                .pollInterval(Duration.ofMillis(20)).build();
        RecordingWorker worker = new RecordingWorker(config, task -> null);

        assertThatThrownBy(() -> worker.pushTask(Map.of("id", 1)))
                .isInstanceOfSatisfying(SergeantException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ILLEGAL_ACTION))
                .hasMessageContaining("is not running")
                .hasMessageContaining("Sergeant.create().broker(config)")
                .hasMessageNotContaining("bind");
        assertThatThrownBy(worker::numberOfEnqueuedTasks).hasMessageContaining("Sergeant.create().broker(config)");

        // The advice, followed literally.
        try (Broker broker = Sergeant.create().broker(config)) {
            assertThat(broker.pushTask(config.name(), Map.of("id", 1))).isTrue();
            assertThat(broker.pushTasks(config.name(), List.of(io.sergeant.api.Task.of(Map.of("id", 2))),
                    io.sergeant.api.Priority.NORMAL, null)).isTrue();
            assertThat(broker.stats(config.name()).ready()).isEqualTo(2);
        }
    }
}
