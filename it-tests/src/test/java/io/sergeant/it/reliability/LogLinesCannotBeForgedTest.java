package io.sergeant.it.reliability;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.core.Sergeant;
import io.sergeant.testkit.workers.ScriptWorker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13 §3, "log lines escape control characters from task data (no forged lines)", through a real
 * worker process and its real log output (slf4j-simple on stderr): a failing task whose kwarg and trace id
 * carry a newline followed by a made-up log line is logged with them escaped, on one line.
 * {@code LoggedTaskTest} covers the escaping itself; this covers that the worker's log goes through it.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LogLinesCannotBeForgedTest {

    private static final String FORGED_LINE = "[main] ERROR io.sergeant.Admin - password reset";

    @TempDir
    Path dir;

    private Process worker;

    @AfterEach
    void stop() throws InterruptedException {
        if (worker != null && worker.isAlive()) {
            worker.destroyForcibly();
            worker.waitFor();
        }
    }

    @Test
    @DisplayName("a failing task's kwargs and trace id cannot start a log line of their own")
    void taskDataCannotForgeALogLine() throws Exception {
        try (Broker broker = Sergeant.create().broker(ScriptWorker.baseConfig(dir).build())) {
            broker.pushTask(ScriptWorker.QUEUE, Task.of(Map.of("id", 1, "action", "fail",
                    "note", "ok\n" + FORGED_LINE + "\r\u001b[2J"), "trace\n" + FORGED_LINE), Priority.NORMAL, null);
        }
        new io.sergeant.testkit.workers.Events(dir); // creates the markers' folder
        Path output = dir.resolve("worker.log");
        worker = FaultRun.startWorkerMain(ScriptWorker.class, output, List.of("-D" + ScriptWorker.DIR_PROPERTY + "=" + dir,
                "-Dsergeant.config.executor.concurrency=1"));
        String escaped = "ok\\n" + FORGED_LINE + "\\r\\u001b[2J";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!read(output).contains(escaped) && worker.isAlive() && System.nanoTime() - deadline < 0) {
            Thread.sleep(50);
        }
        worker.destroy(); // SIGTERM: the worker stops; its log is complete
        worker.waitFor(30, TimeUnit.SECONDS);
        String log = read(output);

        assertThat(log).as("the failure was logged with the task's kwargs escaped\n%s", log).contains(escaped)
                .contains("trace\\n" + FORGED_LINE);
        assertThat(log.lines()).as("no line starts with what the task data carried\n%s", log)
                .noneMatch(line -> line.startsWith(FORGED_LINE));
        assertThat(log).as("no raw control character but line ends").doesNotContain("\u001b", "\r");
    }

    private static String read(Path output) throws IOException {
        return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
    }
}
