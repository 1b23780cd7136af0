package io.sergeant.testkit.codec;

import io.sergeant.api.Task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Type-strict deep comparison of decoded values: byte arrays by content, maps by entries in iteration
 * order, lists element by element, tasks field by field, everything else with {@code equals} and the
 * same class (so {@code 1L} differs from {@code 1.0} and from {@code 1}). Stateless, thread safe.
 */
public final class DeepEquality {

    private DeepEquality() {
    }

    /**
     * Describes the first difference between {@code expected} and {@code actual}, or returns {@code null}
     * when they are deeply equal.
     */
    public static String difference(Object expected, Object actual) {
        return difference("", expected, actual);
    }

    /** Fails with the path of the first difference. */
    public static void assertDeepEquals(Object expected, Object actual) {
        String difference = difference(expected, actual);
        if (difference != null) {
            throw new AssertionError(difference);
        }
    }

    private static String difference(String path, Object expected, Object actual) {
        if (expected == null || actual == null) {
            return expected == actual ? null : at(path, expected, actual);
        }
        if (expected instanceof Task e) {
            if (!(actual instanceof Task a)) {
                return at(path, expected, actual);
            }
            if (!Objects.equals(e.traceId(), a.traceId()) || Double.compare(e.date(), a.date()) != 0
                    || e.runCount() != a.runCount()) {
                return at(path, "task fields " + e.traceId() + "/" + e.date() + "/" + e.runCount(),
                        "task fields " + a.traceId() + "/" + a.date() + "/" + a.runCount());
            }
            return difference(path + "kwargs", e.kwargs(), a.kwargs());
        }
        if (expected instanceof byte[] e) {
            return actual instanceof byte[] a && Arrays.equals(e, a) ? null : at(path, expected, actual);
        }
        if (expected instanceof Map<?, ?> e) {
            if (!(actual instanceof Map<?, ?> a) || e.size() != a.size()) {
                return at(path, expected, actual);
            }
            Iterator<? extends Map.Entry<?, ?>> ai = a.entrySet().iterator();
            for (Map.Entry<?, ?> entry : e.entrySet()) {
                Map.Entry<?, ?> other = ai.next();
                String keyDifference = difference(path + "{key}", entry.getKey(), other.getKey());
                if (keyDifference != null) {
                    return keyDifference + " (map keys differ in content or order)";
                }
                String valueDifference = difference(path + "." + entry.getKey(), entry.getValue(), other.getValue());
                if (valueDifference != null) {
                    return valueDifference;
                }
            }
            return null;
        }
        if (expected instanceof List<?> e) {
            if (!(actual instanceof List<?> a) || e.size() != a.size()) {
                return at(path, expected, actual);
            }
            List<?> al = new ArrayList<>(a);
            for (int i = 0; i < e.size(); i++) {
                String d = difference(path + "[" + i + "]", e.get(i), al.get(i));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        return expected.getClass() == actual.getClass() && expected.equals(actual) ? null : at(path, expected, actual);
    }

    private static String at(String path, Object expected, Object actual) {
        return "at '" + (path.isEmpty() ? "<root>" : path) + "': expected " + show(expected) + " but was " + show(actual);
    }

    private static String show(Object value) {
        if (value == null) {
            return "null";
        }
        String text = value instanceof byte[] b ? Arrays.toString(b) : String.valueOf(value);
        if (text.length() > 200) {
            text = text.substring(0, 200) + "...";
        }
        return text + " (" + value.getClass().getName() + ")";
    }
}
