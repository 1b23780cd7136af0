package io.sergeant.cli.logging;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.WorkerRuntime;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the README promises of the shipped logging configuration, checked on what it really produces
 * (issue 14 item 15): {@code -Dsergeant.log.appender=JSON} writes one JSON object per line on stderr, and
 * {@code LOGSTASH} sends the same lines over TCP as a Logstash {@code tcp} input with the
 * {@code json_lines} codec reads them (newline-delimited JSON); a task event's line has the fields of
 * Python Sergeant's Logstash document (fixture: src/test/resources/python-logstash), with the task as
 * Python's nested object. {@link PythonLogstashShapeTest} compares the encoder alone; this goes through
 * the shipped appenders.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ShippedJsonLinesTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    @Test
    @DisplayName("sergeant.log.appender=JSON: every stderr line is a JSON object; a task event has Python's Logstash fields")
    void jsonOnStderr() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        ShippedLogback logging = ShippedLogback.with(Map.of("sergeant.log.appender", "JSON", "sergeant.log.level", "INFO"));
        try (logging) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            runOneFailingTask();
        } finally {
            System.setErr(originalErr);
        }
        assertPythonShapedLines(captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("sergeant.log.appender=LOGSTASH: newline-delimited JSON over TCP (json_lines); a task event has Python's Logstash fields")
    void jsonLinesOverTcp() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> readAll(server, received), "test-logstash-reader");
            reader.setDaemon(true);
            reader.start();
            ShippedLogback logging = ShippedLogback.with(Map.of("sergeant.log.appender", "LOGSTASH",
                    "sergeant.log.logstash", "127.0.0.1:" + server.getLocalPort(), "sergeant.log.level", "INFO"));
            try (logging) {
                runOneFailingTask();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!text(received).contains("task has failed") && System.nanoTime() - deadline < 0) {
                    Thread.sleep(50);
                }
            } // closing flushes and stops the appender
            String lines = text(received);
            assertThat(lines).as("what the server received").contains("task has failed").endsWith("\n");
            assertPythonShapedLines(lines);
        }
    }

    private static String text(ByteArrayOutputStream bytes) {
        synchronized (bytes) {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    private static void readAll(ServerSocket server, ByteArrayOutputStream into) {
        try (Socket socket = server.accept(); InputStream in = socket.getInputStream()) {
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                synchronized (into) {
                    into.write(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            // the server closed: the test is over
        }
    }

    /** Pushes one task and runs it with a worker that fails it the way the Python fixture's task failed. */
    private void runOneFailingTask() {
        WorkerConfig config = WorkerConfig.builder("emails").backend("sqlite:" + dir.resolve("q.db"))
                .pollInterval(Duration.ofMillis(20)).maxTasksPerRun(1).build();
        Sergeant sergeant = Sergeant.create();
        try (Broker broker = sergeant.broker(config)) {
            Map<String, Object> kwargs = new LinkedHashMap<>();
            kwargs.put("to", "ann@example.com");
            kwargs.put("attempt", 1);
            broker.pushTask("emails", new Task(kwargs, "trace-42", 1700000000.5, 2), Priority.NORMAL, null);
        }
        try (WorkerRuntime runtime = new WorkerRuntime(new FailingWorker(config,
                task -> new IllegalArgumentException("bad address: " + task.kwargs().get("to"))), sergeant, List.of())) {
            assertThat(runtime.run().outcomes()).containsEntry("failure", 1L);
        }
    }

    /** Every line parses as one JSON object, and the "task has failed" line has the Python document's shape. */
    private static void assertPythonShapedLines(String output) throws IOException {
        JsonNode python;
        try (InputStream in = ShippedJsonLinesTest.class.getResourceAsStream("/python-logstash/task-has-failed.json")) {
            python = JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        List<JsonNode> failed = new ArrayList<>();
        List<String> lines = output.lines().filter(line -> !line.isBlank()).toList();
        assertThat(lines).as("lines written").isNotEmpty();
        for (String line : lines) {
            JsonNode node = JSON.readTree(line);
            assertThat(node.isObject()).as("one JSON object per line: %s", line).isTrue();
            assertThat(keys(node)).as("Python's top-level fields: %s", line).containsAll(List.of("@timestamp", "message", "level", "name"));
            if (node.get("message").asString().equals("task has failed")) {
                failed.add(node);
            }
        }
        assertThat(failed).as("the task event, once, in:%n%s", output).hasSize(1);
        JsonNode java = failed.get(0);
        assertThat(keys(java)).isEqualTo(keys(python));
        assertThat(keys(java.get("emitter"))).isEqualTo(keys(python.get("emitter")));
        assertThat(keys(java.get("exception"))).isEqualTo(keys(python.get("exception")));
        assertThat(java.get("level")).isEqualTo(python.get("level"));
        assertThat(java.get("name").asString()).isEqualTo("sergeant.worker." + python.get("name").asString());
        assertThat(java.get("extra").get("task")).isEqualTo(python.get("extra").get("task"));
        assertThat(java.get("exception").get("message")).isEqualTo(python.get("exception").get("message"));
        assertThat(java.get("emitter").get("function").asString()).as("caller data is filled in").isNotBlank();
    }

    private static TreeSet<String> keys(JsonNode node) {
        return new TreeSet<>(node.propertyNames());
    }
}
