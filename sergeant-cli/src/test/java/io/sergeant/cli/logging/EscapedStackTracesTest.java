package io.sergeant.cli.logging;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13 §3, "no forged lines", for stack traces: with the logging configuration the {@code sergeant} jar
 * ships, an exception whose message (or a cause's, or a suppressed one's) carries task data with line breaks
 * and control characters is logged with those messages escaped, every frame still on its own line; the JSON
 * appender writes one line per event.
 */
class EscapedStackTracesTest {

    private static final String FORGED = "2026-12-06 02:00:00.000 INFO  1 Admin: password reset";

    private static String logFailure(String appender) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        ShippedLogback logging = ShippedLogback.with(Map.of("sergeant.log.appender", appender));
        try (logging) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            IllegalArgumentException thrown = new IllegalArgumentException("bad email: x\n" + FORGED + "\r\u001b[2J",
                    new IllegalStateException("cause\n" + FORGED + "\u2028"));
            thrown.addSuppressed(new RuntimeException("suppressed\r\n" + FORGED));
            Logger log = LoggerFactory.getLogger("io.sergeant.test.Forging");
            log.error("task has failed", thrown);
        } finally {
            System.setErr(originalErr);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theTextLogEscapesTheMessagesOfAStackTraceAndKeepsOneLinePerFrame() {
        String err = logFailure("TEXT");
        List<String> lines = err.lines().toList();

        assertThat(lines).as("no line starts with what the exception messages carried\n%s", err)
                .noneMatch(line -> line.startsWith(FORGED) || line.startsWith("\u001b"));
        assertThat(err).as("no raw control character but line ends and frame tabs\n%s", err)
                .doesNotContain("\u001b", "\r", "\u2028");
        assertThat(lines).as(err)
                .contains("java.lang.IllegalArgumentException: bad email: x\\n" + FORGED + "\\r\\u001b[2J")
                .contains("Caused by: java.lang.IllegalStateException: cause\\n" + FORGED + "\\u2028")
                .anyMatch(line -> line.endsWith("Suppressed: java.lang.RuntimeException: suppressed\\r\\n" + FORGED));
        assertThat(lines).as("every frame keeps its own line\n%s", err)
                .anyMatch(line -> line.startsWith("\tat " + EscapedStackTracesTest.class.getName() + ".logFailure"));
        assertThat(lines.get(0)).contains("ERROR").endsWith("Forging: task has failed ");
    }

    @Test
    void theJsonLogWritesOneLinePerEventWithTheMessagesEscapedByJson() {
        String err = logFailure("JSON");

        assertThat(err.lines()).as(err).hasSize(1);
        assertThat(err).contains("bad email: x\\n" + FORGED + "\\r\\u001B[2J").doesNotContain("\u001b", "\r");
    }

    @Test
    void escapingMatchesTaskDataEscaping() {
        assertThat(EscapedThrowableConverter.escape("a\tb\u0000c\u007fd\u0085e\u2029f")).isEqualTo("a\\tb\\u0000c\\u007fd\\u0085e\\u2029f");
        assertThat(EscapedThrowableConverter.escape("plain")).isEqualTo("plain");
        assertThat(EscapedThrowableConverter.escape(null)).isNull();
    }
}
