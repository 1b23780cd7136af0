package io.sergeant.codec.msgpack;

import io.sergeant.codec.support.Errors;
import io.sergeant.codec.support.PythonDatetimes;
import io.sergeant.codec.support.TaskFields;

import java.time.Clock;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Python Sergeant's {@code decode_extensions} object hook, applied to every decoded map, innermost first:
 * a map holding {@code __datetime__} becomes an {@link java.time.Instant}, {@code __tuple__} an
 * unmodifiable list, {@code __task__} a {@link io.sergeant.api.Task}; any other map stays as it is.
 * Stateless.
 */
final class PythonObjectHook {

    private PythonObjectHook() {
    }

    /**
     * The value a decoded map stands for.
     *
     * @param clock the clock a task without a date is dated by
     * @throws io.sergeant.api.SergeantException {@code MALFORMED_PAYLOAD} when a special key holds the wrong type
     */
    static Object convert(Map<?, ?> map, Clock clock) {
        if (map.containsKey("__datetime__")) {
            Object timestamp = map.get("__datetime__");
            if (!(timestamp instanceof Long) && !(timestamp instanceof Double)) {
                throw Errors.malformed(MsgpackCursor.FORMAT, "__datetime__ holds " + TaskFields.typeName(timestamp)
                        + ", not a number");
            }
            try {
                return PythonDatetimes.fromTimestamp(((Number) timestamp).doubleValue());
            } catch (IllegalArgumentException | java.time.DateTimeException e) {
                throw Errors.malformed(MsgpackCursor.FORMAT, "__datetime__ " + timestamp + " is not a valid timestamp", e);
            }
        }
        if (map.containsKey("__tuple__")) {
            Object items = map.get("__tuple__");
            if (!(items instanceof List<?> list)) {
                throw Errors.malformed(MsgpackCursor.FORMAT, "__tuple__ holds " + TaskFields.typeName(items) + ", not an array");
            }
            return Collections.unmodifiableList(list);
        }
        if (map.containsKey("__task__")) {
            Object fields = map.get("__task__");
            if (!(fields instanceof Map<?, ?> fieldMap)) {
                throw Errors.malformed(MsgpackCursor.FORMAT, "__task__ holds " + TaskFields.typeName(fields) + ", not a map");
            }
            return TaskFields.fromFields(fieldMap, true, clock, MsgpackCursor.FORMAT);
        }
        return map;
    }
}
