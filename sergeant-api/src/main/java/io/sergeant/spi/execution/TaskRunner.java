package io.sergeant.spi.execution;

import io.sergeant.api.Task;
import io.sergeant.spi.Experimental;

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

    /**
     * Runs {@code tasks} on the calling thread, which calls {@link #run} for several tasks one after
     * another inside it (an executor thread taking a batch's tasks). Thread-bound state the runner sets
     * for each task, such as the logging MDC's {@code queue} entry, may then stay set between those tasks
     * and be cleared once when {@code tasks} returns, instead of being set and cleared around each task;
     * every task still starts with that state as {@link #run} alone would give it. The code run between
     * two tasks inside {@code tasks} may see it. Calls {@code tasks} exactly once and lets what it throws
     * through; nested calls simply run {@code tasks}. The default just runs {@code tasks}.
     *
     * @since 0.2
     */
    @Experimental("a performance hook, new in 0.2")
    default void runSeveral(Runnable tasks) {
        tasks.run();
    }
}
