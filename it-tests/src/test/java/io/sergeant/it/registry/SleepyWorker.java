package io.sergeant.it.registry;

import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;

import java.time.Duration;

/**
 * A worker whose tasks sleep {@code seconds}: it holds a task "running" long enough for the worker
 * registry to show it. Queue {@code registry-e2e}; the backend comes from {@code sergeant.config.backend}.
 */
public final class SleepyWorker extends Worker {

    /** The queue this worker consumes. */
    public static final String QUEUE = "registry-e2e";

    /** For WorkerMain. */
    public SleepyWorker() {
    }

    @Override
    public WorkerConfig config() {
        return WorkerConfig.builder(QUEUE).pollInterval(Duration.ofMillis(50)).build();
    }

    @Override
    public Object work(Task task) throws Exception {
        Thread.sleep(Duration.ofSeconds(((Number) task.kwargs().get("seconds")).longValue()).toMillis());
        return null;
    }
}
