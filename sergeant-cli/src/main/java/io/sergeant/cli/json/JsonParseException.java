package io.sergeant.cli.json;

/**
 * A JSON text that {@link JsonParser} cannot read. The message names the problem, the offset, line
 * and column, and quotes the text around it.
 */
public final class JsonParseException extends IllegalArgumentException {

    private final int offset;

    /** An error at {@code offset} (0-based, in chars) of the parsed text. */
    public JsonParseException(String message, int offset) {
        super(message);
        this.offset = offset;
    }

    /** The 0-based character offset where the problem was found. */
    public int offset() {
        return offset;
    }
}
