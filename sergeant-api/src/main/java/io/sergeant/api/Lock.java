package io.sergeant.api;

import java.time.Duration;
import java.util.Optional;

/**
 * A distributed lock held in the backend, named, with a time to live. Each {@code Lock} object has
 * its own owner token: {@link #release()} and {@link #setTtl(Duration)} only act on the lock while
 * this object owns it, so an expired lock that someone else acquired since is never released by
 * mistake (a fix over Python Sergeant). An expired lock never blocks {@link #acquire}.
 *
 * <p>A {@code Lock} object is safe to use from one thread at a time. {@link #close()} releases it,
 * so it can be used in try-with-resources. Backend failures are thrown as {@link SergeantException}.
 */
public interface Lock extends AutoCloseable {

    /** The lock's name, as given to {@link Broker#lock(String)}. */
    String name();

    /**
     * Tries to take the lock until {@code timeout} has passed ({@code null} waits forever,
     * {@link Duration#ZERO} tries once), sleeping {@code checkInterval} between tries.
     *
     * @param ttl how long the lock stays taken unless released or extended; at least one second
     * @return whether this object now owns the lock
     * @throws SergeantException when the backend fails
     */
    boolean acquire(Duration timeout, Duration checkInterval, Duration ttl);

    /** {@link #acquire(Duration, Duration, Duration)} with a one-second check interval and a 60 s TTL. */
    default boolean acquire(Duration timeout) {
        return acquire(timeout, Duration.ofSeconds(1), Duration.ofSeconds(60));
    }

    /** Releases the lock if this object owns it; returns whether a lock was deleted. */
    boolean release();

    /** Whether the lock is currently held by anyone (and not expired). */
    boolean isLocked();

    /**
     * Changes the TTL of the lock this object owns; false if it does not own it any more. A zero TTL
     * frees the lock at once, as Python's {@code set_ttl(0)} (every backend, held by the compatibility suite).
     */
    boolean setTtl(Duration ttl);

    /** The time left on the lock (whole seconds, rounded up), or empty when unlocked or expired. */
    Optional<Duration> getTtl();

    /** Releases the lock if this object owns it. Never throws for a lock already released. */
    @Override
    void close();
}
