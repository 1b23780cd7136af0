package io.sergeant.spi.backend;

import io.sergeant.api.Priority;

import java.time.Instant;
import java.util.Objects;

/**
 * A task waiting in a queue as {@link BackendMonitoring#peek} shows it: its encoded payload, byte for
 * byte, and where the backend keeps it.
 *
 * @param payload  the encoded task
 * @param priority HIGH or NORMAL for a ready task when the backend stores it, else {@code null}
 *                 (a delayed task, or a backend that keeps priority only as a position)
 * @param dueAt    when a delayed task becomes deliverable, or {@code null} for a ready task
 * @since 0.2
 */
public record QueuedItem(byte[] payload, Priority priority, Instant dueAt) {

    /** Checks that the payload is present. */
    public QueuedItem {
        Objects.requireNonNull(payload, "payload is null");
    }
}
