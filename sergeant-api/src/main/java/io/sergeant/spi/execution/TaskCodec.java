package io.sergeant.spi.execution;

import io.sergeant.api.Task;

/** The worker's configured encoder, for moving tasks between processes. Thread safe, bounded like every decoder. */
public interface TaskCodec {

    /** Encodes a task. */
    byte[] encode(Task task);

    /** Decodes a task. */
    Task decode(byte[] data);
}
