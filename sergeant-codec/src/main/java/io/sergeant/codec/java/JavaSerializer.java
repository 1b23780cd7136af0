package io.sergeant.codec.java;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;
import io.sergeant.codec.support.TaskFields;
import io.sergeant.codec.support.ValueRejection;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.codec.Serializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code java} serializer: JDK serialization for Java-only deployments that need their own
 * {@code Serializable} types in kwargs. Python cannot read it.
 *
 * <p>Reading goes through {@link FilteringObjectInputStream}: a class outside the allow-list (the JDK value
 * types of {@link ClassAllowList} plus {@code java.allow}) is refused with {@code CLASS_NOT_ALLOWED} before
 * it is loaded, so its {@code readObject} never runs; depth, array length and stream size are bounded by
 * the decode limits. Values decode to the types that were written (an Integer stays an Integer).
 *
 * <p>Writing checks the value tree first (maps, collections, arrays): a value that is not
 * {@code Serializable}, or whose class the allow-list would refuse on reading, is an
 * {@code UNSUPPORTED_VALUE} error naming the key path and the type. Thread safe.
 */
public final class JavaSerializer implements Serializer {

    private static final String NAME = "java";

    private final ClassAllowList allowList;
    private final DecodeLimits limits;
    private final ClassLoader classLoader;
    private final long maxPayload;

    JavaSerializer(ClassAllowList allowList, PluginContext context) {
        this.allowList = Objects.requireNonNull(allowList, "allowList is null");
        Objects.requireNonNull(context, "context is null");
        this.limits = context.limits();
        this.classLoader = context.classLoader();
        this.maxPayload = Math.max(limits.maxEncodedBytes(), limits.maxDecompressedBytes());
    }

    @Override
    public byte[] serializeTask(Task task) {
        Objects.requireNonNull(task, "task is null");
        return serializeValue(task);
    }

    @Override
    public Task deserializeTask(byte[] data) {
        return deserializeTask(data, DecodeBudget.deadlineFromNow(limits));
    }

    @Override
    public Task deserializeTask(byte[] data, long deadlineNanos) {
        Object value = deserialize(data, deadlineNanos);
        if (value instanceof Task task) {
            return task;
        }
        throw Errors.malformed(NAME, "the payload holds a " + TaskFields.typeName(value)
                + ", not a task; was it written as a key value rather than a task?");
    }

    @Override
    public byte[] serializeValue(Object value) {
        Object root = value;
        try {
            if (value instanceof Task task) {
                check(task.kwargs(), 2);
                root = new SerializedTask(task);
            } else {
                check(value, 0);
            }
        } catch (ValueRejection rejection) {
            throw rejection.toException(NAME, value instanceof Task ? "kwargs" : "value");
        } catch (StackOverflowError e) {
            throw ValueRejection.tooDeep(limits.maxDepth()).toException(NAME, value instanceof Task ? "kwargs" : "value");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(root);
        } catch (NotSerializableException e) {
            throw new SergeantException(ErrorCode.UNSUPPORTED_VALUE, "cannot serialize a value with serializer 'java': "
                    + e.getMessage() + " (inside a value) is not Serializable; make it Serializable or convert it", e);
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.UNSUPPORTED_VALUE, "cannot serialize a value with serializer 'java': " + e, e);
        }
        if (bytes.size() > maxPayload) {
            throw Errors.payloadTooLarge(NAME + " (encoding)", bytes.size(), maxPayload);
        }
        return bytes.toByteArray();
    }

    @Override
    public Object deserializeValue(byte[] data) {
        return deserialize(data, DecodeBudget.deadlineFromNow(limits));
    }

    private Object deserialize(byte[] data, long deadlineNanos) {
        Objects.requireNonNull(data, "data is null");
        if (data.length > maxPayload) {
            throw Errors.payloadTooLarge(NAME, data.length, maxPayload);
        }
        if (data.length == 0) {
            throw Errors.malformed(NAME, "the payload is empty");
        }
        ByteArrayInputStream bytes = new ByteArrayInputStream(data);
        FilteringObjectInputStream in = null;
        try {
            in = new FilteringObjectInputStream(bytes, allowList, classLoader, limits, maxPayload,
                    DecodeBudget.until(NAME, limits, deadlineNanos));
            Object value = in.readObject();
            if (bytes.available() > 0) {
                throw Errors.malformed(NAME, bytes.available() + " trailing byte(s) after the object");
            }
            return value instanceof SerializedTask envelope ? envelope.task() : value;
        } catch (SergeantException e) {
            throw e;
        } catch (InvalidClassException e) {
            throw refusal(in, e);
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            if (in != null && in.refusal() != null) {
                throw refusal(in, e);
            }
            throw Errors.malformed(NAME, "cannot be read (" + e + ")", e);
        } catch (StackOverflowError e) {
            throw Errors.tooDeep(NAME, limits.maxDepth());
        } catch (InternalError e) {
            // JDK classes report some corrupt serial forms this way (for example an immutable map's
            // CollSer with an odd number of elements): still a malformed payload, not a JVM failure.
            throw Errors.malformed(NAME, "cannot be read (" + e + ")", e);
        }
    }

    private SergeantException refusal(FilteringObjectInputStream in, Exception e) {
        ErrorCode code = in == null ? null : in.refusal();
        if (code == null) {
            return Errors.malformed(NAME, "cannot be read (" + e + ")", e);
        }
        String detail = in.refusalDetail();
        return switch (code) {
            case CLASS_NOT_ALLOWED -> new SergeantException(code, "the java payload holds " + detail
                    + ", which is not allowed; add the class or its package (com.acme.**) to the option 'java.allow'"
                    + " if it is trusted", e);
            case NESTING_TOO_DEEP -> new SergeantException(code, "the java payload has " + detail
                    + "; flatten the data or raise the decode limit", e);
            case MALFORMED_PAYLOAD -> Errors.malformed(NAME, "it holds " + detail + "; recursive structures are not supported", e);
            default -> new SergeantException(code, "the java payload has " + detail
                    + "; the payload is hostile or the decode limit must be raised", e);
        };
    }

    /** Walks maps, collections and arrays; checks every other value is Serializable and allowed. */
    private void check(Object value, int depth) {
        if (value == null) {
            return;
        }
        if (value instanceof Map<?, ?> map) {
            checkContainer(value, depth + 1);
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                try {
                    check(entry.getKey(), depth + 1);
                    check(entry.getValue(), depth + 1);
                } catch (ValueRejection rejection) {
                    throw rejection.atKey(entry.getKey());
                }
            }
            return;
        }
        if (value instanceof Collection<?> collection) {
            checkContainer(value, depth + 1);
            int index = 0;
            for (Object item : collection) {
                try {
                    check(item, depth + 1);
                } catch (ValueRejection rejection) {
                    throw rejection.atIndex(index);
                }
                index++;
            }
            return;
        }
        if (value instanceof Object[] array) {
            checkContainer(value, depth + 1);
            for (int i = 0; i < array.length; i++) {
                try {
                    check(array[i], depth + 1);
                } catch (ValueRejection rejection) {
                    throw rejection.atIndex(i);
                }
            }
            return;
        }
        checkLeaf(value);
    }

    private void checkContainer(Object container, int depth) {
        if (depth > limits.maxDepth()) {
            throw ValueRejection.tooDeep(limits.maxDepth());
        }
        checkLeaf(container);
    }

    /** The class of a task's kwargs map (immutable, shared between tasks)... */
    private static final Class<?> TASK_KWARGS = Task.of(Map.of()).kwargs().getClass();
    /** ...which Java serialization writes as the unmodifiable LinkedHashMap Task held before (its writeReplace). */
    private static final Class<?> WRITTEN_AS_KWARGS = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>()).getClass();

    private void checkLeaf(Object value) {
        Class<?> type = value.getClass();
        if (!(value instanceof Serializable)) {
            throw new ValueRejection(ErrorCode.UNSUPPORTED_VALUE, type.getName()
                    + " is not Serializable; make it Serializable (and list it in 'java.allow') or convert it");
        }
        Class<?> checked = type.isAnonymousClass() && type.getSuperclass() != null && type.getSuperclass().isEnum()
                ? type.getSuperclass() : type == TASK_KWARGS ? WRITTEN_AS_KWARGS : type;
        if (!allowList.allowsWriting(checked)) {
            throw new ValueRejection(ErrorCode.UNSUPPORTED_VALUE, type.getName()
                    + " is not in the option 'java.allow', so consumers would refuse it; add the class or its"
                    + " package (com.acme.**)");
        }
    }

    @Override
    public String toString() {
        return "JavaSerializer[" + limits + "]";
    }
}
