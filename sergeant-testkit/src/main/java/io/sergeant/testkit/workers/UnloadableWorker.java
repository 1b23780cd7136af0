package io.sergeant.testkit.workers;

/** A worker class whose static initializer throws: it cannot be loaded (exit 7, as an import error). */
public class UnloadableWorker extends ScriptWorker {

    private static final int BROKEN = broken();

    private static int broken() {
        throw new IllegalStateException("static initializer fails on purpose");
    }

    /** Never reached: loading the class fails first. */
    public UnloadableWorker() {
        super();
        if (BROKEN != 0) {
            throw new IllegalStateException("unreachable");
        }
    }
}
