package io.sergeant.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import io.sergeant.api.Task;
import net.logstash.logback.composite.AbstractJsonProvider;
import org.slf4j.event.KeyValuePair;
import tools.jackson.core.JsonGenerator;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.temporal.TemporalAccessor;
import java.util.Collection;
import java.util.Map;

/**
 * Writes the fields of Python Sergeant's Logstash line that follow {@code message}: {@code level}
 * (Python's names: {@code WARNING}, not {@code WARN}), {@code name} (the logger), {@code emitter}
 * (hostname, ip address, and the caller's class as {@code pathname}, method as {@code function} and
 * line), {@code extra} (the event's key-value pairs, then its MDC entries; a {@link Task} as Python's
 * {@code dataclasses.asdict(task)}: {@code kwargs}, {@code trace_id}, {@code date}, {@code run_count})
 * and, for an event with a throwable, {@code exception} ({@code type} as the simple class name, as
 * Python's {@code __class__.__name__}, {@code message}, {@code stacktrace}).
 *
 * <p>Values are written as JSON where they have a JSON form (null, booleans, numbers, strings, maps,
 * collections and arrays, dates as ISO text); anything else as its {@code toString()}, as Python's
 * {@code orjson.dumps(default=repr)}. Host name and address are resolved once. Thread safe.
 */
public class PythonFieldsJsonProvider extends AbstractJsonProvider<ILoggingEvent> {

    private static final int MAX_DEPTH = 32;

    private final String hostname;
    private final String address;

    /** A provider; the encoder creates it. */
    public PythonFieldsJsonProvider() {
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
    public void writeTo(JsonGenerator generator, ILoggingEvent event) {
        generator.writeStringProperty("level", level(event.getLevel()));
        generator.writeStringProperty("name", event.getLoggerName());
        writeEmitter(generator, event);
        generator.writeName("extra");
        generator.writeStartObject();
        if (event.getKeyValuePairs() != null) {
            for (KeyValuePair pair : event.getKeyValuePairs()) {
                generator.writeName(pair.key);
                writeValue(generator, pair.value, 0);
            }
        }
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc != null) {
            mdc.forEach(generator::writeStringProperty);
        }
        generator.writeEndObject();
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            generator.writeName("exception");
            generator.writeStartObject();
            String className = thrown.getClassName();
            generator.writeStringProperty("type", className.substring(className.lastIndexOf('.') + 1));
            generator.writeStringProperty("message", thrown.getMessage());
            generator.writeStringProperty("stacktrace", stackTrace(thrown));
            generator.writeEndObject();
        }
    }

    @Override
    public void prepareForDeferredProcessing(ILoggingEvent event) {
        // Caller data and the MDC must be taken on the logging thread, before an async appender hands over.
        event.getCallerData();
        event.getMDCPropertyMap();
    }

    private void writeEmitter(JsonGenerator generator, ILoggingEvent event) {
        generator.writeName("emitter");
        generator.writeStartObject();
        generator.writeStringProperty("hostname", hostname);
        generator.writeStringProperty("ipaddress", address);
        StackTraceElement[] caller = event.getCallerData();
        StackTraceElement frame = caller == null || caller.length == 0 ? null : caller[0];
        generator.writeStringProperty("pathname", frame == null ? null : frame.getClassName());
        generator.writeStringProperty("function", frame == null ? null : frame.getMethodName());
        if (frame == null) {
            generator.writeNullProperty("line");
        } else {
            generator.writeNumberProperty("line", frame.getLineNumber());
        }
        generator.writeEndObject();
    }

    /** Writes a value as JSON, Python's way; depth-bounded so a cyclic structure cannot overflow the stack. */
    static void writeValue(JsonGenerator generator, Object value, int depth) {
        if (value == null) {
            generator.writeNull();
        } else if (depth > MAX_DEPTH) {
            generator.writeString(String.valueOf(value));
        } else if (value instanceof Task task) {
            generator.writeStartObject();
            generator.writeName("kwargs");
            writeValue(generator, task.kwargs(), depth + 1);
            generator.writeStringProperty("trace_id", task.traceId());
            generator.writeNumberProperty("date", task.date());
            generator.writeNumberProperty("run_count", task.runCount());
            generator.writeEndObject();
        } else if (value instanceof String text) {
            generator.writeString(text);
        } else if (value instanceof Boolean bool) {
            generator.writeBoolean(bool);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            generator.writeNumber(((Number) value).longValue());
        } else if (value instanceof java.math.BigInteger big) {
            generator.writeNumber(big);
        } else if (value instanceof Double || value instanceof Float) {
            double number = ((Number) value).doubleValue();
            if (Double.isFinite(number)) {
                generator.writeNumber(number);
            } else {
                generator.writeString(String.valueOf(number));
            }
        } else if (value instanceof java.math.BigDecimal decimal) {
            generator.writeNumber(decimal);
        } else if (value instanceof Map<?, ?> map) {
            generator.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                generator.writeName(String.valueOf(entry.getKey()));
                writeValue(generator, entry.getValue(), depth + 1);
            }
            generator.writeEndObject();
        } else if (value instanceof Collection<?> collection) {
            generator.writeStartArray();
            for (Object element : collection) {
                writeValue(generator, element, depth + 1);
            }
            generator.writeEndArray();
        } else if (value instanceof Object[] array) {
            writeValue(generator, java.util.Arrays.asList(array), depth);
        } else if (value instanceof byte[] bytes) {
            generator.writeString(PythonBytes.repr(bytes));
        } else if (value instanceof TemporalAccessor) {
            generator.writeString(value.toString());
        } else {
            generator.writeString(String.valueOf(value));
        }
    }

    private static String level(Level level) {
        return level == Level.WARN ? "WARNING" : level.toString();
    }

    private static String stackTrace(IThrowableProxy thrown) {
        StringBuilder trace = new StringBuilder();
        IThrowableProxy current = thrown;
        for (int depth = 0; current != null && depth < MAX_DEPTH; depth++) {
            if (depth > 0) {
                trace.append("Caused by: ");
            }
            trace.append(current.getClassName());
            if (current.getMessage() != null) {
                trace.append(": ").append(current.getMessage());
            }
            trace.append('\n');
            for (StackTraceElementProxy frame : current.getStackTraceElementProxyArray()) {
                trace.append("\tat ").append(frame.getStackTraceElement()).append('\n');
            }
            current = current.getCause();
        }
        return trace.toString();
    }
}
