package io.sergeant.cli.json;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A small, strict JSON parser (RFC 8259) for command line arguments such as task kwargs, so the
 * command needs no JSON library. Objects become insertion-ordered {@link Map}s (a repeated key is an
 * error), arrays {@link List}s, strings {@link String}s, integers {@link Long}s (those from 2^63 to
 * 2^64-1, which the serializers accept as unsigned 64-bit integers, {@link java.math.BigInteger}s), numbers with a
 * fraction or exponent {@link Double}s, {@code true}/{@code false} {@link Boolean}s and {@code null}
 * {@code null}. Returned maps and lists are unmodifiable.
 *
 * <p>Stateless and thread safe. Nesting is limited to {@value #MAX_DEPTH} levels so that hostile
 * input cannot exhaust the stack.
 */
public final class JsonParser {

    /** The largest integer accepted: 2^64-1 (the largest a msgpack uint64 holds). */
    private static final java.math.BigInteger UINT64_MAX = java.math.BigInteger.ONE.shiftLeft(64).subtract(java.math.BigInteger.ONE);

    /** The deepest nesting of arrays and objects accepted. */
    public static final int MAX_DEPTH = 128;

    private JsonParser() {
    }

    /**
     * Parses one JSON value; only whitespace may surround it.
     *
     * @throws JsonParseException for anything that is not exactly one valid JSON value
     * @throws NullPointerException when {@code text} is null
     */
    public static Object parse(String text) {
        Objects.requireNonNull(text, "text is null");
        Reader reader = new Reader(text);
        reader.skipWhitespace();
        Object value = reader.value(0);
        reader.skipWhitespace();
        if (!reader.atEnd()) {
            throw reader.error("unexpected " + reader.describeCurrent() + " after the JSON value");
        }
        return value;
    }

    /**
     * Parses a JSON object, as task kwargs are.
     *
     * @throws JsonParseException for invalid JSON or a value that is not an object
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object value = parse(text);
        if (!(value instanceof Map)) {
            throw new JsonParseException("expected a JSON object such as {\"key\": 1}, got "
                    + typeName(value) + " in '" + abbreviate(text) + "'", 0);
        }
        return (Map<String, Object>) value;
    }

    private static String typeName(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof List) {
            return "an array";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        return "a number";
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    private static final class Reader {
        private final String text;
        private int position;

        Reader(String text) {
            this.text = text;
        }

        boolean atEnd() {
            return position >= text.length();
        }

        void skipWhitespace() {
            while (!atEnd()) {
                char c = text.charAt(position);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                position++;
            }
        }

        Object value(int depth) {
            if (atEnd()) {
                throw error("unexpected end of input, expected a value");
            }
            char c = text.charAt(position);
            return switch (c) {
                case '{' -> object(depth + 1);
                case '[' -> array(depth + 1);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw error("unexpected " + describeCurrent() + ", expected a value (object, array, string, number, "
                            + "true, false or null)");
                }
            };
        }

        private Map<String, Object> object(int depth) {
            checkDepth(depth);
            position++;
            Map<String, Object> map = new LinkedHashMap<>();
            skipWhitespace();
            if (peek('}')) {
                position++;
                return Collections.unmodifiableMap(map);
            }
            while (true) {
                skipWhitespace();
                if (!peek('"')) {
                    throw error("unexpected " + describeCurrent() + ", expected a string key in double quotes");
                }
                int keyStart = position;
                String key = string();
                if (map.containsKey(key)) {
                    position = keyStart;
                    throw error("duplicate key \"" + key + "\"");
                }
                skipWhitespace();
                expect(':', "after the object key \"" + key + "\"");
                skipWhitespace();
                map.put(key, value(depth));
                skipWhitespace();
                if (peek(',')) {
                    position++;
                    continue;
                }
                expect('}', "or ',' in the object");
                return Collections.unmodifiableMap(map);
            }
        }

        private List<Object> array(int depth) {
            checkDepth(depth);
            position++;
            List<Object> list = new ArrayList<>();
            skipWhitespace();
            if (peek(']')) {
                position++;
                return Collections.unmodifiableList(list);
            }
            while (true) {
                skipWhitespace();
                list.add(value(depth));
                skipWhitespace();
                if (peek(',')) {
                    position++;
                    continue;
                }
                expect(']', "or ',' in the array");
                return Collections.unmodifiableList(list);
            }
        }

        private String string() {
            int start = position;
            position++;
            StringBuilder result = new StringBuilder();
            while (true) {
                if (atEnd()) {
                    position = start;
                    throw error("unterminated string");
                }
                char c = text.charAt(position);
                if (c == '"') {
                    position++;
                    return result.toString();
                }
                if (c < 0x20) {
                    throw error("control character U+" + String.format("%04X", (int) c)
                            + " in a string; escape it (for example \\n)");
                }
                if (c != '\\') {
                    result.append(c);
                    position++;
                    continue;
                }
                position++;
                if (atEnd()) {
                    throw error("unterminated escape sequence");
                }
                char escaped = text.charAt(position);
                switch (escaped) {
                    case '"' -> result.append('"');
                    case '\\' -> result.append('\\');
                    case '/' -> result.append('/');
                    case 'b' -> result.append('\b');
                    case 'f' -> result.append('\f');
                    case 'n' -> result.append('\n');
                    case 'r' -> result.append('\r');
                    case 't' -> result.append('\t');
                    case 'u' -> {
                        result.append(unicodeEscape());
                        continue;
                    }
                    default -> throw error("invalid escape sequence \\" + escaped);
                }
                position++;
            }
        }

        private char unicodeEscape() {
            int start = position - 1;
            if (position + 5 > text.length()) {
                position = start;
                throw error("incomplete \\u escape, expected four hex digits");
            }
            int code = 0;
            for (int i = 1; i <= 4; i++) {
                int digit = Character.digit(text.charAt(position + i), 16);
                if (digit < 0) {
                    position = start;
                    throw error("invalid \\u escape, expected four hex digits");
                }
                code = code * 16 + digit;
            }
            position += 5;
            return (char) code;
        }

        private Object number() {
            int start = position;
            if (peek('-')) {
                position++;
            }
            if (peek('0')) {
                position++;
                if (!atEnd() && Character.isDigit(text.charAt(position))) {
                    throw error("leading zeros are not allowed in numbers");
                }
            } else if (!digits()) {
                throw error("expected a digit");
            }
            boolean integral = true;
            if (peek('.')) {
                integral = false;
                position++;
                if (!digits()) {
                    throw error("expected a digit after the decimal point");
                }
            }
            if (peek('e') || peek('E')) {
                integral = false;
                position++;
                if (peek('+') || peek('-')) {
                    position++;
                }
                if (!digits()) {
                    throw error("expected a digit in the exponent");
                }
            }
            String literal = text.substring(start, position);
            if (integral) {
                try {
                    return Long.parseLong(literal);
                } catch (NumberFormatException e) {
                    // Past the long range: the unsigned 64-bit integers the serializers accept, as Python's.
                    java.math.BigInteger big = new java.math.BigInteger(literal);
                    if (big.signum() > 0 && big.compareTo(UINT64_MAX) <= 0) {
                        return big;
                    }
                    position = start;
                    throw error("integer " + literal + " is outside the 64-bit range [-2^63, 2^64-1]; "
                            + "write it as a string or with a fraction");
                }
            }
            double value = Double.parseDouble(literal);
            if (Double.isInfinite(value)) {
                position = start;
                throw error("number " + literal + " is too large for a 64-bit float");
            }
            return value;
        }

        private boolean digits() {
            int start = position;
            while (!atEnd() && text.charAt(position) >= '0' && text.charAt(position) <= '9') {
                position++;
            }
            return position > start;
        }

        private Object literal(String word, Object value) {
            if (!text.startsWith(word, position)) {
                throw error("unexpected " + describeCurrent() + ", expected a value (did you mean " + word
                        + "? strings need double quotes)");
            }
            position += word.length();
            return value;
        }

        private void checkDepth(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH + " levels");
            }
        }

        private boolean peek(char c) {
            return !atEnd() && text.charAt(position) == c;
        }

        private void expect(char c, String where) {
            if (!peek(c)) {
                throw error("unexpected " + describeCurrent() + ", expected '" + c + "' " + where);
            }
            position++;
        }

        String describeCurrent() {
            if (atEnd()) {
                return "end of input";
            }
            char c = text.charAt(position);
            if (c < 0x20 || c == 0x7f) {
                return "character U+" + String.format("%04X", (int) c);
            }
            return "'" + c + "'";
        }

        JsonParseException error(String problem) {
            int line = 1;
            int column = 1;
            for (int i = 0; i < position && i < text.length(); i++) {
                if (text.charAt(i) == '\n') {
                    line++;
                    column = 1;
                } else {
                    column++;
                }
            }
            int from = Math.max(0, position - 20);
            int to = Math.min(text.length(), position + 20);
            String near = (from > 0 ? "..." : "") + text.substring(from, to).replace("\n", "\\n")
                    + (to < text.length() ? "..." : "");
            return new JsonParseException("invalid JSON at line " + line + ", column " + column + ": " + problem
                    + " (near '" + near + "')", position);
        }
    }
}
