package io.sergeant.cli.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import net.logstash.logback.composite.loggingevent.LoggingEventFormattedTimestampJsonProvider;
import net.logstash.logback.composite.loggingevent.LoggingEventJsonProviders;
import net.logstash.logback.composite.loggingevent.MessageJsonProvider;
import net.logstash.logback.encoder.LoggingEventCompositeJsonEncoder;

/**
 * Encodes a log event as one JSON line in Python Sergeant's Logstash shape (docs/python-compat.md §7),
 * with logstash-logback-encoder's composite encoder: {@code @timestamp} (UTC, ISO, microseconds, no
 * offset), {@code message}, then {@link PythonFieldsJsonProvider}'s {@code level}, {@code name},
 * {@code emitter}, {@code extra} (a task as Python's nested {@code task} object) and {@code exception}.
 *
 * <p>Use it as the encoder of a {@code ConsoleAppender} (JSON lines on stderr) or of
 * logstash-logback-encoder's {@code LogstashTcpSocketAppender} (a Logstash {@code tcp} input with the
 * {@code json_lines} codec). Thread safe once started.
 */
public class PythonLogstashEncoder extends LoggingEventCompositeJsonEncoder {

    /** The encoder with Python Sergeant's fields; logback instantiates it. */
    public PythonLogstashEncoder() {
        LoggingEventJsonProviders providers = new LoggingEventJsonProviders();
        LoggingEventFormattedTimestampJsonProvider timestamp = new LoggingEventFormattedTimestampJsonProvider();
        timestamp.setFieldName("@timestamp");
        timestamp.setPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS");
        timestamp.setTimeZone("UTC");
        providers.addTimestamp(timestamp);
        providers.addMessage(new MessageJsonProvider());
        providers.addProvider(new PythonFieldsJsonProvider());
        setProviders(providers);
    }

    /** For tests: the JSON line of one event, without the line separator. */
    String line(ILoggingEvent event) {
        return new String(encode(event), java.nio.charset.Charset.forName(getEncoding())).stripTrailing();
    }
}
