package io.sergeant.api.config;

import java.util.Locale;

/** How tasks are handed to workers: the configuration key {@code delivery.mode}, {@link #AT_LEAST_ONCE} by default. */
public enum DeliveryMode {
    /**
     * A pop leases the task; the worker acknowledges it after its outcome handler ran; an expired
     * lease (a dead worker) makes it deliverable again; after {@code maxDeliveries} it becomes a dead
     * letter. A task may run more than once, never zero times. The default.
     */
    AT_LEAST_ONCE,
    /** Python Sergeant's behaviour: a pop deletes. Fastest; a crash loses the tasks in hand. */
    AT_MOST_ONCE;

    /** The configuration spelling, {@code at-least-once} or {@code at-most-once}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses {@code at-least-once} / {@code at-most-once} (case and {@code _}/{@code -} insensitive).
     *
     * @throws IllegalArgumentException naming the value and the accepted spellings
     */
    public static DeliveryMode parse(String value) {
        String normalized = value == null ? "" : value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (DeliveryMode mode : values()) {
            if (mode.name().equals(normalized)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown delivery mode '" + value + "'; known: at-least-once, at-most-once");
    }
}
