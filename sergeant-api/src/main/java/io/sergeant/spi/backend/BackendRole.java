package io.sergeant.spi.backend;

/**
 * The roles a {@link Backend} can play, each with the interface that defines it. Only the queue is
 * mandatory; core names the missing role in its error when a configuration needs one.
 *
 * @since 0.1
 */
public enum BackendRole {
    /** Push, pop, length, purge: {@link Backend} itself. Enough for at-most-once delivery. */
    QUEUE("queue", Backend.class, "every backend"),
    /** Leases and receipts: ack, extend, release, reap. */
    LEASES("lease", BackendLeases.class, "delivery mode at-least-once"),
    /** Dead letters: store, list, requeue, purge. */
    DEAD_LETTERS("dead-letter", BackendDeadLetters.class,
            "delivery mode at-least-once (tasks past maxDeliveries) and the dead-letters command"),
    /** Keys: set, get, delete. */
    KEYS("key", BackendKeys.class, "Broker.setKey/getKey/deleteKey"),
    /** Locks with owners and TTLs. */
    LOCKS("lock", BackendLocks.class, "Broker.lock and Worker.lock"),
    /** Queue listing and the worker registry, for the dashboard, metrics and the workers command. */
    MONITORING("monitoring", BackendMonitoring.class, "the workers command, queue listing and worker heartbeats");

    private final String label;
    private final Class<?> type;
    private final String neededBy;

    BackendRole(String label, Class<?> type, String neededBy) {
        this.label = label;
        this.type = type;
        this.neededBy = neededBy;
    }

    /** The role's name in messages (for example {@code lease}). */
    public String label() {
        return label;
    }

    /** The interface that defines the role. */
    public Class<?> type() {
        return type;
    }

    /** What needs the role, in words, for error messages. */
    public String neededBy() {
        return neededBy;
    }
}
