package io.sergeant.spi.execution;

/**
 * Enforces task timeouts: at the timeout it asks the watched target to stop the task
 * ({@link Killable#interrupt()}); past the grace period it calls {@link Killable#kill()}.
 * Thread safe; one killer serves every task of an executor.
 */
public interface Killer extends AutoCloseable {

    /** Starts watching a task that begins now; close the returned watch when the task ends. */
    Watch watch(Killable target);

    /** Stops watching everything and frees the killer's thread. Idempotent. */
    @Override
    void close();
}
