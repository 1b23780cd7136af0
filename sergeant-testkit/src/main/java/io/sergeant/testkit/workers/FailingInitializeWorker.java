package io.sergeant.testkit.workers;

/** A worker whose initialize throws: the worker process exits 6. */
public class FailingInitializeWorker extends ScriptWorker {

    @Override
    public void initialize() throws Exception {
        super.initialize();
        throw new IllegalStateException("initialize fails on purpose");
    }
}
