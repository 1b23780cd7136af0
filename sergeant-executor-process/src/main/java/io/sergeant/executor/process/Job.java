package io.sergeant.executor.process;

import io.sergeant.api.Task;
import io.sergeant.spi.execution.TaskResult;
import io.sergeant.spi.execution.Watch;

import java.util.concurrent.CompletableFuture;

/**
 * One submitted task on its way through the executor. Fields are guarded by the child's monitor it runs on,
 * except the volatile flags.
 */
final class Job {

    final Task task;
    final byte[] payload;
    final CompletableFuture<TaskResult> future = new CompletableFuture<>();
    long sequence;
    Watch watch;
    /** {@link System#nanoTime()} when the task was sent to its child. */
    long sent;
    /** Whether the killer killed the child for this task. */
    volatile boolean killed;
    /** Whether the task's frame was written whole to its child (it may have started). */
    volatile boolean delivered;

    Job(Task task, byte[] payload) {
        this.task = task;
        this.payload = payload;
    }
}
