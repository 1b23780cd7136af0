package io.sergeant.cli.logging;

/** Python's {@code repr} of a {@code bytes} value, which is how orjson's {@code default=repr} writes bytes. Stateless. */
final class PythonBytes {

    private PythonBytes() {
    }

    /** {@code b'...'} with Python's escapes: {@code \t \n \r \\ \'}, printable ASCII as is, the rest {@code \xhh}. */
    static String repr(byte[] bytes) {
        StringBuilder text = new StringBuilder(bytes.length + 3).append("b'");
        for (byte b : bytes) {
            int c = b & 0xff;
            switch (c) {
                case '\t' -> text.append("\\t");
                case '\n' -> text.append("\\n");
                case '\r' -> text.append("\\r");
                case '\\' -> text.append("\\\\");
                case '\'' -> text.append("\\'");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        text.append((char) c);
                    } else {
                        text.append(String.format("\\x%02x", c));
                    }
                }
            }
        }
        return text.append('\'').toString();
    }
}
