package io.sergeant.codec.support;

import io.sergeant.api.Task;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;

/**
 * Builds a {@link Task} from the decoded field map of Python's {@code sergeant.objects.Task}
 * ({@code kwargs}, {@code trace_id}, {@code date}, {@code run_count}). Missing fields take Python's
 * defaults (empty kwargs, no trace id, the current time from the clock, run count 0). Stateless; internal.
 */
public final class TaskFields {

    private TaskFields() {
    }

    /**
     * @param fields        the decoded state
     * @param rejectUnknown whether an unknown field is an error (msgpack: {@code Task(**d)} raises in Python),
     *                      or ignored (pickle: {@code BUILD} just sets attributes)
     * @throws io.sergeant.api.SergeantException {@code MALFORMED_PAYLOAD} for a field of the wrong type
     */
    public static Task fromFields(Map<?, ?> fields, boolean rejectUnknown, Clock clock, String format) {
        Map<String, Object> kwargs = Map.of();
        String traceId = null;
        double date = Double.NaN;
        int runCount = 0;
        for (Map.Entry<?, ?> field : fields.entrySet()) {
            Object name = field.getKey();
            Object value = field.getValue();
            if ("kwargs".equals(name)) {
                kwargs = kwargs(value, format);
            } else if ("trace_id".equals(name)) {
                if (value != null && !(value instanceof String)) {
                    throw Errors.malformed(format, "task trace_id is a " + typeName(value) + ", not a string or None");
                }
                traceId = (String) value;
            } else if ("date".equals(name)) {
                if (!(value instanceof Number number) || value instanceof Boolean) {
                    throw Errors.malformed(format, "task date is a " + typeName(value) + ", not a number");
                }
                date = number.doubleValue();
            } else if ("run_count".equals(name)) {
                if (!(value instanceof Long count) || count < 0 || count > Integer.MAX_VALUE) {
                    throw Errors.malformed(format, "task run_count is " + describe(value)
                            + ", not an integer from 0 to " + Integer.MAX_VALUE);
                }
                runCount = count.intValue();
            } else if (rejectUnknown) {
                throw Errors.malformed(format, "task has an unknown field " + describe(name)
                        + "; expected kwargs, trace_id, date and run_count");
            }
        }
        if (Double.isNaN(date) && !fields.containsKey("date")) {
            Instant now = clock.instant();
            date = now.getEpochSecond() + now.getNano() / 1e9;
        }
        return new Task(kwargs, traceId, date, runCount);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> kwargs(Object value, String format) {
        if (!(value instanceof Map<?, ?> map)) {
            throw Errors.malformed(format, "task kwargs is a " + typeName(value) + ", not a map");
        }
        for (Object key : map.keySet()) {
            if (!(key instanceof String)) {
                throw Errors.malformed(format, "task kwargs has the key " + describe(key) + "; keys must be strings");
            }
        }
        return (Map<String, Object>) map;
    }

    /** A short type name for messages. */
    public static String typeName(Object value) {
        return value == null ? "null" : value.getClass().getName();
    }

    private static String describe(Object value) {
        String text = value instanceof String s ? "'" + s + "'" : String.valueOf(value) + " (" + typeName(value) + ")";
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
