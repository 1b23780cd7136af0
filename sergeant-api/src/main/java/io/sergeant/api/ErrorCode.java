package io.sergeant.api;

/**
 * Stable error codes of {@link SergeantException}, each with its {@link ErrorType}. Codes are part of
 * the public contract: new ones may be added, existing ones keep their meaning.
 */
public enum ErrorCode {
    /** A configuration value or key is invalid; the message lists every problem found. */
    INVALID_CONFIGURATION(ErrorType.USER),
    /** No plugin of that name (or URI scheme) is installed; the message lists the known ones. */
    UNKNOWN_PLUGIN(ErrorType.USER),
    /** Two installed plugins claim the same name or URI scheme. */
    DUPLICATE_PLUGIN(ErrorType.USER),
    /** A value in a task's kwargs cannot be written by the configured serializer. */
    UNSUPPORTED_VALUE(ErrorType.USER),
    /** An action was called where it is not allowed (for example {@code retry} from {@code onSuccess}). */
    ILLEGAL_ACTION(ErrorType.USER),
    /** An argument cannot be used by the backend (for example a queue name that breaks Redis Cluster hash tags). */
    INVALID_ARGUMENT(ErrorType.USER),
    /** The worker class cannot be found or instantiated. */
    WORKER_CLASS_NOT_FOUND(ErrorType.USER),
    /** An encoded payload is larger than the configured maximum. */
    PAYLOAD_TOO_LARGE(ErrorType.RESOURCE),
    /** A payload decompresses to more than the configured maximum (a compression bomb). */
    DECOMPRESSED_TOO_LARGE(ErrorType.RESOURCE),
    /** A payload nests deeper than the configured maximum. */
    NESTING_TOO_DEEP(ErrorType.RESOURCE),
    /** A payload declares a string, binary, array or map longer than allowed or than its own bytes. */
    COLLECTION_TOO_LARGE(ErrorType.RESOURCE),
    /**
     * A payload decodes to more values or retained bytes than the per-payload budget allows (for example
     * shared references that multiply, or millions of tiny containers).
     *
     * @since 0.1
     */
    DECODE_BUDGET_EXCEEDED(ErrorType.RESOURCE),
    /**
     * Decoding a payload took longer than its decode deadline; the payload is refused, never retried.
     *
     * @since 0.1
     */
    DECODE_DEADLINE_EXCEEDED(ErrorType.RESOURCE),
    /** A payload is not valid in its format (garbage, truncated, wrong structure). */
    MALFORMED_PAYLOAD(ErrorType.USER),
    /** A payload names a class outside the allow-list of the serializer. */
    CLASS_NOT_ALLOWED(ErrorType.USER),
    /** The backend cannot be reached or timed out; retrying later can help. */
    BACKEND_UNAVAILABLE(ErrorType.TRANSIENT_EXTERNAL),
    /** The backend refused an operation (authentication, unsupported server version, bad data). */
    BACKEND_REFUSED(ErrorType.PERMANENT_EXTERNAL),
    /**
     * The configured backend does not play a role (an SPI interface such as the lease role) that the
     * configuration or the action needs; the message names the role, the backend and what to do.
     *
     * @since 0.1
     */
    BACKEND_ROLE_MISSING(ErrorType.USER),
    /** A process-level execution failure (a child process could not start or died). */
    EXECUTION_FAILED(ErrorType.TRANSIENT_EXTERNAL),
    /** An unexpected internal failure. */
    INTERNAL_ERROR(ErrorType.INTERNAL);

    private final ErrorType type;

    ErrorCode(ErrorType type) {
        this.type = type;
    }

    /** The category of this code. */
    public ErrorType type() {
        return type;
    }
}
