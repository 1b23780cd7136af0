package io.sergeant.spi.execution;

/** One task under a killer's watch. Thread safe. */
public interface Watch extends TaskControl, AutoCloseable {

    /** Whether the grace period also passed and {@link Killable#kill()} was called. */
    boolean killed();

    /** Stops watching (the task ended). Idempotent. */
    @Override
    void close();
}
