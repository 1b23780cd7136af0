package io.sergeant.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A task waiting in a queue, as {@link Broker#peekTasks} shows it without taking it: the encoded
 * payload (decode it with {@link Broker#decodeTask}), its priority and, for a delayed task, its due time.
 *
 * @param payload  the encoded task, byte for byte
 * @param priority HIGH or NORMAL for a ready task when the backend stores it, else {@code null}
 * @param dueAt    when a delayed task becomes deliverable, or {@code null} for a ready task
 * @since 0.2
 */
public record QueuedTask(byte[] payload, Priority priority, Instant dueAt) {

    /** Checks that the payload is present. */
    public QueuedTask {
        Objects.requireNonNull(payload, "payload is null");
    }
}
