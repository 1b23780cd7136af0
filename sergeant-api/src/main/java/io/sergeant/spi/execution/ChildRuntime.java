package io.sergeant.spi.execution;

/** A worker hosted in a child process. Thread safe. */
public interface ChildRuntime extends AutoCloseable {

    /** Runs tasks in this process. */
    TaskRunner runner();

    /** Decodes tasks sent by the parent and encodes any sent back. */
    TaskCodec codec();

    /** Runs the worker's {@code finalizeWorker} and closes its broker. Idempotent. */
    @Override
    void close();
}
