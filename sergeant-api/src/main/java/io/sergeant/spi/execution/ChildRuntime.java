package io.sergeant.spi.execution;

/**
 * A worker hosted in a child process, as {@link ChildRuntimeProvider#open} returns it: the worker class
 * instantiated, bound to a broker of its own, its {@code initialize} run. The child decodes each task
 * the parent sends with {@link #codec()} and runs it with {@link #runner()}; both return the same
 * objects for the life of the runtime. {@link #close()} ends it: no task is run after it. Thread safe.
 */
public interface ChildRuntime extends AutoCloseable {

    /** Runs tasks in this process. */
    TaskRunner runner();

    /** Decodes tasks sent by the parent and encodes any sent back. */
    TaskCodec codec();

    /** Runs the worker's {@code finalizeWorker} and closes its broker. Idempotent. */
    @Override
    void close();
}
