package io.sergeant.spi.execution;

import io.sergeant.api.Task;

import java.util.concurrent.CompletableFuture;

/**
 * Runs tasks concurrently, up to {@link #concurrency()} at once, each through the context's
 * {@link TaskRunner} under the killer's watch. Thread safe.
 */
public interface TaskExecutor extends AutoCloseable {

    /** How many tasks may run at once. */
    int concurrency();

    /**
     * Starts a task; the future always completes normally with its {@link TaskResult} (a task that
     * had to be killed completes with the result of {@link TaskRunner#reportKilled}). The caller keeps
     * at most {@link #concurrency()} tasks outstanding; more may block or be rejected.
     */
    CompletableFuture<TaskResult> submit(Task task);

    /**
     * Whether the executor can no longer guarantee a healthy process (a thread ignored its interrupt
     * past the grace period): the worker must stop fetching, settle what it has and exit asking to be
     * respawned.
     */
    boolean respawnRequested();

    /** Waits for running tasks, then frees threads or child processes. Idempotent. */
    @Override
    void close();
}
