package io.sergeant.cli.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.WorkerRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A task event logged by the Java runtime and encoded by {@link PythonLogstashEncoder} has the shape of
 * the line Python Sergeant's Logstash handler writes for the same event (fixture and how it was made:
 * src/test/resources/python-logstash/README.md).
 */
class PythonLogstashShapeTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    @Test
    void aFailedTaskLineHasTheFieldsOfPythonSergeantsLogstashLine() throws Exception {
        JsonNode python;
        try (InputStream in = getClass().getResourceAsStream("/python-logstash/task-has-failed.json")) {
            python = JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        JsonNode java = JSON.readTree(javaLine());

        assertThat(keys(java)).isEqualTo(keys(python));
        assertThat(keys(java.get("emitter"))).isEqualTo(keys(python.get("emitter")));
        assertThat(keys(java.get("exception"))).isEqualTo(keys(python.get("exception")));
        assertThat(java.get("message")).isEqualTo(python.get("message"));
        assertThat(java.get("level")).isEqualTo(python.get("level"));
        // Python names the logger after the queue; Java's task events are under sergeant.worker.<queue>.
        assertThat(java.get("name").asString()).isEqualTo("sergeant.worker." + python.get("name").asString());
        // The task is the same nested object, key for key and value for value.
        assertThat(java.get("extra").get("task")).isEqualTo(python.get("extra").get("task"));
        assertThat(java.get("exception").get("message")).isEqualTo(python.get("exception").get("message"));
        assertThat(java.get("exception").get("type").asString()).isEqualTo("IllegalArgumentException");
        assertThat(java.get("exception").get("stacktrace").asString())
                .contains("bad address: ann@example.com").contains(FailingWorker.class.getName() + ".work");
        assertThat(java.get("@timestamp").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}");
        assertThat(python.get("@timestamp").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}");
        // Python's extra holds the task; ours adds the queue from the MDC the runtime sets during a task.
        TreeSet<String> expectedExtra = keys(python.get("extra"));
        expectedExtra.add("queue");
        assertThat(keys(java.get("extra"))).isEqualTo(expectedExtra);
        assertThat(java.get("extra").get("queue").asString()).isEqualTo(python.get("name").asString());
    }

    /** Runs the failing task through the real runtime and encodes the "task has failed" event it logged. */
    private String javaLine() {
        WorkerConfig config = WorkerConfig.builder("emails").backend("sqlite:" + dir.resolve("q.db"))
                .pollInterval(Duration.ofMillis(20)).maxTasksPerRun(1).build();
        Sergeant sergeant = Sergeant.create();
        try (Broker broker = sergeant.broker(config)) {
            Map<String, Object> kwargs = new java.util.LinkedHashMap<>();
            kwargs.put("to", "ann@example.com");
            kwargs.put("attempt", 1);
            broker.pushTask("emails", new Task(kwargs, "trace-42", 1700000000.5, 2), Priority.NORMAL, null);
        }
        Logger events = (Logger) LoggerFactory.getLogger("sergeant.worker.emails");
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        captured.start();
        events.addAppender(captured);
        try (WorkerRuntime runtime = new WorkerRuntime(new FailingWorker(config,
                // fails every task the way the Python fixture's task failed
                task -> new IllegalArgumentException("bad address: " + task.kwargs().get("to"))), sergeant, List.of())) {
            runtime.run();
        } finally {
            events.detachAppender(captured);
        }
        List<ILoggingEvent> failed = new ArrayList<>(captured.list.stream()
                .filter(event -> event.getFormattedMessage().equals("task has failed")).toList());
        assertThat(failed).hasSize(1);
        PythonLogstashEncoder encoder = new PythonLogstashEncoder();
        encoder.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        encoder.start();
        try {
            return encoder.line(failed.get(0));
        } finally {
            encoder.stop();
        }
    }

    private static TreeSet<String> keys(JsonNode node) {
        return new TreeSet<>(node.propertyNames());
    }
}
