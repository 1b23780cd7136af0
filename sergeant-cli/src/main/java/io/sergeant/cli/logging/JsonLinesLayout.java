package io.sergeant.cli.logging;

import io.sergeant.core.worker.JsonText;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import org.slf4j.event.KeyValuePair;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Renders a log event as one JSON line in Python Sergeant's Logstash format (docs/python-compat.md §7):
 * {@code @timestamp} (UTC, ISO without offset), {@code message}, {@code level} (Python's names:
 * WARNING, not WARN), {@code name}, {@code emitter} (hostname, ipaddress, pathname, function, line),
 * {@code extra} (the event's key-value pairs) and, when there is one, {@code exception} (type,
 * message, stacktrace). For a Logstash {@code tcp} input with the {@code json_lines} codec.
 *
 * <p>Thread safe once started; host name and address are resolved once.
 */
public final class JsonLinesLayout extends LayoutBase<ILoggingEvent> {

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

    private final String hostname;
    private final String address;

    /** A layout; logback instantiates it. */
    public JsonLinesLayout() {
        String host = "unknown";
        String ip = "unknown";
        try {
            InetAddress local = InetAddress.getLocalHost();
            host = local.getHostName();
            ip = local.getHostAddress();
        } catch (UnknownHostException e) {
            // Keep "unknown": a log line without a resolvable host name is still worth shipping.
        }
        this.hostname = host;
        this.address = ip;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder json = new StringBuilder(256).append('{');
        field(json, "@timestamp", TIMESTAMP.format(Instant.ofEpochMilli(event.getTimeStamp()))).append(',');
        field(json, "message", event.getFormattedMessage()).append(',');
        field(json, "level", level(event.getLevel())).append(',');
        field(json, "name", event.getLoggerName()).append(",\"emitter\":{");
        field(json, "hostname", hostname).append(',');
        field(json, "ipaddress", address).append(',');
        StackTraceElement[] caller = event.getCallerData();
        StackTraceElement frame = caller == null || caller.length == 0 ? null : caller[0];
        field(json, "pathname", frame == null ? null : frame.getClassName()).append(',');
        field(json, "function", frame == null ? null : frame.getMethodName()).append(',');
        json.append("\"line\":").append(frame == null ? "null" : Integer.toString(frame.getLineNumber())).append("},\"extra\":{");
        if (event.getKeyValuePairs() != null) {
            boolean first = true;
            for (KeyValuePair pair : event.getKeyValuePairs()) {
                if (!first) {
                    json.append(',');
                }
                first = false;
                field(json, pair.key, pair.value == null ? null : String.valueOf(pair.value));
            }
        }
        json.append('}');
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            json.append(",\"exception\":{");
            field(json, "type", thrown.getClassName()).append(',');
            field(json, "message", thrown.getMessage()).append(',');
            field(json, "stacktrace", stackTrace(thrown)).append('}');
        }
        return json.append("}\n").toString();
    }

    private static String level(Level level) {
        return level == Level.WARN ? "WARNING" : level.toString();
    }

    private static String stackTrace(IThrowableProxy thrown) {
        StringBuilder trace = new StringBuilder();
        trace.append(thrown.getClassName()).append(": ").append(thrown.getMessage()).append('\n');
        for (StackTraceElementProxy frame : thrown.getStackTraceElementProxyArray()) {
            trace.append('\t').append(frame.getSTEAsString()).append('\n');
        }
        if (thrown.getCause() != null) {
            trace.append("Caused by: ").append(ThrowableProxyUtil.asString(thrown.getCause()));
        }
        return trace.toString();
    }

    private static StringBuilder field(StringBuilder json, String name, String value) {
        JsonText.quote(json, name).append(':');
        if (value == null) {
            return json.append("null");
        }
        return JsonText.quote(json, value);
    }
}
