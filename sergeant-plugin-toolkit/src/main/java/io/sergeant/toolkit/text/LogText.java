package io.sergeant.toolkit.text;

/**
 * Text from outside (task data, exception messages) made safe for one log line.
 *
 * <p>Stateless and thread safe.
 */
public final class LogText {

    private LogText() {
    }

    /**
     * {@code text} with every control character (C0, DEL, C1, U+2028, U+2029) written as an escape
     * ({@code \n}, {@code \r}, {@code \t}, or a backslash-u escape of four hex digits), so that it stays on one
     * log line and cannot move the cursor or colour a terminal; returns {@code text} itself when it has none;
     * null stays null.
     */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029;
            if (!control) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out == null ? text : out.toString();
    }
}
