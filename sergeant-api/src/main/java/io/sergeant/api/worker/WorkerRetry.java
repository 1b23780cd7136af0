package io.sergeant.api.worker;

import io.sergeant.api.Task;

import java.util.Optional;

/**
 * Thrown by {@code retry}: the task was pushed again with {@code runCount + 1}; the runtime calls
 * {@code postWork} (when thrown from {@code work}) and {@code onRetry} with the task as pushed, so
 * they see the incremented run count, as Python Sergeant's handlers do (its {@code retry} increments
 * the task in place).
 */
public class WorkerRetry extends WorkerSignal {

    private final transient Task retriedTask;

    /** A signal with this message that does not name the pushed task. */
    public WorkerRetry(String message) {
        this(message, null);
    }

    /**
     * A signal with this message.
     *
     * @param retriedTask the task as it was pushed again (run count incremented), or null when unknown
     */
    public WorkerRetry(String message, Task retriedTask) {
        super(message);
        this.retriedTask = retriedTask;
    }

    /** The task as it was pushed again, with its run count incremented; empty when the thrower did not say. */
    public Optional<Task> retriedTask() {
        return Optional.ofNullable(retriedTask);
    }
}
