package io.sergeant.cli;

import io.sergeant.core.worker.JsonText;

import java.util.Collection;
import java.util.Map;

/**
 * Task kwargs as one line of JSON-like text for a terminal: maps, lists and strings as JSON (strings
 * escaped, so task data can put no control character on the screen), bytes as {@code b'<hex>'}, numbers
 * and booleans as themselves, Python's {@code None} as {@code null}; cut to a given length with an ellipsis.
 * Stateless.
 */
final class KwargsText {

    private KwargsText() {
    }

    /** The text of {@code value}, at most {@code maxLength} characters. */
    static String render(Object value, int maxLength) {
        StringBuilder text = new StringBuilder();
        append(text, value, maxLength);
        return text.length() <= maxLength ? text.toString() : text.substring(0, maxLength - 1) + "\u2026";
    }

    private static void append(StringBuilder text, Object value, int budget) {
        if (text.length() > budget) {
            return;
        }
        if (value == null) {
            text.append("null");
        } else if (value instanceof String string) {
            JsonText.quote(text, string);
        } else if (value instanceof byte[] bytes) {
            text.append("b'");
            for (int i = 0; i < bytes.length && text.length() <= budget; i++) {
                text.append(Character.forDigit((bytes[i] >> 4) & 0xF, 16)).append(Character.forDigit(bytes[i] & 0xF, 16));
            }
            text.append('\'');
        } else if (value instanceof Map<?, ?> map) {
            text.append('{');
            String separator = "";
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                text.append(separator);
                separator = ", ";
                append(text, entry.getKey() instanceof String ? entry.getKey() : String.valueOf(entry.getKey()), budget);
                text.append(": ");
                append(text, entry.getValue(), budget);
            }
            text.append('}');
        } else if (value instanceof Collection<?> list) {
            text.append('[');
            String separator = "";
            for (Object item : list) {
                text.append(separator);
                separator = ", ";
                append(text, item, budget);
            }
            text.append(']');
        } else if (value instanceof Object[] array) {
            append(text, java.util.Arrays.asList(array), budget);
        } else if (value instanceof Number || value instanceof Boolean) {
            text.append(value);
        } else {
            JsonText.quote(text, String.valueOf(value));
        }
    }
}
