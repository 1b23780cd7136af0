package io.sergeant.executor.process.workers;

/** A worker whose constructor throws: the class exists but cannot be instantiated, exit 7. */
public class UnbuildableWorker extends ScriptWorker {

    /** Always throws. */
    public UnbuildableWorker() {
        throw new IllegalStateException("constructor fails on purpose");
    }
}
