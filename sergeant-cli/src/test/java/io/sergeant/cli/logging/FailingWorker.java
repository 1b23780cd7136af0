package io.sergeant.cli.logging;

import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;

import java.util.function.Function;

/** A worker for the logging tests whose every task fails with the exception {@code failure} makes for it. */
public final class FailingWorker extends Worker {

    private final WorkerConfig config;
    private final Function<Task, RuntimeException> failure;

    FailingWorker(WorkerConfig config, Function<Task, RuntimeException> failure) {
        this.config = config;
        this.failure = failure;
    }

    @Override
    public WorkerConfig config() {
        return config;
    }

    @Override
    public Object work(Task task) {
        throw failure.apply(task);
    }
}
