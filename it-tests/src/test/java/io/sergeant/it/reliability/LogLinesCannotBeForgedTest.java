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
 * A second worker logs through Logback with the configuration the {@code sergeant} jar ships (its plain-text
 * appender), running a task that throws an exception whose message carries a kwarg: the stack trace's
 * messages are escaped too ({@code EscapedThrowableConverter}).
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

    /** The scripted worker plus the action {@code bad-email}: it throws with the task's {@code email} kwarg in the message. */
    public static final class EmailCheckingWorker extends ScriptWorker {

        /** For the worker process: the directory comes from {@value ScriptWorker#DIR_PROPERTY}. */
        public EmailCheckingWorker() {
            super();
        }

        @Override
        protected void perform(String action, Task task) throws Exception {
            if (!action.equals("bad-email")) {
                super.perform(action, task);
                return;
            }
            throw new IllegalArgumentException("bad email: " + task.kwargs().get("email"),
                    new IllegalStateException("while checking " + task.kwargs().get("email")));
        }
    }

    @Test
    @DisplayName("an exception message carrying task data cannot start a line of the shipped plain-text log")
    void anExceptionMessageCannotForgeALineOfTheShippedTextLog() throws Exception {
        String forged = "2026-12-06 02:00:00.000 INFO  4242 Admin: password reset";
        try (Broker broker = Sergeant.create().broker(ScriptWorker.baseConfig(dir).build())) {
            broker.pushTask(ScriptWorker.QUEUE, Task.of(Map.of("id", 1, "action", "bad-email",
                    "email", "x\n" + forged + "\r\u001b[2J")), Priority.NORMAL, null);
        }
        new io.sergeant.testkit.workers.Events(dir);
        Path output = dir.resolve("worker.log");
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(FaultRun.WORKER_JVM);
        command.addAll(List.of("-D" + ScriptWorker.DIR_PROPERTY + "=" + dir, "-Dsergeant.config.executor.concurrency=1",
                "-Dsergeant.log.appender=TEXT", "-cp", shippedLoggingClassPath(), io.sergeant.core.worker.WorkerMain.class.getName(),
                "--worker-class", EmailCheckingWorker.class.getName()));
        worker = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        String escaped = "java.lang.IllegalArgumentException: bad email: x\\n" + forged + "\\r\\u001b[2J";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!read(output).contains("while checking") && worker.isAlive() && System.nanoTime() - deadline < 0) {
            Thread.sleep(50);
        }
        worker.destroy();
        worker.waitFor(30, TimeUnit.SECONDS);
        String log = read(output);

        assertThat(log).as("Logback's shipped text layout: the failure line, then the stack trace\n%s", log)
                .contains("ERROR").contains(": task has failed").contains(escaped)
                .contains("Caused by: java.lang.IllegalStateException: while checking x\\n" + forged);
        assertThat(log.lines()).as("no line starts with what the exception message carried\n%s", log)
                .noneMatch(line -> line.startsWith(forged));
        assertThat(log.lines()).as("every frame keeps its own line\n%s", log)
                .anyMatch(line -> line.startsWith("\tat " + EmailCheckingWorker.class.getName() + ".perform"));
        assertThat(log).as("no raw control character but line ends and frame tabs").doesNotContain("\u001b", "\r");
    }

    /**
     * This JVM's class path with Logback instead of slf4j-simple: the it-tests use slf4j-simple, and the
     * {@code sergeant} jar's Logback (whose {@code logback.xml} comes with sergeant-cli, on this class path)
     * is found in the local repository next to logback-core, which is on it.
     */
    private static String shippedLoggingClassPath() {
        List<String> entries = new java.util.ArrayList<>();
        String logbackCore = null;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (entry.contains("slf4j-simple")) {
                continue;
            }
            if (Path.of(entry).getFileName().toString().startsWith("logback-core-")) {
                logbackCore = entry;
            }
            entries.add(entry);
        }
        assertThat(logbackCore).as("logback-core on the class path").isNotNull();
        Path core = Path.of(logbackCore);
        String version = core.getParent().getFileName().toString();
        Path classic = core.getParent().getParent().getParent().resolve("logback-classic").resolve(version)
                .resolve("logback-classic-" + version + ".jar");
        assertThat(classic).as("logback-classic in the local repository").exists();
        entries.add(classic.toString());
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static String read(Path output) throws IOException {
        return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
    }
}
