package io.sergeant.spi.codec;

import io.sergeant.api.Task;

/**
 * Turns tasks and key values into bytes and back. Thread safe. Decoding honours the
 * {@link io.sergeant.api.config.DecodeLimits} of its {@link io.sergeant.spi.PluginContext}: a payload
 * over a bound gives a {@link io.sergeant.api.SergeantException} with a resource code, never an
 * {@code OutOfMemoryError} or {@code StackOverflowError}; a malformed payload gives
 * {@code MALFORMED_PAYLOAD}; a value it cannot write gives {@code UNSUPPORTED_VALUE} naming the key
 * and the type.
 *
 * <p>Decoding is bounded in time too: the per-payload budgets of {@code DecodeLimits} (values and
 * retained bytes, counted as a tree, so shared references cannot multiply work) keep the work between
 * two deadline checks small, and a payload still decoding at its deadline gives
 * {@code DECODE_DEADLINE_EXCEEDED}. The methods without a deadline use {@code DecodeLimits.decodeDeadline}
 * from the call.
 */
public interface Serializer {

    /** Encodes a task in this serializer's Python-compatible layout. */
    byte[] serializeTask(Task task);

    /** Decodes a task; the payload must hold a task object. */
    Task deserializeTask(byte[] data);

    /**
     * Decodes a task, giving up with {@code DECODE_DEADLINE_EXCEEDED} once {@link System#nanoTime()}
     * passes {@code deadlineNanos} (so that decompression and deserialization share one deadline). The
     * default ignores the given deadline and applies the limits' own; the built-in serializers honour it.
     *
     * @since 0.1
     */
    default Task deserializeTask(byte[] data, long deadlineNanos) {
        return deserializeTask(data);
    }

    /** Encodes a plain value (for key-value storage). */
    byte[] serializeValue(Object value);

    /** Decodes a plain value. */
    Object deserializeValue(byte[] data);
}
