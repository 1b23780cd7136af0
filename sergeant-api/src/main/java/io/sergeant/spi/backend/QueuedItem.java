package io.sergeant.spi.backend;

import io.sergeant.api.Priority;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A task waiting in a queue as {@link BackendMonitoring#peek} shows it: its encoded payload, byte for
 * byte, or only its size when a bounded peek did not read it, and where the backend keeps it.
 *
 * @param payload      the encoded task, or {@code null} when it was not read (a bounded
 *                     {@linkplain BackendMonitoring#peek(String, int, long, long) peek} lists a payload over its
 *                     cap, or past its budget, by size only); never null from the unbounded peek
 * @param payloadBytes the payload's size in bytes ({@code payload.length} when it was read)
 * @param priority     HIGH or NORMAL for a ready task when the backend stores it, else {@code null}
 *                     (a delayed task, or a backend that keeps priority only as a position)
 * @param dueAt        when a delayed task becomes deliverable, or {@code null} for a ready task
 * @since 0.2
 */
public record QueuedItem(byte[] payload, long payloadBytes, Priority priority, Instant dueAt) {

    /** Checks that the size is not negative and, when the payload is present, is its length. */
    public QueuedItem {
        if (payloadBytes < 0) {
            throw new IllegalArgumentException("payloadBytes must not be negative: " + payloadBytes);
        }
        if (payload != null && payload.length != payloadBytes) {
            throw new IllegalArgumentException("payloadBytes " + payloadBytes + " is not the payload's length "
                    + payload.length);
        }
    }

    /** A task whose payload was read. */
    public QueuedItem(byte[] payload, Priority priority, Instant dueAt) {
        this(Objects.requireNonNull(payload, "payload is null"), payload.length, priority, dueAt);
    }

    /** A task listed by the size of its payload, which was not read. */
    public static QueuedItem sizeOnly(long payloadBytes, Priority priority, Instant dueAt) {
        return new QueuedItem(null, payloadBytes, priority, dueAt);
    }

    /** Whether the payload was read. */
    public boolean loaded() {
        return payload != null;
    }

    /** This item without its payload (its size kept). */
    public QueuedItem withoutPayload() {
        return payload == null ? this : sizeOnly(payloadBytes, priority, dueAt);
    }

    /**
     * The items in their order, with the payloads a bounded peek of {@code maxPayloadBytes} and
     * {@code budgetBytes} returns (see {@link BackendMonitoring#peek(String, int, long, long)}) and the others
     * by size only. What the default bounded peek returns, after reading everything; a backend with several
     * nodes applies it to its merged list.
     */
    public static List<QueuedItem> bounded(List<QueuedItem> items, long maxPayloadBytes, long budgetBytes) {
        List<QueuedItem> out = new ArrayList<>(items.size());
        long used = 0;
        boolean spent = false;
        for (QueuedItem item : items) {
            if (!item.loaded() || item.payloadBytes() > maxPayloadBytes) {
                out.add(item.withoutPayload());
                if (!item.loaded() && item.payloadBytes() <= maxPayloadBytes) {
                    spent = true; // a node left it out for its own budget: the merged list stops there too
                }
            } else if (spent || used + item.payloadBytes() > budgetBytes) {
                spent = true;
                out.add(item.withoutPayload());
            } else {
                used += item.payloadBytes();
                out.add(item);
            }
        }
        return out;
    }
}
