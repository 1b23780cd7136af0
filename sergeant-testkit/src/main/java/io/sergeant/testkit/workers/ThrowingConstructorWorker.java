package io.sergeant.testkit.workers;

/** A worker whose constructor throws: an abnormal exit (1) that the supervisor respawns. */
public class ThrowingConstructorWorker extends ScriptWorker {

    /** Always throws. */
    public ThrowingConstructorWorker() {
        throw new IllegalStateException("constructor fails on purpose");
    }
}
