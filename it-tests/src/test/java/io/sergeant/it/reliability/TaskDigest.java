package io.sergeant.it.reliability;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A short digest of a task's kwargs that is the same on both sides of any serializer: the first 16 hex
 * digits of SHA-256 over a canonical text where every integral number is a {@code long}, every floating
 * point number a {@code double}, maps are sorted by key, and strings, byte arrays, booleans, lists and
 * null are told apart by a type letter. A producer writes it with its push, a worker with each start,
 * so the checker sees any delivery whose kwargs differ from what was pushed. Stateless and thread safe.
 */
final class TaskDigest {

    private TaskDigest() {
    }

    /** The digest of these kwargs. */
    static String of(Map<String, ?> kwargs) {
        StringBuilder text = new StringBuilder(64);
        canonical(kwargs, text);
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void canonical(Object value, StringBuilder out) {
        if (value == null) {
            out.append('n');
        } else if (value instanceof Map<?, ?> map) {
            Map<String, Object> sorted = new TreeMap<>();
            map.forEach((key, item) -> sorted.put(String.valueOf(key), item));
            out.append('{');
            sorted.forEach((key, item) -> {
                out.append(key.length()).append(':').append(key).append('=');
                canonical(item, out);
                out.append(',');
            });
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            list.forEach(item -> {
                canonical(item, out);
                out.append(',');
            });
            out.append(']');
        } else if (value instanceof Double || value instanceof Float) {
            out.append('f').append(((Number) value).doubleValue());
        } else if (value instanceof Number number) {
            out.append('i').append(number.toString());
        } else if (value instanceof String string) {
            out.append('s').append(string.length()).append(':').append(string);
        } else if (value instanceof byte[] bytes) {
            out.append('b').append(HexFormat.of().formatHex(bytes));
        } else if (value instanceof Boolean bool) {
            out.append(bool ? 'T' : 'F');
        } else {
            out.append('o').append(value.getClass().getName()).append(':').append(value);
        }
    }
}
