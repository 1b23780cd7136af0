package io.sergeant.it.pickup;

import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;

import java.util.Objects;
import java.util.function.Consumer;

/** The pickup tests' worker: runs {@code onTask} for each task (on an executor thread) and returns nothing. */
final class TaskRecorder extends Worker {

    private final WorkerConfig config;
    private final Consumer<Task> onTask;

    TaskRecorder(WorkerConfig config, Consumer<Task> onTask) {
        this.config = Objects.requireNonNull(config, "config is null");
        this.onTask = Objects.requireNonNull(onTask, "onTask is null");
    }

    @Override
    public WorkerConfig config() {
        return config;
    }

    @Override
    public Object work(Task task) {
        onTask.accept(task);
        return null;
    }
}
