package io.sergeant.spi.codec;

import io.sergeant.api.Task;

/**
 * Turns tasks and key values into bytes and back. Thread safe. Decoding honours the
 * {@link io.sergeant.api.config.DecodeLimits} of its {@link io.sergeant.spi.PluginContext}: a payload
 * over a bound gives a {@link io.sergeant.api.SergeantException} with a resource code, never an
 * {@code OutOfMemoryError} or {@code StackOverflowError}; a malformed payload gives
 * {@code MALFORMED_PAYLOAD}; a value it cannot write gives {@code UNSUPPORTED_VALUE} naming the key
 * and the type.
 */
public interface Serializer {

    /** Encodes a task in this serializer's Python-compatible layout. */
    byte[] serializeTask(Task task);

    /** Decodes a task; the payload must hold a task object. */
    Task deserializeTask(byte[] data);

    /** Encodes a plain value (for key-value storage). */
    byte[] serializeValue(Object value);

    /** Decodes a plain value. */
    Object deserializeValue(byte[] data);
}
