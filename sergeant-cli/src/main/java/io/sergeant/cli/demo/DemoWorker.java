package io.sergeant.cli.demo;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The worker of {@code sergeant demo}: each task carries an {@code id} (an integer), and running it
 * appends that id to this process's {@link ExecutionLog} in the directory named by the system property
 * {@value #DIRECTORY_PROPERTY}. Nothing else happens, so the demo measures the queue, not the work.
 *
 * <p>Its configuration batches 100 tasks per pop and polls every 100 ms; the demo overrides backend,
 * batch, threads and delivery mode with {@code sergeant.config.*} system properties. Thread safe:
 * {@code work} may run on several executor threads.
 */
public final class DemoWorker extends Worker {

    /** The queue of the demo. */
    public static final String QUEUE = "sergeant-demo";

    /** The system property naming the directory of the execution logs. */
    public static final String DIRECTORY_PROPERTY = "sergeant.demo.dir";

    /** The kwargs key holding a task's id. */
    public static final String ID = "id";

    private volatile ExecutionLog log;

    /** A demo worker; its log is opened in {@link #initialize()}. */
    public DemoWorker() {
    }

    @Override
    public WorkerConfig config() {
        return WorkerConfig.builder(QUEUE)
                .tasksPerTransaction(100)
                .pollInterval(Duration.ofMillis(100))
                .build();
    }

    /**
     * Opens this process's execution log.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} when {@value #DIRECTORY_PROPERTY} is not set
     */
    @Override
    public void initialize() {
        String directory = System.getProperty(DIRECTORY_PROPERTY);
        if (directory == null || directory.isBlank()) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "system property " + DIRECTORY_PROPERTY
                    + " is not set; the demo worker needs a directory for its execution log (run it through sergeant demo)");
        }
        log = ExecutionLog.create(Path.of(directory));
    }

    /** Records the task's id; fails for a task without an integer {@code id}. */
    @Override
    public Object work(Task task) {
        Object id = task.kwargs().get(ID);
        if (!(id instanceof Long || id instanceof Integer || id instanceof Short || id instanceof Byte)) {
            throw new IllegalArgumentException("a demo task needs an integer '" + ID + "' in its kwargs, got " + task.kwargs());
        }
        log.record(((Number) id).longValue());
        return null;
    }

    @Override
    public void finalizeWorker() {
        ExecutionLog opened = log;
        if (opened != null) {
            opened.close();
        }
    }
}
