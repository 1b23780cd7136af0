package io.sergeant.api;

import java.util.Objects;

/**
 * The one exception type Sergeant throws for its own failures. It carries an {@link ErrorCode}
 * (stable, machine readable) and, through it, an {@link ErrorType}. Messages quote the offending
 * value and say what to do. Backends translate their client's exceptions into this type in one place.
 */
public class SergeantException extends RuntimeException {

    private final ErrorCode code;

    /** An exception with a code and a message; neither may be null. */
    public SergeantException(ErrorCode code, String message) {
        super(Objects.requireNonNull(message, "message is null"));
        this.code = Objects.requireNonNull(code, "code is null");
    }

    /** An exception with a code, a message and the cause it translates. */
    public SergeantException(ErrorCode code, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message is null"), cause);
        this.code = Objects.requireNonNull(code, "code is null");
    }

    /** The error code. */
    public ErrorCode code() {
        return code;
    }

    /** The category of the error, from its code. */
    public ErrorType type() {
        return code.type();
    }

    @Override
    public String toString() {
        return "SergeantException[" + code + "]: " + getMessage();
    }
}
