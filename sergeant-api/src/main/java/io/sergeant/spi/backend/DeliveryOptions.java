package io.sergeant.spi.backend;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link Backend#pop} hands out tasks.
 *
 * @param leased        true for at-least-once (lease), false for at-most-once (delete)
 * @param lease         the lease time; ignored when not leased
 * @param maxDeliveries a task whose delivery count would exceed this is dead-lettered instead of delivered
 */
public record DeliveryOptions(boolean leased, Duration lease, int maxDeliveries) {

    /** At-most-once. */
    public static final DeliveryOptions AT_MOST_ONCE = new DeliveryOptions(false, Duration.ZERO, Integer.MAX_VALUE);

    /** Checks the lease time. */
    public DeliveryOptions {
        Objects.requireNonNull(lease, "lease is null");
        if (leased && (lease.isZero() || lease.isNegative())) {
            throw new IllegalArgumentException("a lease must be positive: " + lease);
        }
        if (maxDeliveries <= 0) {
            throw new IllegalArgumentException("maxDeliveries must be positive: " + maxDeliveries);
        }
    }

    /** At-least-once with this lease and maximum number of deliveries. */
    public static DeliveryOptions leased(Duration lease, int maxDeliveries) {
        return new DeliveryOptions(true, lease, maxDeliveries);
    }
}
