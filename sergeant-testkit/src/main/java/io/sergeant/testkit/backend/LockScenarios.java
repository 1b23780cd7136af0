package io.sergeant.testkit.backend;

import io.sergeant.spi.backend.BackendRole;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lock role ({@link io.sergeant.spi.backend.BackendLocks}).
 *
 * <p>Run as a {@code @Nested} class of {@link BackendCompatibilitySuite}; see {@link RoleScenarios}.
 */
abstract class LockScenarios extends RoleScenarios {

    LockScenarios(BackendCompatibilitySuite suite) {
        super(suite);
    }

    @BeforeEach
    void requireTheRole() {
        assumeRoles(BackendRole.LOCKS);
    }

    @Test
    @DisplayName("a lock is held by one owner at a time and released only by its owner")
    void lockAcquireAndRelease() {
        String lock = name("lock");
        assertThat(locks.lockIsLocked(lock)).isFalse();
        assertThat(locks.lockTtl(lock)).isEmpty();
        assertThat(locks.lockAcquire(lock, "alice", Duration.ofSeconds(60))).isTrue();
        assertThat(locks.lockIsLocked(lock)).isTrue();
        assertThat(locks.lockAcquire(lock, "bob", Duration.ofSeconds(60))).as("second owner").isFalse();

        assertThat(locks.lockRelease(lock, "bob")).as("release by a non-owner").isFalse();
        assertThat(locks.lockIsLocked(lock)).isTrue();
        assertThat(locks.lockRelease(lock, "alice")).isTrue();
        assertThat(locks.lockIsLocked(lock)).isFalse();
        assertThat(locks.lockRelease(lock, "alice")).as("second release").isFalse();

        assertThat(locks.lockAcquire(lock, "bob", Duration.ofSeconds(60))).as("free again").isTrue();
        assertThat(locks.lockRelease(lock, "bob")).isTrue();
    }

    @Test
    @DisplayName("lockTtl reports whole seconds rounded up; lockSetTtl works only for the owner")
    void lockTtl() {
        String lock = name("lock");
        assertThat(locks.lockSetTtl(lock, "alice", Duration.ofSeconds(10))).as("set TTL of a free lock").isFalse();
        assertThat(locks.lockAcquire(lock, "alice", Duration.ofSeconds(10))).isTrue();

        Optional<Duration> ttl = locks.lockTtl(lock);
        assertThat(ttl).isPresent();
        assertThat(ttl.get().toNanos() % 1_000_000_000L).as("whole seconds: " + ttl.get()).isZero();
        assertThat(ttl.get()).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(10));

        assertThat(locks.lockSetTtl(lock, "bob", Duration.ofSeconds(100))).as("set TTL by a non-owner").isFalse();
        assertThat(locks.lockTtl(lock).orElseThrow()).isLessThanOrEqualTo(Duration.ofSeconds(10));
        assertThat(locks.lockSetTtl(lock, "alice", Duration.ofSeconds(100))).isTrue();
        assertThat(locks.lockTtl(lock).orElseThrow()).isBetween(Duration.ofSeconds(90), Duration.ofSeconds(100));
        assertThat(locks.lockSetTtl(lock, "alice", Duration.ofSeconds(5))).as("shortening").isTrue();
        assertThat(locks.lockTtl(lock).orElseThrow()).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(5));
        assertThat(locks.lockRelease(lock, "alice")).isTrue();
        assertThat(locks.lockTtl(lock)).isEmpty();
    }

    @Test
    @DisplayName("an expired lock never blocks acquire, and its old owner can no longer touch it")
    void expiredLockDoesNotBlock() {
        String lock = name("lock");
        assertThat(locks.lockAcquire(lock, "alice", Duration.ofSeconds(1))).isTrue();
        await("the lock to expire", () -> locks.lockIsLocked(lock), locked -> !locked);
        assertThat(locks.lockTtl(lock)).isEmpty();
        assertThat(locks.lockSetTtl(lock, "alice", Duration.ofSeconds(60))).as("set TTL of an expired lock").isFalse();

        assertThat(locks.lockAcquire(lock, "bob", Duration.ofSeconds(60))).as("acquire over an expired lock").isTrue();
        assertThat(locks.lockRelease(lock, "alice")).as("release by the expired owner").isFalse();
        assertThat(locks.lockIsLocked(lock)).isTrue();
        assertThat(locks.lockRelease(lock, "bob")).isTrue();
    }

    @Test
    @DisplayName("lockSetTtl(0) frees the lock at once, as Python's set_ttl(0)")
    void zeroTtlFreesTheLock() {
        String lock = name("lock");
        assertThat(locks.lockSetTtl(lock, "alice", Duration.ZERO)).as("set TTL 0 of a free lock").isFalse();
        assertThat(locks.lockAcquire(lock, "alice", Duration.ofSeconds(60))).isTrue();
        assertThat(locks.lockSetTtl(lock, "bob", Duration.ZERO)).as("set TTL 0 by a non-owner").isFalse();
        assertThat(locks.lockIsLocked(lock)).isTrue();

        assertThat(locks.lockSetTtl(lock, "alice", Duration.ZERO)).as("set TTL 0 by the owner").isTrue();
        assertThat(locks.lockIsLocked(lock)).isFalse();
        assertThat(locks.lockTtl(lock)).isEmpty();
        assertThat(locks.lockAcquire(lock, "bob", Duration.ofSeconds(60))).as("free for another owner").isTrue();
        assertThat(locks.lockRelease(lock, "bob")).isTrue();
    }

    @Test
    @DisplayName("locks of different names are independent")
    void locksAreIndependent() {
        String a = name("lock-a");
        String b = name("lock-b");
        assertThat(locks.lockAcquire(a, "alice", Duration.ofSeconds(60))).isTrue();
        assertThat(locks.lockIsLocked(b)).isFalse();
        assertThat(locks.lockAcquire(b, "bob", Duration.ofSeconds(60))).isTrue();
        assertThat(locks.lockRelease(a, "alice")).isTrue();
        assertThat(locks.lockIsLocked(b)).isTrue();
        assertThat(locks.lockRelease(b, "bob")).isTrue();
    }
}
