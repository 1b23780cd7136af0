package io.sergeant.spi.backend;

/**
 * What one {@link BackendLeases#reap} call did.
 *
 * @param redelivered  expired leases made deliverable again
 * @param deadLettered expired leases moved to the dead letters because they reached {@code maxDeliveries}
 */
public record ReapResult(int redelivered, int deadLettered) {

    /** Nothing was expired. */
    public static final ReapResult NONE = new ReapResult(0, 0);
}
