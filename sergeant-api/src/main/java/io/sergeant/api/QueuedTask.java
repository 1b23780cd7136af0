package io.sergeant.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A task waiting in a queue, as {@link Broker#peekTasks} shows it without taking it: the encoded
 * payload (decode it with {@link Broker#decodeTask}) or, when a bounded listing did not read it, only its
 * size; its priority and, for a delayed task, its due time.
 *
 * @param payload      the encoded task, byte for byte, or {@code null} when it was not read (see
 *                     {@link Broker#peekTasks(String, int, long, long)}); never null from {@link Broker#peekTasks(String, int)}
 * @param payloadBytes the payload's size in bytes ({@code payload.length} when it was read)
 * @param priority     HIGH or NORMAL for a ready task when the backend stores it, else {@code null}
 * @param dueAt        when a delayed task becomes deliverable, or {@code null} for a ready task
 * @since 0.2
 */
public record QueuedTask(byte[] payload, long payloadBytes, Priority priority, Instant dueAt) {

    /** Checks that the size is not negative and, when the payload is present, is its length. */
    public QueuedTask {
        if (payloadBytes < 0) {
            throw new IllegalArgumentException("payloadBytes must not be negative: " + payloadBytes);
        }
        if (payload != null && payload.length != payloadBytes) {
            throw new IllegalArgumentException("payloadBytes " + payloadBytes + " is not the payload's length "
                    + payload.length);
        }
    }

    /** A task whose payload was read. */
    public QueuedTask(byte[] payload, Priority priority, Instant dueAt) {
        this(Objects.requireNonNull(payload, "payload is null"), payload.length, priority, dueAt);
    }

    /** Whether the payload was read. */
    public boolean loaded() {
        return payload != null;
    }
}
