package io.sergeant.spi.execution;

import io.sergeant.api.Task;

/** The worker's configured encoder, for moving tasks between processes. Thread safe, bounded like every decoder. */
public interface TaskCodec {

    /** Encodes a task. */
    byte[] encode(Task task);

    /** Decodes a task, within the decode deadline of the worker's {@code DecodeLimits}. */
    Task decode(byte[] data);

    /**
     * Decodes a task, giving up with {@code DECODE_DEADLINE_EXCEEDED} once {@link System#nanoTime()}
     * passes {@code deadlineNanos}. The default ignores the given deadline.
     *
     * @since 0.1
     */
    default Task decode(byte[] data, long deadlineNanos) {
        return decode(data);
    }
}
