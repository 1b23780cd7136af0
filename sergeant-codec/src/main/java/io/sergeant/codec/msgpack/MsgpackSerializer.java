package io.sergeant.codec.msgpack;

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
 * The {@code msgpack} serializer, byte-compatible with Python Sergeant's
 * ({@code Packer(use_bin_type=True, strict_types=True)} plus its {@code __task__}, {@code __datetime__}
 * and {@code __tuple__} hooks). See {@link io.sergeant.codec} for the Java types values decode to.
 *
 * <p>Writable values: null, Boolean, Byte/Short/Integer/Long/BigInteger (signed or unsigned 64-bit
 * range), Float/Double (written as float 64, as Python has no float 32), String (msgpack str), byte[]
 * (bin), List, Map with String or integer keys, and Instant/OffsetDateTime/ZonedDateTime/LocalDateTime
 * ({@code {"__datetime__": timestamp}}; a LocalDateTime is naive local time in the clock's zone). Anything
 * else is an {@code UNSUPPORTED_VALUE} error naming the key path and the type.
 *
 * <p>Input larger than {@code max(maxEncodedBytes, maxDecompressedBytes)} is rejected with
 * {@code PAYLOAD_TOO_LARGE} (the serializer sees the decompressed payload; the compressor bounds the raw
 * one), and so is output larger than that bound, so that a producer fails instead of pushing a task its
 * consumers would reject. Thread safe; buffers are reused per thread, and decoded map keys are shared
 * through a small bounded cache.
 *
 * <p>Tasks in the layout producers write ({@code __task__} with kwargs, trace_id, date and run_count in
 * that order, string kwargs keys) are decoded by a specialised path that builds no intermediate maps; any
 * other payload, and any payload the specialised path cannot accept as is, goes through the generic
 * reader, so results and errors do not depend on which path ran.
 *
 * <p>Retention: each thread that has used a serializer keeps, until the serializer is unreachable and a later
 * thread-local operation on that thread clears the stale entry, its byte buffer (up to 1 MiB) and its task
 * decoder (a small object holding the limits, the key cache and the clock, but no payload). Both are strong
 * references from the thread to classes of this library, so a long-lived thread the application does not own
 * (a common pool, a container or event-loop thread) keeps the library's class loader reachable after an
 * undeploy until then.
 */
public final class MsgpackSerializer implements Serializer {

    private static final String NAME = "msgpack";

    private final DecodeLimits limits;
    private final Clock clock;
    private final MsgpackWriter writer;
    private final long maxPayload;
    private final ThreadLocal<ByteSink> sinks = ThreadLocal.withInitial(ByteSink::new);
    private final KeyCache keyCache = new KeyCache();
    /** One reusable task fast path per thread, so that decoding a flat task allocates only the task. */
    private final ThreadLocal<TaskFastPath> fastPaths;

    /** A serializer with the context's limits and clock (whose zone is the "local" zone of naive datetimes). */
    public MsgpackSerializer(PluginContext context) {
        Objects.requireNonNull(context, "context is null");
        this.limits = context.limits();
        this.clock = context.clock();
        this.writer = new MsgpackWriter(limits.maxDepth(), clock.getZone());
        this.maxPayload = Math.max(limits.maxEncodedBytes(), limits.maxDecompressedBytes());
        this.fastPaths = ThreadLocal.withInitial(() -> new TaskFastPath(limits, keyCache, clock));
    }

    /** This thread's task fast path (tests observe with it whether the fast path took a payload). */
    TaskFastPath fastPath() {
        return fastPaths.get();
    }

    @Override
    public byte[] serializeTask(Task task) {
        Objects.requireNonNull(task, "task is null");
        ByteSink sink = sinks.get().reset();
        try {
            writer.writeTask(task, sink, 0);
        } catch (ValueRejection rejection) {
            throw rejection.toException(NAME, "kwargs");
        } catch (StackOverflowError e) {
            throw ValueRejection.tooDeep(limits.maxDepth()).toException(NAME, "kwargs");
        }
        return finish(sink);
    }

    @Override
    public Task deserializeTask(byte[] data) {
        return deserializeTask(data, DecodeBudget.deadlineFromNow(limits));
    }

    @Override
    public Task deserializeTask(byte[] data, long deadlineNanos) {
        Object value = deserialize(data, true, deadlineNanos);
        if (value instanceof Task task) {
            return task;
        }
        throw Errors.malformed(NAME, "the payload holds a " + TaskFields.typeName(value)
                + ", not a {\"__task__\": ...} map; was it written as a key value rather than a task?");
    }

    @Override
    public byte[] serializeValue(Object value) {
        ByteSink sink = sinks.get().reset();
        try {
            if (value instanceof Task task) {
                writer.writeTask(task, sink, 0);
            } else {
                writer.writeValue(value, sink, 0);
            }
        } catch (ValueRejection rejection) {
            throw rejection.toException(NAME, value instanceof Task ? "kwargs" : "value");
        } catch (StackOverflowError e) {
            // Only reachable with a very large configured maxDepth; the depth check normally fires first.
            throw ValueRejection.tooDeep(limits.maxDepth()).toException(NAME, value instanceof Task ? "kwargs" : "value");
        }
        return finish(sink);
    }

    @Override
    public Object deserializeValue(byte[] data) {
        return deserialize(data, looksLikeTask(data), DecodeBudget.deadlineFromNow(limits));
    }

    /** Whether {@code data} starts as a task does (a one-entry map), so that the task fast path may pay off. */
    private static boolean looksLikeTask(byte[] data) {
        return data != null && data.length > 0 && data[0] == (byte) 0x81;
    }

    /**
     * Reads the payload; with {@code tryTask}, through the reader's task fast path first, which yields
     * exactly what the generic path does or defers to it.
     */
    private Object deserialize(byte[] data, boolean tryTask, long deadlineNanos) {
        Objects.requireNonNull(data, "data is null");
        if (data.length > maxPayload) {
            throw Errors.payloadTooLarge(NAME, data.length, maxPayload);
        }
        try {
            if (tryTask) {
                Task task = fastPaths.get().decode(data, deadlineNanos);
                if (task != null) {
                    return task;
                }
            }
            return new BoundedMsgpackReader(data, limits, clock, keyCache, DecodeBudget.until(NAME, limits, deadlineNanos)).read();
        } catch (SergeantException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Errors.malformed(NAME, "cannot be read (" + e + ")", e);
        } catch (StackOverflowError e) {
            // A last line of defence: the reader never recurses, so this names a bug, not the payload.
            throw Errors.tooDeep(NAME, limits.maxDepth());
        }
    }

    private byte[] finish(ByteSink sink) {
        if (sink.size() > maxPayload) {
            throw Errors.payloadTooLarge(NAME + " (encoding)", sink.size(), maxPayload);
        }
        return sink.toByteArray();
    }

    @Override
    public String toString() {
        return "MsgpackSerializer[" + limits + "]";
    }
}
