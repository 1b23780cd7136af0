package io.sergeant.testkit.workers;

import io.sergeant.api.config.WorkerConfig;

/** A worker whose configuration cannot be built: the exception escapes the runtime, exit 1. */
public class BrokenConfigWorker extends ScriptWorker {

    @Override
    public WorkerConfig config() {
        throw new IllegalStateException("config fails on purpose");
    }
}
