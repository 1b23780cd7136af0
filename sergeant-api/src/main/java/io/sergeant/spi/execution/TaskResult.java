package io.sergeant.spi.execution;

import io.sergeant.api.Task;

import java.util.Objects;

/**
 * The result of one task's run.
 *
 * @param task    the task
 * @param outcome how it ended
 * @param error   a description of the exception for FAILURE and TIMEOUT ({@code Type: message}), or null
 */
public record TaskResult(Task task, Outcome outcome, String error) {

    /** Checks that task and outcome are present. */
    public TaskResult {
        Objects.requireNonNull(task, "task is null");
        Objects.requireNonNull(outcome, "outcome is null");
    }
}
