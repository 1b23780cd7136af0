package io.sergeant.backend.local;

import io.sergeant.spi.backend.BackendLocks;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The lock role on Python Sergeant's table {@code locks (name, expireAt)} plus the Java-only column
 * {@code owner}; an expired lock never blocks an acquire. Thread safe.
 */
final class SqliteLocks implements BackendLocks {

    private static final String LOCK_ACQUIRE =
            "INSERT INTO locks (name, expireAt, owner) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE"
                    + " SET expireAt = excluded.expireAt, owner = excluded.owner WHERE locks.expireAt <= ?";
    private static final String LOCK_RELEASE = "DELETE FROM locks WHERE name = ? AND owner = ? AND expireAt > ?";
    private static final String LOCK_IS_LOCKED = "SELECT 1 FROM locks WHERE name = ? AND expireAt > ?";
    private static final String LOCK_SET_TTL =
            "UPDATE locks SET expireAt = ? WHERE name = ? AND owner = ? AND expireAt > ?";
    private static final String LOCK_TTL = "SELECT expireAt FROM locks WHERE name = ? AND expireAt > ?";

    private final SqliteFile file;

    SqliteLocks(SqliteFile file) {
        this.file = Objects.requireNonNull(file, "file is null");
    }

    @Override
    public boolean lockAcquire(String name, String owner, Duration ttl) {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(owner, "owner is null");
        checkTtl(ttl);
        return file.inConnection("lock acquire", connection -> {
            double now = file.now();
            PreparedStatement acquire = connection.prepare(LOCK_ACQUIRE);
            acquire.setString(1, name);
            acquire.setDouble(2, now + SqliteFile.seconds(ttl));
            acquire.setString(3, owner);
            acquire.setDouble(4, now);
            return acquire.executeUpdate() == 1;
        });
    }

    @Override
    public boolean lockRelease(String name, String owner) {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(owner, "owner is null");
        return file.inConnection("lock release", connection -> {
            PreparedStatement release = connection.prepare(LOCK_RELEASE);
            release.setString(1, name);
            release.setString(2, owner);
            release.setDouble(3, file.now());
            return release.executeUpdate() == 1;
        });
    }

    @Override
    public boolean lockIsLocked(String name) {
        Objects.requireNonNull(name, "name is null");
        return file.inConnection("lock is-locked", connection -> {
            PreparedStatement query = connection.prepare(LOCK_IS_LOCKED);
            query.setString(1, name);
            query.setDouble(2, file.now());
            try (ResultSet result = query.executeQuery()) {
                return result.next();
            }
        });
    }

    @Override
    public boolean lockSetTtl(String name, String owner, Duration ttl) {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(owner, "owner is null");
        Objects.requireNonNull(ttl, "ttl is null");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("a lock TTL must be zero (to free the lock) or positive: " + ttl);
        }
        return file.inConnection("lock set-ttl", connection -> {
            double now = file.now();
            PreparedStatement update = connection.prepare(LOCK_SET_TTL);
            // A zero TTL makes expireAt = now, which every query reads as expired: the lock is free.
            update.setDouble(1, now + SqliteFile.seconds(ttl));
            update.setString(2, name);
            update.setString(3, owner);
            update.setDouble(4, now);
            return update.executeUpdate() == 1;
        });
    }

    @Override
    public Optional<Duration> lockTtl(String name) {
        Objects.requireNonNull(name, "name is null");
        return file.inConnection("lock ttl", connection -> {
            double now = file.now();
            PreparedStatement query = connection.prepare(LOCK_TTL);
            query.setString(1, name);
            query.setDouble(2, now);
            try (ResultSet result = query.executeQuery()) {
                if (!result.next()) {
                    return Optional.empty();
                }
                // Whole seconds rounded up, as Python Sergeant's get_ttl; millisecond rounding first
                // keeps floating-point noise from adding a second.
                long millis = Math.round((result.getDouble(1) - now) * 1000.0);
                return Optional.of(Duration.ofSeconds(Math.max(1, (millis + 999) / 1000)));
            }
        });
    }

    private static void checkTtl(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl is null");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("a lock TTL must be positive: " + ttl);
        }
    }
}
