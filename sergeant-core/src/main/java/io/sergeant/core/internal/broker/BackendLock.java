package io.sergeant.core.internal.broker;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.Lock;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.BackendLocks;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A {@link Lock} on top of a backend's lock role, with an owner token of its own. Safe to use
 * from one thread at a time.
 */
public final class BackendLock implements Lock {

    private final BackendLocks backend;
    private final String name;
    private final String owner = UUID.randomUUID().toString();

    /** A lock object for {@code name}; nothing is taken yet. */
    public BackendLock(BackendLocks backend, String name) {
        this.backend = Objects.requireNonNull(backend, "backend is null");
        this.name = Objects.requireNonNull(name, "name is null");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean acquire(Duration timeout, Duration checkInterval, Duration ttl) {
        Objects.requireNonNull(checkInterval, "checkInterval is null");
        Objects.requireNonNull(ttl, "ttl is null");
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "lock ttl " + ttl + " is under one second; use at least 1s");
        }
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        while (true) {
            if (backend.lockAcquire(name, owner, ttl)) {
                return true;
            }
            if (timeout != null && System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(Math.max(1, checkInterval.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    @Override
    public boolean release() {
        return backend.lockRelease(name, owner);
    }

    @Override
    public boolean isLocked() {
        return backend.lockIsLocked(name);
    }

    @Override
    public boolean setTtl(Duration ttl) {
        return backend.lockSetTtl(name, owner, ttl);
    }

    @Override
    public Optional<Duration> getTtl() {
        return backend.lockTtl(name);
    }

    @Override
    public void close() {
        release();
    }

    @Override
    public String toString() {
        return "Lock[" + name + "]";
    }
}
