package io.sergeant.codec.support;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Thrown inside a writer when a value cannot be written; each enclosing container adds its key or index
 * on the way out ({@link #atKey}, {@link #atIndex}), so the final {@link SergeantException} names the full path, for example
 * {@code kwargs.user.tags[2]}, at no cost on the success path. Internal; never escapes a codec.
 */
public final class ValueRejection extends RuntimeException {

    private static final int SHOWN_SEGMENTS = 24;

    private final ErrorCode code;
    private final String problem;
    private final Deque<String> path = new ArrayDeque<>();

    /** A rejection with the code the final exception carries and what is wrong. */
    public ValueRejection(ErrorCode code, String problem) {
        super(problem, null, false, false);
        this.code = code;
        this.problem = problem;
    }

    /** Prepends the path segment of a map key. */
    public ValueRejection atKey(Object key) {
        path.addFirst(key instanceof String s ? "." + s : "[" + key + "]");
        return this;
    }

    /** Prepends the path segment of a list index. */
    public ValueRejection atIndex(int index) {
        path.addFirst("[" + index + "]");
        return this;
    }

    /** The exception for the caller; {@code root} is {@code kwargs} or {@code value}. */
    public SergeantException toException(String serializer, String root) {
        StringBuilder where = new StringBuilder(root);
        int shown = 0;
        for (String segment : path) {
            if (shown++ == SHOWN_SEGMENTS) {
                where.append("...");
                break;
            }
            where.append(segment);
        }
        return new SergeantException(code, "cannot serialize " + where + " with serializer '" + serializer + "': " + problem);
    }

    /** The rejection of an unsupported type, with the advice of the portable serializers. */
    public static ValueRejection unsupportedType(Object value) {
        return new ValueRejection(ErrorCode.UNSUPPORTED_VALUE, value.getClass().getName()
                + " is not supported; use null, Boolean, Byte/Short/Integer/Long/BigInteger (64-bit range),"
                + " Float/Double, String, byte[], List, Map with String or integer keys, or"
                + " Instant/OffsetDateTime/ZonedDateTime/LocalDateTime; convert other values (for example"
                + " UUID.toString(), an enum's name()) or use the 'java' serializer");
    }

    /** The rejection of a map key type. */
    public static ValueRejection unsupportedKey(Object key) {
        return new ValueRejection(ErrorCode.UNSUPPORTED_VALUE, "map key " + (key == null ? "null"
                : "of type " + key.getClass().getName()) + " is not supported; use String or integer keys");
    }

    /** The rejection of nesting deeper than the decode limit (or a cyclic structure). */
    public static ValueRejection tooDeep(int maxDepth) {
        return new ValueRejection(ErrorCode.NESTING_TOO_DEEP, "lists and maps nest deeper than maxDepth="
                + maxDepth + " (or the structure contains itself); a decoder would reject it, so flatten the data"
                + " or raise the decode limit");
    }
}
