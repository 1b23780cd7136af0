package io.sergeant.api;

/**
 * Priority of an immediate task. A {@code HIGH} task is delivered before any {@code NORMAL} task of
 * the same queue on the same node; a delayed task (one with a future {@code consumableFrom}) has no
 * priority, as in Python Sergeant.
 */
public enum Priority {
    /** Delivered before NORMAL tasks. */
    HIGH,
    /** The default. */
    NORMAL;

    /**
     * Parses a priority the way Python Sergeant does: only the exact string {@code "HIGH"} (here
     * case-insensitive) is special, any other value, including null, is {@link #NORMAL}.
     */
    public static Priority parse(String value) {
        return value != null && value.equalsIgnoreCase("HIGH") ? HIGH : NORMAL;
    }
}
