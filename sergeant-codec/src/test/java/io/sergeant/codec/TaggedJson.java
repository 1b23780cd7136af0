package io.sergeant.codec;

import io.sergeant.api.Task;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader for the interop fixtures' tagged JSON: integers become Long, numbers with a
 * fraction or exponent Double, objects LinkedHashMap in order; {@code {"$bytes": hex}} becomes byte[],
 * {@code {"$datetime": naive iso}} an Instant (read in UTC, the fixtures' time zone), {@code {"$tuple": [...]}}
 * an unmodifiable list, {@code {"$map": [[k, v], ...]}} a map with any keys, {@code {"$task": {...}}} a Task.
 */
public final class TaggedJson {

    private final String text;
    private int pos;

    private TaggedJson(String text) {
        this.text = text;
    }

    /** Parses raw JSON without interpreting tags. */
    public static Object parseRaw(String text) {
        TaggedJson parser = new TaggedJson(text);
        Object value = parser.value();
        parser.skipSpace();
        if (parser.pos != text.length()) {
            throw new IllegalArgumentException("trailing JSON at " + parser.pos);
        }
        return value;
    }

    /** Interprets tags in a raw parsed value. */
    public static Object untag(Object raw) {
        if (raw instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object item : list) {
                out.add(untag(item));
            }
            return out;
        }
        if (!(raw instanceof Map<?, ?> map)) {
            return raw;
        }
        if (map.size() == 1) {
            Map.Entry<?, ?> only = map.entrySet().iterator().next();
            switch (String.valueOf(only.getKey())) {
                case "$bytes" -> {
                    return HexFormat.of().parseHex((String) only.getValue());
                }
                case "$datetime" -> {
                    return LocalDateTime.parse((String) only.getValue()).toInstant(ZoneOffset.UTC);
                }
                case "$tuple" -> {
                    return Collections.unmodifiableList((List<?>) untag(only.getValue()));
                }
                case "$map" -> {
                    Map<Object, Object> out = new LinkedHashMap<>();
                    for (Object pair : (List<?>) only.getValue()) {
                        List<?> kv = (List<?>) pair;
                        out.put(untag(kv.get(0)), untag(kv.get(1)));
                    }
                    return out;
                }
                case "$task" -> {
                    return task((Map<?, ?>) only.getValue());
                }
                default -> {
                }
            }
        }
        Map<Object, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            out.put(entry.getKey(), untag(entry.getValue()));
        }
        return out;
    }

    /** A Task from an {@code expected_decoded} object (kwargs, trace_id, date, run_count). */
    @SuppressWarnings("unchecked")
    public static Task task(Map<?, ?> fields) {
        Map<String, Object> kwargs = (Map<String, Object>) untag(fields.get("kwargs"));
        return new Task(kwargs, (String) fields.get("trace_id"), ((Number) fields.get("date")).doubleValue(),
                ((Number) fields.get("run_count")).intValue());
    }

    private Object value() {
        skipSpace();
        char c = text.charAt(pos);
        switch (c) {
            case '{' -> {
                pos++;
                Map<String, Object> map = new LinkedHashMap<>();
                skipSpace();
                if (text.charAt(pos) == '}') {
                    pos++;
                    return map;
                }
                while (true) {
                    skipSpace();
                    String key = string();
                    skipSpace();
                    expect(':');
                    map.put(key, value());
                    skipSpace();
                    if (text.charAt(pos) == ',') {
                        pos++;
                        continue;
                    }
                    expect('}');
                    return map;
                }
            }
            case '[' -> {
                pos++;
                List<Object> list = new ArrayList<>();
                skipSpace();
                if (text.charAt(pos) == ']') {
                    pos++;
                    return list;
                }
                while (true) {
                    list.add(value());
                    skipSpace();
                    if (text.charAt(pos) == ',') {
                        pos++;
                        continue;
                    }
                    expect(']');
                    return list;
                }
            }
            case '"' -> {
                return string();
            }
            case 't' -> {
                return literal("true", Boolean.TRUE);
            }
            case 'f' -> {
                return literal("false", Boolean.FALSE);
            }
            case 'n' -> {
                return literal("null", null);
            }
            default -> {
                return number();
            }
        }
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw new IllegalArgumentException("bad literal at " + pos);
        }
        pos += word.length();
        return value;
    }

    private Object number() {
        int start = pos;
        while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        String n = text.substring(start, pos);
        if (n.contains(".") || n.contains("e") || n.contains("E")) {
            return Double.parseDouble(n);
        }
        return Long.parseLong(n);
    }

    private String string() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (true) {
            char c = text.charAt(pos++);
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = text.charAt(pos++);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                default -> out.append(e);
            }
        }
    }

    private void expect(char c) {
        if (text.charAt(pos) != c) {
            throw new IllegalArgumentException("expected '" + c + "' at " + pos + " but found '" + text.charAt(pos) + "'");
        }
        pos++;
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    /** The parsed value as an Instant-free check helper: a datetime string to an Instant in UTC. */
    public static Instant utc(String naiveIso) {
        return LocalDateTime.parse(naiveIso).toInstant(ZoneOffset.UTC);
    }
}
