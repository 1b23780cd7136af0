package io.sergeant.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.sergeant.cli.json.JsonParser;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JsonLinesLayoutTest {

    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("io.sergeant.core.worker.WorkerRuntime");

    private Map<String, Object> render(LoggingEvent event) {
        JsonLinesLayout layout = new JsonLinesLayout();
        layout.setContext(context);
        layout.start();
        String line = layout.doLayout(event);
        assertThat(line).endsWith("}\n").doesNotContain("\n}");
        return JsonParser.parseObject(line);
    }

    @Test
    void rendersPythonSergeantsLogstashFields() {
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.WARN, "lost {} \"leases\"\n", null,
                new Object[] {3});
        event.setTimeStamp(1_700_000_000_123L);
        event.setKeyValuePairs(List.of(new KeyValuePair("queue", "emails"), new KeyValuePair("refused", 3)));

        Map<String, Object> json = render(event);

        assertThat(json).containsEntry("@timestamp", "2023-11-14T22:13:20.123000")
                .containsEntry("message", "lost 3 \"leases\"\n")
                .containsEntry("level", "WARNING")
                .containsEntry("name", "io.sergeant.core.worker.WorkerRuntime")
                .containsEntry("extra", Map.of("queue", "emails", "refused", "3"))
                .doesNotContainKey("exception");
        @SuppressWarnings("unchecked")
        Map<String, Object> emitter = (Map<String, Object>) json.get("emitter");
        assertThat(emitter).containsKeys("hostname", "ipaddress", "pathname", "function", "line");
    }

    @Test
    void addsTheExceptionWithItsStackTrace() {
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.ERROR, "failed", new IllegalStateException("boom",
                new java.io.IOException("disk")), null);

        Map<String, Object> json = render(event);

        @SuppressWarnings("unchecked")
        Map<String, Object> exception = (Map<String, Object>) json.get("exception");
        assertThat(exception).containsEntry("type", "java.lang.IllegalStateException").containsEntry("message", "boom");
        assertThat((String) exception.get("stacktrace")).contains("\tat io.sergeant.cli.logging.JsonLinesLayoutTest",
                "Caused by: java.io.IOException: disk");
        assertThat(json).containsEntry("level", "ERROR");
    }
}
