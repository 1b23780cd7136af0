package io.sergeant.cli;

import io.sergeant.cli.demo.DemoWorker;
import io.sergeant.cli.demo.ExecutionLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class WorkerCommandTest {

    @TempDir
    Path directory;

    @AfterEach
    void clearDemoDirectory() {
        System.clearProperty(DemoWorker.DIRECTORY_PROPERTY);
    }

    @Test
    void aWorkerRunsWithTheOverridesAndEndsAfterMaxTasksPerRun() throws Exception {
        String backend = "sqlite:" + directory.resolve("queue.db");
        Path logs = Files.createDirectory(directory.resolve("logs"));
        System.setProperty(DemoWorker.DIRECTORY_PROPERTY, logs.toString());
        for (int id = 0; id < 12; id++) {
            assertThat(CommandRun.of("push", DemoWorker.QUEUE, "--kwargs", "{\"id\": " + id + "}", "--backend", backend).exitCode())
                    .isZero();
        }
        Path summary = directory.resolve("summary.json");

        CommandRun run = CommandRun.of("worker", "--worker-class", DemoWorker.class.getName(), "--backend", backend,
                "-D", "maxTasksPerRun=10", "-D", "tasksPerTransaction=4", "-D", "pollInterval=50ms",
                "--summary-file", summary.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        ExecutionLog.Verdict verdict = ExecutionLog.verify(logs, 12);
        assertThat(verdict.executions()).isEqualTo(10);
        assertThat(verdict.duplicates()).isZero();
        assertThat(Files.readString(summary)).contains("\"return_code\":0");
        assertThat(CommandRun.of("stats", DemoWorker.QUEUE, "--backend", backend).out().lines().toList().get(1).trim().split("\\s+"))
                .containsExactly(DemoWorker.QUEUE, "2", "0", "0", "0");
        assertThat(System.getProperty("sergeant.config.maxTasksPerRun")).isNull();
        assertThat(System.getProperty("sergeant.config.backend")).isNull();
    }
}
