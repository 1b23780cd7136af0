package io.sergeant.spi.execution;

import io.sergeant.api.Task;

import java.time.Duration;

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

    /**
     * Reports a task that ran to its end in another process (a child JVM, which has no listeners), so
     * this process's listeners count and time it like a run of its own: {@code result} as the other
     * process returned it, {@code duration} from just before {@code preWork} to after the outcome handler
     * there. Runs no hook or handler (they ran there); never throws. A task reported through
     * {@link #reportKilled} must not be reported here too. The default does nothing.
     *
     * @since 0.1
     */
    default void reportRan(TaskResult result, Duration duration) {
    }
}
