package io.sergeant.api.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Delivery guarantees of a worker.
 *
 * @param mode          at-least-once (default) or at-most-once
 * @param lease         how long a popped task stays leased before it becomes deliverable again;
 *                      running tasks have their lease extended, so this bounds the redelivery delay
 *                      after a worker dies, not the task's run time
 * @param maxDeliveries after this many deliveries without an ack the task becomes a dead letter
 * @param reapInterval  how often a worker makes expired leases deliverable again
 * @param prefetch      at-most-once only: whether the worker may pop the next batch while it still
 *                      holds tasks of the previous one (faster; a crash then loses up to two batches).
 *                      Off by default: as in Python Sergeant, a worker holds at most one batch
 *                      ({@code max(concurrency, tasksPerTransaction)} tasks). At-least-once always
 *                      prefetches: held tasks are leased, so a crash loses none.
 */
public record DeliveryConfig(DeliveryMode mode, Duration lease, int maxDeliveries, Duration reapInterval,
                             boolean prefetch) {

    /** at-least-once, 30 s lease, 5 deliveries, reaping every 2 s. */
    public static final DeliveryConfig DEFAULT =
            new DeliveryConfig(DeliveryMode.AT_LEAST_ONCE, Duration.ofSeconds(30), 5, Duration.ofSeconds(2), false);

    /** A configuration without prefetch. */
    public DeliveryConfig(DeliveryMode mode, Duration lease, int maxDeliveries, Duration reapInterval) {
        this(mode, lease, maxDeliveries, reapInterval, false);
    }

    /** Checks that no part is null; ranges are checked by the configuration validator. */
    public DeliveryConfig {
        Objects.requireNonNull(mode, "mode is null");
        Objects.requireNonNull(lease, "lease is null");
        Objects.requireNonNull(reapInterval, "reapInterval is null");
    }

    /** This configuration with another mode. */
    public DeliveryConfig withMode(DeliveryMode newMode) {
        return new DeliveryConfig(newMode, lease, maxDeliveries, reapInterval, prefetch);
    }

    /** This configuration with another lease time. */
    public DeliveryConfig withLease(Duration newLease) {
        return new DeliveryConfig(mode, newLease, maxDeliveries, reapInterval, prefetch);
    }

    /** This configuration with another maximum number of deliveries. */
    public DeliveryConfig withMaxDeliveries(int newMaxDeliveries) {
        return new DeliveryConfig(mode, lease, newMaxDeliveries, reapInterval, prefetch);
    }

    /** This configuration with another reap interval. */
    public DeliveryConfig withReapInterval(Duration newReapInterval) {
        return new DeliveryConfig(mode, lease, maxDeliveries, newReapInterval, prefetch);
    }

    /** This configuration with prefetch on or off (at-most-once only; see {@link #prefetch()}). */
    public DeliveryConfig withPrefetch(boolean newPrefetch) {
        return new DeliveryConfig(mode, lease, maxDeliveries, reapInterval, newPrefetch);
    }
}
