package io.sergeant.api.worker;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.Lock;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Base class of user workers: extend it, return a {@link WorkerConfig} from {@link #config()},
 * override {@link #work(Task)} and any hook or handler. The runtime calls, in order:
 * {@link #initialize()} once; for every task {@link #preWork(Task)}, {@link #work(Task)},
 * {@link #postWork(Task, boolean, Throwable)} and one outcome handler ({@link #onSuccess},
 * {@link #onFailure}, {@link #onTimeout}, {@link #onRetry}, {@link #onMaxRetries},
 * {@link #onRequeue}); {@link #onStarvation(int)} on empty polls; {@link #finalizeWorker()} once at
 * the end. Exceptions thrown by hooks and handlers are logged and do not stop the worker.
 *
 * <p>A worker class needs a public no-argument constructor, or an {@code @Inject} constructor when
 * it is created through Guice. With more than one thread, {@code work} and the handlers run
 * concurrently: keep per-task state in locals. Actions ({@link #pushTask}, {@link #retry}, ...)
 * may be called from any task thread once the runtime has bound the worker.
 *
 * <p>The end-of-run hook is named {@code finalizeWorker} because {@code finalize} would override
 * {@link Object}'s deprecated finalizer and make the object finalizable.
 */
public abstract class Worker {

    private volatile WorkerContext context;

    /**
     * The worker class's own configuration; called once, when the runtime starts. The runtime applies
     * overrides on top of it ({@code -D}/{@code --config} on the command line, {@code sergeant.config.*}
     * system properties, the supervisor's settings): read {@link #effectiveConfig()} to see the
     * configuration the worker actually runs with.
     */
    public abstract WorkerConfig config();

    /**
     * The configuration in effect: once a runtime has bound the worker, {@link #config()} with every
     * override applied and validated (what the loop, the actions such as {@link #retry} and every hook
     * obey); before that, {@link #config()} itself.
     */
    public final WorkerConfig effectiveConfig() {
        WorkerContext bound = context;
        return bound != null ? bound.config() : config();
    }

    /**
     * Runs one task. The returned value goes to {@link #onSuccess}. An exception goes to
     * {@link #onFailure}; a task interrupted by the killer goes to {@link #onTimeout}.
     */
    public abstract Object work(Task task) throws Exception;

    /** Called once before the first task; may call {@link #stop()} or {@link #respawn()}. */
    public void initialize() throws Exception {
    }

    /** Called once after the last task, also after stop and respawn; not after {@code initialize} failed. */
    public void finalizeWorker() throws Exception {
    }

    /** Called before each {@code work}, before the timeout is armed. */
    public void preWork(Task task) throws Exception {
    }

    /**
     * Called after each {@code work}, always, before the outcome handler.
     *
     * @param success   whether {@code work} returned normally
     * @param exception what {@code work} threw (including control signals such as {@link WorkerRetry}
     *                  and {@link WorkerTimedOut}), or null
     */
    public void postWork(Task task, boolean success, Throwable exception) throws Exception {
    }

    /** {@code work} returned {@code returnedValue}. */
    public void onSuccess(Task task, Object returnedValue) throws Exception {
    }

    /** {@code work} threw {@code exception}; {@link #retry} and {@link #requeue} may be called here. */
    public void onFailure(Task task, Exception exception) throws Exception {
    }

    /** {@code work} passed its timeout; {@link #retry} and {@link #requeue} may be called here. */
    public void onTimeout(Task task) throws Exception {
    }

    /** {@link #retry} pushed the task again. */
    public void onRetry(Task task) throws Exception {
    }

    /** {@link #retry} was refused: the task already ran {@code maxRetries} retries. */
    public void onMaxRetries(Task task) throws Exception {
    }

    /** {@link #requeue} pushed the task again. */
    public void onRequeue(Task task) throws Exception {
    }

    /** The worker found no task for {@code timeWithNoTasks} consecutive polls (and every poll after). */
    public void onStarvation(int timeWithNoTasks) throws Exception {
    }

    /** A task called {@link #stop()} (any executor; Python fires it from the threaded executor only). */
    public void onStop(Task task) throws Exception {
    }

    /**
     * Binds the runtime; called once by the runtime before {@link #initialize()}.
     *
     * @throws IllegalStateException when already bound
     */
    public final void bind(WorkerContext workerContext) {
        Objects.requireNonNull(workerContext, "workerContext is null");
        synchronized (this) {
            if (context != null) {
                throw new IllegalStateException("worker " + getClass().getName() + " is already bound to a runtime");
            }
            context = workerContext;
        }
    }

    /**
     * Releases the runtime bound by {@link #bind}; called by the runtime when it closes, so that the same
     * instance can be run again (a Spring bean whose run ended and is run again, a test that runs a
     * worker twice). Does nothing when {@code workerContext} is not the bound one.
     */
    public final void unbind(WorkerContext workerContext) {
        synchronized (this) {
            if (context == workerContext) {
                context = null;
            }
        }
    }

    /** The bound runtime context; for actions. */
    protected final WorkerContext context() {
        WorkerContext bound = context;
        if (bound == null) {
            throw new SergeantException(ErrorCode.ILLEGAL_ACTION,
                    "worker " + getClass().getName() + " is not running: its actions work only inside a running worker "
                            + "(started by 'sergeant worker', 'sergeant supervisor' or the process executor); to push, "
                            + "count or purge from outside a worker use a Broker: Sergeant.create().broker(config)");
        }
        return bound;
    }

    /**
     * Pushes a task with these kwargs to the worker's own queue.
     *
     * @return {@code true} once the backend acknowledged the write, as Python's {@code push_task}
     *         returns a boolean; a failed write throws a {@link SergeantException}
     */
    public final boolean pushTask(Map<String, Object> kwargs) {
        return pushTasks(List.of(kwargs), PushOptions.DEFAULT);
    }

    /** Pushes a task with these kwargs and options; returns as {@link #pushTask(Map)}. */
    public final boolean pushTask(Map<String, Object> kwargs, PushOptions options) {
        return pushTasks(List.of(kwargs), options);
    }

    /** Pushes tasks in one round trip; all share one trace id; returns as {@link #pushTask(Map)}. */
    public final boolean pushTasks(List<Map<String, Object>> kwargsList) {
        return pushTasks(kwargsList, PushOptions.DEFAULT);
    }

    /**
     * Pushes tasks in one round trip with these options; all share one trace id.
     *
     * @return {@code true} once the backend acknowledged the write, also for an empty list (as Python)
     */
    public final boolean pushTasks(List<Map<String, Object>> kwargsList, PushOptions options) {
        return context().push(kwargsList, options);
    }

    /** Pops up to {@code numberOfTasks} tasks of the worker's own queue (advanced; the caller owns them). */
    public final List<Task> getNextTasks(int numberOfTasks) {
        return context().getNextTasks(context().config().name(), numberOfTasks);
    }

    /** Pops up to {@code numberOfTasks} tasks of {@code queue} (advanced; the caller owns them). */
    public final List<Task> getNextTasks(int numberOfTasks, String queue) {
        return context().getNextTasks(queue, numberOfTasks);
    }

    /** Tasks deliverable now in the worker's own queue. */
    public final long numberOfEnqueuedTasks() {
        return numberOfEnqueuedTasks(context().config().name(), false);
    }

    /** Tasks deliverable now in {@code queue}, plus delayed ones when {@code includeDelayed}. */
    public final long numberOfEnqueuedTasks(String queue, boolean includeDelayed) {
        return context().broker().numberOfEnqueuedTasks(queue, includeDelayed);
    }

    /** Deletes the worker's own queue, delayed tasks included; true if anything was deleted. */
    public final boolean purgeTasks() {
        return purgeTasks(context().config().name());
    }

    /** Deletes {@code queue}, delayed tasks included; true if anything was deleted. */
    public final boolean purgeTasks(String queue) {
        return context().broker().purgeTasks(queue);
    }

    /** A lock object on the backend with its own owner token. */
    public final Lock lock(String name) {
        return context().broker().lock(name);
    }

    /** {@link #retry(Task, Priority, Instant)} with NORMAL priority, deliverable now. */
    public final WorkerSignal retry(Task task) {
        return retry(task, Priority.NORMAL, null);
    }

    /**
     * Pushes the task again with {@code runCount + 1} (date and trace id kept) and ends its run with
     * {@link WorkerRetry}; when {@code maxRetries > 0} and the task already ran that many retries,
     * pushes nothing and ends it with {@link WorkerMaxRetries}. {@code maxRetries} is the effective one
     * ({@link #effectiveConfig()}), overrides included. Never returns normally; declared to
     * return a signal so that {@code throw retry(task);} reads well. Allowed in {@code work},
     * {@code onFailure} and {@code onTimeout}; elsewhere a {@link SergeantException} with
     * {@code ILLEGAL_ACTION} is thrown and nothing is pushed.
     */
    public final WorkerSignal retry(Task task, Priority priority, Instant consumableFrom) {
        int maxRetries = context().config().maxRetries();
        if (maxRetries > 0 && maxRetries <= task.runCount()) {
            context().requireActionAllowed("retry");
            throw new WorkerMaxRetries("task reached max retries (" + maxRetries + ")");
        }
        Task retried = task.withIncrementedRunCount();
        context().repush(retried, priority, consumableFrom, "retry");
        throw new WorkerRetry("task was retried", retried);
    }

    /** {@link #requeue(Task, Priority, Instant)} with NORMAL priority, deliverable now. */
    public final WorkerSignal requeue(Task task) {
        return requeue(task, Priority.NORMAL, null);
    }

    /**
     * Pushes the task again unchanged and ends its run with {@link WorkerRequeue}. Where it is allowed
     * is as for {@link #retry}. Never returns normally.
     */
    public final WorkerSignal requeue(Task task, Priority priority, Instant consumableFrom) {
        context().repush(task, priority, consumableFrom, "requeue");
        throw new WorkerRequeue("task was requeued");
    }

    /** Ends the worker: exit code 5, the supervisor stops all workers. Never returns normally. */
    public final WorkerSignal stop() {
        throw new WorkerStop("worker asked to stop");
    }

    /** Ends the worker asking for a replacement: exit code 4. Never returns normally. */
    public final WorkerSignal respawn() {
        throw new WorkerRespawn("worker asked to respawn");
    }

    /** The trace id of the task running on this thread, if any. */
    public final Optional<String> getTraceId() {
        return context().currentTask().map(Task::traceId);
    }
}
