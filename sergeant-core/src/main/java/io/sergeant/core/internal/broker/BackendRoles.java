package io.sergeant.core.internal.broker;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.spi.backend.BackendKeys;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendLocks;
import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.backend.BackendRole;

import java.util.Optional;

/**
 * Where core asks a backend for an optional SPI role. A missing role fails with
 * {@link ErrorCode#BACKEND_ROLE_MISSING}, naming the role, its interface, the backend and what to do,
 * instead of a {@code NullPointerException} or an {@code UnsupportedOperationException} deep in a
 * worker.
 */
public final class BackendRoles {

    private BackendRoles() {
    }

    /** The lease role, or the error saying {@code purpose} needs it. */
    public static BackendLeases leases(Backend backend, String purpose) {
        return require(backend, backend.leaseRole(), BackendRole.LEASES, purpose,
                "configure delivery.mode=at-most-once, or use a backend that implements the lease role (local, redis, mongo)");
    }

    /** The dead-letter role, or the error saying {@code purpose} needs it. */
    public static BackendDeadLetters deadLetters(Backend backend, String purpose) {
        return require(backend, backend.deadLetterRole(), BackendRole.DEAD_LETTERS, purpose,
                "use a backend that implements the dead-letter role (local, redis, mongo)");
    }

    /** The key role, or the error saying {@code purpose} needs it. */
    public static BackendKeys keys(Backend backend, String purpose) {
        return require(backend, backend.keyRole(), BackendRole.KEYS, purpose,
                "use a backend that implements the key role (local, redis, mongo)");
    }

    /** The lock role, or the error saying {@code purpose} needs it. */
    public static BackendLocks locks(Backend backend, String purpose) {
        return require(backend, backend.lockRole(), BackendRole.LOCKS, purpose,
                "use a backend that implements the lock role (local, redis, mongo)");
    }

    /** The monitoring role, or the error saying {@code purpose} needs it. */
    public static BackendMonitoring monitoring(Backend backend, String purpose) {
        return require(backend, backend.monitoringRole(), BackendRole.MONITORING, purpose,
                "use a backend that implements the monitoring role (local, redis, mongo)");
    }

    /** The error for a backend that lacks {@code role}, which {@code purpose} needs. */
    public static SergeantException missing(Backend backend, BackendRole role, String purpose, String remedy) {
        return new SergeantException(ErrorCode.BACKEND_ROLE_MISSING, purpose + " needs the " + role.label()
                + " role (" + role.type().getName() + "), and backend " + backend
                + " does not play it (its roles: " + backend.roles() + "); " + remedy);
    }

    private static <T> T require(Backend backend, Optional<T> role, BackendRole which, String purpose, String remedy) {
        return role.orElseThrow(() -> missing(backend, which, purpose, remedy));
    }
}
