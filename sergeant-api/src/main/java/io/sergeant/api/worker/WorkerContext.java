package io.sergeant.api.worker;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the runtime provides to a {@link Worker}: the implementation of its actions. The core runtime
 * binds one to each worker instance with {@link Worker#bind(WorkerContext)}; user code never
 * implements it (tests may). Implementations are thread safe: actions are called from task threads.
 */
public interface WorkerContext {

    /**
     * The effective configuration of the worker: its {@link Worker#config()} with every override
     * (command line, properties file, system properties, supervisor settings) applied and validated.
     */
    WorkerConfig config();

    /** The broker the worker uses. */
    Broker broker();

    /**
     * Pushes tasks built from kwargs with these options; the trace id is inherited when not given.
     *
     * @return {@code true} once the backend acknowledged the write (see {@link Broker#pushTasks})
     */
    boolean push(List<Map<String, Object>> kwargsList, PushOptions options);

    /**
     * Pushes {@code task} (already with its run count) to the worker's own queue, for retry and requeue.
     * Checks {@link #requireActionAllowed(String)} first.
     *
     * @throws io.sergeant.api.SergeantException with {@code ILLEGAL_ACTION} where the action is not allowed
     */
    void repush(Task task, Priority priority, Instant consumableFrom, String action);

    /**
     * Checks that {@code action} ({@code retry} or {@code requeue}) may be called from the code running
     * on this thread: allowed in {@code work}, {@code onFailure} and {@code onTimeout}.
     *
     * @throws io.sergeant.api.SergeantException with {@code ILLEGAL_ACTION} naming where it was called
     */
    void requireActionAllowed(String action);

    /** Pops and decodes up to {@code max} tasks of {@code queue} (at-most-once; the caller owns them). */
    List<Task> getNextTasks(String queue, int max);

    /** The task running on the calling thread, if any. */
    Optional<Task> currentTask();
}
