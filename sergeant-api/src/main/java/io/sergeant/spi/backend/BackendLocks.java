package io.sergeant.spi.backend;

import java.time.Duration;
import java.util.Optional;

/**
 * The lock role: named locks with an owner token and a TTL, in Python Sergeant's layout where it has
 * one. Only the owner can release a lock or change its TTL; an expired lock is free. Every method is
 * one atomic step (no waiting: core's {@code Lock} polls {@link #lockAcquire}). Thread safe; blocking;
 * failures as described on {@link Backend}.
 *
 * @since 0.1
 */
public interface BackendLocks {

    /**
     * Takes lock {@code name} for {@code owner} if it is free or expired (one try, no waiting).
     *
     * @return whether {@code owner} now holds it
     */
    boolean lockAcquire(String name, String owner, Duration ttl);

    /** Deletes the lock only if {@code owner} holds it; true if deleted. */
    boolean lockRelease(String name, String owner);

    /**
     * Changes the TTL of the lock only if {@code owner} holds it and it has not expired; a zero TTL
     * frees the lock at once (Python Sergeant's {@code set_ttl(0)}, Redis {@code EXPIRE key 0}) and
     * returns true.
     */
    boolean lockSetTtl(String name, String owner, Duration ttl);

    /** The time left on the lock, or empty if it is free or expired. */
    Optional<Duration> lockTtl(String name);

    /** Whether the lock is held by anyone and not expired. The default asks {@link #lockTtl}. */
    default boolean lockIsLocked(String name) {
        return lockTtl(name).isPresent();
    }
}
