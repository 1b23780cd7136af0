package io.sergeant.core.worker;

/**
 * JSON string quoting shared by the run summary, failure reports and the command line's JSON log
 * lines; stateless and thread safe.
 */
public final class JsonText {

    private JsonText() {
    }

    /** Appends {@code value} as a JSON string literal, or {@code null}. */
    public static StringBuilder quote(StringBuilder json, String value) {
        if (value == null) {
            return json.append("null");
        }
        json.append('"');
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"');
    }

    /** {@code value} as a JSON string literal. */
    public static String quote(String value) {
        return quote(new StringBuilder(value == null ? 4 : value.length() + 2), value).toString();
    }
}
