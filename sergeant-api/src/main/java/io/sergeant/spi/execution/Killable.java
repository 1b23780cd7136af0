package io.sergeant.spi.execution;

/** What a {@link Killer} can do to a running task. Implementations must be safe to call from the killer's thread. */
public interface Killable {

    /** Asks the task to stop (the thread is interrupted, or a child is told to interrupt it). */
    void interrupt();

    /** Stops it by force (a child process is killed), or marks the worker for respawn when that is impossible. */
    void kill();
}
