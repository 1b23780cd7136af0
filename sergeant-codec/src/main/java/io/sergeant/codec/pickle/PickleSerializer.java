package io.sergeant.codec.pickle;

import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.ByteSink;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;
import io.sergeant.codec.support.TaskFields;
import io.sergeant.codec.support.ValueRejection;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.codec.Serializer;

import java.time.Clock;
import java.util.Objects;

/**
 * The {@code pickle} serializer, compatible with Python Sergeant's default serializer
 * ({@code pickle.dumps(task, protocol=HIGHEST_PROTOCOL)} / {@code pickle.loads}).
 *
 * <p>Reading accepts protocols 2 to 5 and understands only plain values (None, bool, int, float, str,
 * bytes, bytearray, list, dict, tuple), {@code datetime.datetime} (naive, or with a
 * {@code datetime.timezone}), and {@code sergeant.objects.Task} at the top; any other class is refused
 * with {@code CLASS_NOT_ALLOWED} naming its module and name, and nothing is ever instantiated
 * reflectively. See {@link io.sergeant.codec} for the Java types values decode to.
 *
 * <p>Writing produces what CPython 3.8+ writes (protocol 5 header, protocol 4 opcodes); the
 * {@code pickle.protocol=4} option writes a protocol 4 header for Python 3.7 consumers. Writable values
 * are those of the msgpack serializer; datetimes become naive {@code datetime.datetime} in the clock's
 * zone. Input and output are bounded as by the msgpack serializer. Thread safe; buffers are reused per
 * thread.
 */
public final class PickleSerializer implements Serializer {

    private static final String NAME = "pickle";

    private final DecodeLimits limits;
    private final Clock clock;
    private final int protocol;
    private final long maxPayload;
    private final ThreadLocal<ByteSink> sinks = ThreadLocal.withInitial(ByteSink::new);

    /** A serializer writing protocol {@code protocol} (4 or 5) with the context's limits and clock. */
    public PickleSerializer(PluginContext context, int protocol) {
        Objects.requireNonNull(context, "context is null");
        if (protocol != 4 && protocol != 5) {
            throw new IllegalArgumentException("protocol must be 4 or 5: " + protocol);
        }
        this.limits = context.limits();
        this.clock = context.clock();
        this.protocol = protocol;
        this.maxPayload = Math.max(limits.maxEncodedBytes(), limits.maxDecompressedBytes());
    }

    @Override
    public byte[] serializeTask(Task task) {
        return serializeValue(Objects.requireNonNull(task, "task is null"));
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
                + ", not a sergeant.objects.Task; was it written as a key value rather than a task?");
    }

    @Override
    public byte[] serializeValue(Object value) {
        ByteSink sink = sinks.get().reset();
        try {
            new PickleWriter(sink, protocol, limits.maxDepth(), clock.getZone()).writePickle(value);
        } catch (ValueRejection rejection) {
            throw rejection.toException(NAME, value instanceof Task ? "kwargs" : "value");
        } catch (StackOverflowError e) {
            // Only reachable with a very large configured maxDepth; the depth check normally fires first.
            throw ValueRejection.tooDeep(limits.maxDepth()).toException(NAME, value instanceof Task ? "kwargs" : "value");
        }
        if (sink.size() > maxPayload) {
            throw Errors.payloadTooLarge(NAME + " (encoding)", sink.size(), maxPayload);
        }
        return sink.toByteArray();
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
        try {
            return new BoundedPickleReader(data, limits, clock, DecodeBudget.until(NAME, limits, deadlineNanos)).read();
        } catch (SergeantException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Errors.malformed(NAME, "cannot be read (" + e + ")", e);
        } catch (StackOverflowError e) {
            // A last line of defence: the reader never recurses, so this names a bug, not the payload.
            throw Errors.tooDeep(NAME, limits.maxDepth());
        }
    }

    @Override
    public String toString() {
        return "PickleSerializer[protocol=" + protocol + ", " + limits + "]";
    }
}
