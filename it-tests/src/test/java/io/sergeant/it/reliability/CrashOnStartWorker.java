package io.sergeant.it.reliability;

import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;

/**
 * A worker whose {@code initialize} always fails, so its process exits at once (code 6) and a supervisor
 * respawns it: a crash loop. On the SQLite backend named by {@code sergeant.config.backend}.
 */
public class CrashOnStartWorker extends Worker {

    @Override
    public WorkerConfig config() {
        return WorkerConfig.builder("crash-loop").build();
    }

    @Override
    public void initialize() {
        throw new IllegalStateException("this worker fails at start, every time");
    }

    @Override
    public Object work(Task task) {
        return null;
    }
}
