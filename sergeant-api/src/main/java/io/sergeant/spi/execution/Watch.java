package io.sergeant.spi.execution;

/**
 * One task under a killer's watch, from {@link Killer#watch} until {@link #close()}. {@link #timedOut()}
 * turns true when the timeout passed and the killer called {@link Killable#interrupt()}, {@link #killed()}
 * when the grace period passed too and it called {@link Killable#kill()}; once true, each stays true,
 * also after {@code close()}. Thread safe.
 */
public interface Watch extends TaskControl, AutoCloseable {

    /** Whether the grace period also passed and {@link Killable#kill()} was called. */
    boolean killed();

    /** Stops watching (the task ended). Idempotent. */
    @Override
    void close();
}
