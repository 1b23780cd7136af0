package io.sergeant.dashboard;

import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;

/**
 * Writes the dashboard's JSON: maps, collections, strings, numbers, booleans, null, instants (ISO-8601
 * text) and byte arrays (as {@code {"$bytes": "<base64>"}}); anything else as its {@code toString()}
 * text. Non-finite numbers become null. Stateless.
 */
final class Json {

    private Json() {
    }

    /** The JSON text of a value, with {@code <}, {@code >} and {@code &} escaped (safe in any context). */
    static String write(Object value) {
        StringBuilder out = new StringBuilder(256);
        new Json.Writer(true).write(out, value, 0);
        return out.toString();
    }

    /** The JSON text of a value for display: characters kept as they are (the caller HTML-escapes it). */
    static String display(Object value) {
        StringBuilder out = new StringBuilder(256);
        new Json.Writer(false).write(out, value, 0);
        return out.toString();
    }

    private record Writer(boolean htmlSafe) {

    private void write(StringBuilder out, Object value, int depth) {
        if (depth > 64) {
            string(out, "(nested too deep)");
            return;
        }
        if (value == null) {
            out.append("null");
        } else if (value instanceof String text) {
            string(out, text);
        } else if (value instanceof Boolean flag) {
            out.append(flag);
        } else if (value instanceof Double || value instanceof Float) {
            double number = ((Number) value).doubleValue();
            out.append(Double.isFinite(number) ? String.valueOf(number) : "null");
        } else if (value instanceof Number number) {
            out.append(number);
        } else if (value instanceof Instant instant) {
            string(out, instant.toString());
        } else if (value instanceof byte[] bytes) {
            out.append("{\"$bytes\":");
            string(out, Base64.getEncoder().encodeToString(bytes));
            out.append('}');
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                string(out, String.valueOf(entry.getKey()));
                out.append(':');
                write(out, entry.getValue(), depth + 1);
            }
            out.append('}');
        } else if (value instanceof Collection<?> items) {
            out.append('[');
            boolean first = true;
            for (Object item : items) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                write(out, item, depth + 1);
            }
            out.append(']');
        } else if (value instanceof Object[] items) {
            write(out, java.util.Arrays.asList(items), depth);
        } else {
            string(out, value.toString());
        }
    }

    /** A JSON string literal; in html-safe mode also escapes {@code <}, {@code >} and {@code &}. */
    private void string(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '<' -> out.append(htmlSafe ? "\\u003c" : "<");
                case '>' -> out.append(htmlSafe ? "\\u003e" : ">");
                case '&' -> out.append(htmlSafe ? "\\u0026" : "&");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
    }
}
