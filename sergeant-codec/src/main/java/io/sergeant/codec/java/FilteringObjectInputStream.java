package io.sergeant.codec.java;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.config.DecodeLimits;

import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectStreamClass;

/**
 * An {@link ObjectInputStream} that checks every class name against the {@link ClassAllowList} before the
 * class is even loaded (so a refused class's static initialiser and {@code readObject} never run), refuses
 * proxies, and applies the decode limits through an {@link ObjectInputFilter} (depth, array length,
 * references, stream bytes). It remembers why it refused, so the serializer can report the right
 * {@link ErrorCode}. One instance per payload; not thread safe.
 */
final class FilteringObjectInputStream extends ObjectInputStream {

    private final ClassAllowList allowList;
    private final ClassLoader classLoader;
    private final DecodeLimits limits;
    private final long maxBytes;
    private ErrorCode refusal;
    private String refusalDetail;

    FilteringObjectInputStream(InputStream in, ClassAllowList allowList, ClassLoader classLoader, DecodeLimits limits,
                               long maxBytes) throws IOException {
        super(in);
        this.allowList = allowList;
        this.classLoader = classLoader;
        this.limits = limits;
        this.maxBytes = maxBytes;
        setObjectInputFilter(this::check);
    }

    /** The code of the last refusal, or {@code null}. */
    ErrorCode refusal() {
        return refusal;
    }

    /** What was refused, for the message. */
    String refusalDetail() {
        return refusalDetail;
    }

    /** Bounds a count read by a custom {@code readObject} (the envelope's kwargs size). */
    void checkLength(int length) throws InvalidClassException {
        if (length < 0 || length > limits.maxCollectionLength()) {
            throw refuse(ErrorCode.COLLECTION_TOO_LARGE, "a collection of " + length + " entries (maxCollectionLength="
                    + limits.maxCollectionLength() + ")");
        }
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
        String name = desc.getName();
        if (!allowList.allows(name)) {
            throw refuse(ErrorCode.CLASS_NOT_ALLOWED, name);
        }
        return Class.forName(name, false, classLoader);
    }

    @Override
    protected Class<?> resolveProxyClass(String[] interfaces) throws IOException {
        throw refuse(ErrorCode.CLASS_NOT_ALLOWED, "a dynamic proxy for " + String.join(", ", interfaces));
    }

    private ObjectInputFilter.Status check(ObjectInputFilter.FilterInfo info) {
        if (info.depth() > limits.maxDepth() + 2L) {
            return reject(ErrorCode.NESTING_TOO_DEEP, "nesting of depth " + info.depth() + " (maxDepth=" + limits.maxDepth() + ")");
        }
        if (info.arrayLength() > limits.maxCollectionLength()) {
            return reject(ErrorCode.COLLECTION_TOO_LARGE, "an array or collection of " + info.arrayLength()
                    + " elements (maxCollectionLength=" + limits.maxCollectionLength() + ")");
        }
        if (info.streamBytes() > maxBytes) {
            return reject(ErrorCode.PAYLOAD_TOO_LARGE, "a stream of more than " + maxBytes + " bytes");
        }
        Class<?> type = info.serialClass();
        if (type != null && !allowList.allows(type.getName())) {
            return reject(ErrorCode.CLASS_NOT_ALLOWED, type.getName());
        }
        return ObjectInputFilter.Status.ALLOWED;
    }

    private ObjectInputFilter.Status reject(ErrorCode code, String detail) {
        refusal = code;
        refusalDetail = detail;
        return ObjectInputFilter.Status.REJECTED;
    }

    private InvalidClassException refuse(ErrorCode code, String detail) {
        reject(code, detail);
        return new InvalidClassException(detail, "refused by the java serializer");
    }
}
