package io.sergeant.executor.process;

import io.sergeant.api.Task;
import io.sergeant.api.config.Timeouts;
import io.sergeant.spi.execution.Outcome;
import io.sergeant.spi.execution.TaskResult;
import io.sergeant.spi.execution.TaskRunner;

import java.lang.System.Logger.Level;

/**
 * The result of a task as the parent sees it: the outcome a child reported, a task whose child died
 * on its own ({@link Outcome#LOST}), and a task that never ran to its end because its child was killed or
 * none could run it ({@link TaskRunner#reportKilled}, which runs the worker's handler in the parent).
 * Stateless.
 */
final class TaskResults {

    private static final System.Logger LOG = System.getLogger(TaskResults.class.getName());

    private TaskResults() {
    }

    /** The result a child sent for a task; an outcome this parent does not know is a failure. */
    static TaskResult reported(Task task, Frames.ResultPayload payload) {
        try {
            return new TaskResult(task, Outcome.valueOf(payload.outcome()), payload.error());
        } catch (IllegalArgumentException e) {
            return new TaskResult(task, Outcome.FAILURE,
                    "IllegalStateException: the child reported an unknown outcome '" + payload.outcome() + "'");
        }
    }

    /** A task whose child died on its own: the delivery is lost, not failed, and core hands it back to run again. */
    static TaskResult lost(Task task, ChildProcess child, int status, String failure) {
        String reason = "child process (pid " + child.pid + ") died while running the task: exit " + status
                + (failure == null ? "" : " (" + failure + ")");
        LOG.log(Level.ERROR, reason + "; the delivery counts as lost");
        return new TaskResult(task, Outcome.LOST, reason);
    }

    /** A task whose child the killer killed past its timeout and grace period, reported to the runner. */
    static TaskResult killed(TaskRunner runner, Task task, Timeouts timeouts, ChildProcess child) {
        String reason = "task exceeded its timeout of " + timeouts.timeout() + " and grace period of "
                + timeouts.gracePeriod() + "; its child process (pid " + child.pid + ") was killed";
        LOG.log(Level.WARNING, reason);
        return notRun(runner, task, true, reason);
    }

    /**
     * A task that did not run to its end, as the runner reports it; a timeout or failure with the reason
     * when the runner returns nothing or throws.
     */
    static TaskResult notRun(TaskRunner runner, Task task, boolean timedOut, String reason) {
        try {
            TaskResult result = runner.reportKilled(task, timedOut, reason);
            if (result != null) {
                return result;
            }
            return new TaskResult(task, timedOut ? Outcome.TIMEOUT : Outcome.FAILURE, reason);
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "reporting a killed task failed: " + e, e);
            return new TaskResult(task, timedOut ? Outcome.TIMEOUT : Outcome.FAILURE, reason);
        }
    }
}
