package io.sergeant.spi.execution;

import io.sergeant.api.Task;

/**
 * Runs a task's lifecycle on the calling thread: {@code preWork}, {@code work}, {@code postWork} and
 * the outcome handler, as Python Sergeant does (docs/python-compat.md §5.3). Implemented by core; thread safe.
 */
public interface TaskRunner {

    /**
     * Runs the task. {@code control} tells the runner, once {@code work} ended, whether the killer
     * fired, which makes the outcome a timeout whatever {@code work} did.
     */
    TaskResult run(Task task, TaskControl control);

    /**
     * Reports a task whose execution was killed by force (its child process died or was killed):
     * runs {@code postWork} and {@code onTimeout} (or {@code onFailure} when {@code timedOut} is
     * false) in the calling process, with retry and requeue allowed as for any timeout.
     */
    TaskResult reportKilled(Task task, boolean timedOut, String reason);
}
