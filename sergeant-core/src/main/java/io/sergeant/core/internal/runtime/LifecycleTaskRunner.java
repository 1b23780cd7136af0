package io.sergeant.core.internal.runtime;

import io.sergeant.api.Task;
import io.sergeant.api.config.LoggingEvents;
import io.sergeant.api.worker.Worker;
import io.sergeant.api.worker.WorkerInterrupt;
import io.sergeant.api.worker.WorkerMaxRetries;
import io.sergeant.api.worker.WorkerRequeue;
import io.sergeant.api.worker.WorkerRespawn;
import io.sergeant.api.worker.WorkerRetry;
import io.sergeant.api.worker.WorkerStop;
import io.sergeant.api.worker.WorkerTimedOut;
import io.sergeant.spi.execution.Outcome;
import io.sergeant.spi.execution.TaskControl;
import io.sergeant.spi.execution.TaskResult;
import io.sergeant.spi.execution.TaskRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import io.sergeant.api.observe.TaskObservation;
import io.sergeant.core.internal.observe.ListenerChain;
import org.slf4j.event.Level;

import java.time.Duration;
import java.util.Objects;

/**
 * Runs one task's lifecycle with Python Sergeant's semantics (docs/python-compat.md §5.3): {@code preWork} (errors logged),
 * {@code work}, {@code postWork} (always, errors logged), then exactly one outcome handler. Handler
 * failures are logged as {@code "<handler> handler has failed"} and never end the worker;
 * {@code retry}/{@code requeue} are honoured in {@code work}, {@code onFailure} and {@code onTimeout}
 * and are a clear {@code ILLEGAL_ACTION} error elsewhere (Python kills the process there).
 * {@code onStop} fires for every executor. Thread safe: tasks run concurrently on executor threads.
 */
public final class LifecycleTaskRunner implements TaskRunner {

    private final Worker worker;
    private final TaskScope scope;
    private final LoggingEvents events;
    private final Logger log;
    private final String queue;
    private final ListenerChain listeners;
    /** The MDC key holding the queue's name while a task runs. */
    private static final String QUEUE_KEY = "queue";

    LifecycleTaskRunner(Worker worker, TaskScope scope, LoggingEvents events, String queue, ListenerChain listeners) {
        this.worker = Objects.requireNonNull(worker, "worker is null");
        this.scope = Objects.requireNonNull(scope, "scope is null");
        this.events = Objects.requireNonNull(events, "events is null");
        this.queue = Objects.requireNonNull(queue, "queue is null");
        this.listeners = Objects.requireNonNull(listeners, "listeners is null");
        this.log = LoggerFactory.getLogger(loggerName(queue));
    }

    /** The name of the logger of a queue's task events: {@code sergeant.worker.<queue>}. */
    static String loggerName(String queue) {
        return "sergeant.worker." + queue;
    }

    @Override
    public TaskResult run(Task task, TaskControl control) {
        TaskScope.ThreadState mine = scope.mine();
        boolean removeQueue = !mine.runningSeveral;
        if (removeQueue) {
            MDC.put(QUEUE_KEY, queue);
        } else if (!mine.queueInMdc || !queue.equals(MDC.get(QUEUE_KEY))) {
            // Inside runSeveral the entry stays between tasks: put again only if a task took it away or changed it.
            MDC.put(QUEUE_KEY, queue);
            mine.queueInMdc = true;
        }
        if (listeners.isEmpty()) {
            // No one observes the task: no clock reads (two per task were a measurable share of a no-op task).
            try {
                return runObserved(mine, task, control);
            } finally {
                if (removeQueue) {
                    MDC.remove(QUEUE_KEY);
                }
            }
        }
        long started = System.nanoTime();
        TaskObservation observation = listeners.taskStarted(queue, task);
        TaskResult result = null;
        try {
            result = runObserved(mine, task, control);
            return result;
        } finally {
            observation.ended(ListenerChain.outcome(result == null ? Outcome.FAILURE : result.outcome()),
                    Duration.ofNanos(System.nanoTime() - started), result == null ? "the task runner failed" : result.error());
            if (removeQueue) {
                MDC.remove(QUEUE_KEY);
            }
        }
    }

    /**
     * Runs {@code tasks} with the MDC's {@code queue} entry kept set between the tasks it runs on this thread
     * and removed once at its end (if a task set it), instead of put and removed around each task: the
     * put and removal were ~20% of an executor thread's time on no-op tasks. Each task still starts with
     * the entry set to this queue, even if the task before it removed or changed it. Nested calls run
     * {@code tasks} inside the outer one.
     */
    @Override
    public void runSeveral(Runnable tasks) {
        TaskScope.ThreadState mine = scope.mine();
        if (mine.runningSeveral) {
            tasks.run();
            return;
        }
        mine.runningSeveral = true;
        mine.queueInMdc = false;
        try {
            tasks.run();
        } finally {
            mine.runningSeveral = false;
            if (mine.queueInMdc) {
                mine.queueInMdc = false;
                MDC.remove(QUEUE_KEY);
            }
        }
    }

    private TaskResult runObserved(TaskScope.ThreadState mine, Task task, TaskControl control) {
        scope.begin(mine, task);
        try {
            try {
                worker.preWork(task);
            } catch (Exception | AssertionError e) {
                log.error("pre_work has failed: {}", logged(e), e);
            } catch (WorkerInterrupt e) {
                // stop() or respawn() in preWork: the task does not run; the worker ends as asked.
                postWork(mine, task, false, e);
                return new TaskResult(task, e instanceof WorkerStop ? Outcome.STOP : Outcome.RESPAWN, null);
            } catch (io.sergeant.api.worker.WorkerSignal e) {
                log.error("pre_work has failed: {} is not honoured in preWork", e.getClass().getSimpleName());
            }
            scope.enter(mine, Phase.WORK);
            Object returned = null;
            Throwable thrown = null;
            try {
                returned = worker.work(task);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                thrown = e;
            }
            boolean timedOut = control.timedOut() || thrown instanceof WorkerTimedOut;
            if (!timedOut && thrown != null && !(thrown instanceof io.sergeant.api.worker.WorkerSignal) && scope.stopInterrupts()) {
                // Interrupted by a stop (sergeant.worker.stop=interrupt), as Python's SIGTERM interrupts the
                // running task: no outcome handler runs; the task loop hands it back unchanged, uncounted.
                Thread.interrupted();
                postWork(mine, task, false, thrown);
                return new TaskResult(task, Outcome.LOST, "interrupted by a stop request: " + describe(thrown));
            }
            if (timedOut) {
                // The interrupt was the killer's; it must not leak into the handlers or the next task.
                Thread.interrupted();
                if (!(thrown instanceof io.sergeant.api.worker.WorkerSignal)) {
                    thrown = new WorkerTimedOut("task exceeded its timeout");
                }
            }
            // Python's retry increments the task in place: postWork and onRetry see runCount + 1.
            Task seen = thrown instanceof WorkerRetry retry ? retry.retriedTask().orElse(task) : task;
            postWork(mine, seen, thrown == null, thrown);
            return dispatch(mine, seen, returned, thrown, timedOut);
        } finally {
            scope.end(mine);
        }
    }

    @Override
    public TaskResult reportKilled(Task task, boolean timedOut, String reason) {
        long started = System.nanoTime();
        MDC.put(QUEUE_KEY, queue);
        // The task ran in a child process that died; its handler runs here, so this process observes it.
        TaskObservation observation = listeners.taskStarted(queue, task);
        TaskResult result = null;
        TaskScope.ThreadState mine = scope.mine();
        scope.begin(mine, task);
        try {
            Throwable cause = timedOut ? new WorkerTimedOut(reason) : new IllegalStateException(reason);
            postWork(mine, task, false, cause);
            result = timedOut ? onTimeout(mine, task, reason) : onFailure(mine, task, (Exception) cause);
            return result;
        } finally {
            scope.end(mine);
            observation.ended(ListenerChain.outcome(result == null ? Outcome.FAILURE : result.outcome()),
                    Duration.ofNanos(System.nanoTime() - started), result == null ? reason : result.error());
            MDC.remove(QUEUE_KEY);
            mine.queueInMdc = false;
        }
    }

    @Override
    public void reportRan(TaskResult result, Duration duration) {
        Objects.requireNonNull(result, "result is null");
        listeners.taskRanElsewhere(queue, result.task(), ListenerChain.outcome(result.outcome()),
                duration == null ? Duration.ZERO : duration, result.error());
    }

    private void postWork(TaskScope.ThreadState mine, Task task, boolean success, Throwable exception) {
        scope.enter(mine, Phase.POST_WORK);
        try {
            worker.postWork(task, success, exception);
        } catch (Exception | AssertionError e) {
            log.error("post_work has failed: {}", logged(e), e);
        } catch (WorkerInterrupt e) {
            log.error("post_work has failed: stop and respawn are not honoured in postWork ({})", e.getMessage());
        }
    }

    private TaskResult dispatch(TaskScope.ThreadState mine, Task task, Object returned, Throwable thrown, boolean timedOut) {
        if (timedOut && !(thrown instanceof WorkerRetry || thrown instanceof WorkerRequeue || thrown instanceof WorkerMaxRetries
                || thrown instanceof WorkerInterrupt)) {
            return onTimeout(mine, task, describe(thrown));
        }
        if (thrown == null) {
            return handle(mine, task, Phase.ON_SUCCESS, Outcome.SUCCESS, null, events.onSuccess(), Level.INFO,
                    "task has finished successfully", () -> worker.onSuccess(task, returned));
        }
        if (thrown instanceof WorkerRetry) {
            return onRetry(mine, task);
        }
        if (thrown instanceof WorkerMaxRetries) {
            return onMaxRetries(mine, task);
        }
        if (thrown instanceof WorkerRequeue) {
            return onRequeue(mine, task);
        }
        if (thrown instanceof WorkerStop) {
            TaskResult stopped = handle(mine, task, Phase.ON_STOP, Outcome.STOP, null, events.onStop(), Level.WARN,
                    "task has stopped", () -> worker.onStop(task));
            return new TaskResult(task, Outcome.STOP, stopped.error());
        }
        if (thrown instanceof WorkerRespawn) {
            return new TaskResult(task, Outcome.RESPAWN, null);
        }
        Exception exception = thrown instanceof Exception e ? e : new RuntimeException("work threw " + describe(thrown), thrown);
        return onFailure(mine, task, exception);
    }

    private TaskResult onFailure(TaskScope.ThreadState mine, Task task, Exception exception) {
        return handleWithActions(mine, task, Phase.ON_FAILURE, Outcome.FAILURE, describe(exception), exception, events.onFailure(),
                "task has failed", () -> worker.onFailure(task, exception));
    }

    private TaskResult onTimeout(TaskScope.ThreadState mine, Task task, String error) {
        return handleWithActions(mine, task, Phase.ON_TIMEOUT, Outcome.TIMEOUT, error, null, events.onTimeout(),
                "task has timedout", () -> worker.onTimeout(task));
    }

    private TaskResult onRetry(TaskScope.ThreadState mine, Task task) {
        return handle(mine, task, Phase.ON_RETRY, Outcome.RETRY, null, events.onRetry(), Level.INFO,
                "task has retried", () -> worker.onRetry(task));
    }

    private TaskResult onMaxRetries(TaskScope.ThreadState mine, Task task) {
        return handle(mine, task, Phase.ON_MAX_RETRIES, Outcome.MAX_RETRIES, null, events.onMaxRetries(), Level.ERROR,
                "task has reached max retries", () -> worker.onMaxRetries(task));
    }

    private TaskResult onRequeue(TaskScope.ThreadState mine, Task task) {
        return handle(mine, task, Phase.ON_REQUEUE, Outcome.REQUEUE, null, events.onRequeue(), Level.INFO,
                "task has requeued", () -> worker.onRequeue(task));
    }

    /** A handler in which retry and requeue may be called; they re-route the outcome. */
    private TaskResult handleWithActions(TaskScope.ThreadState mine, Task task, Phase phase, Outcome outcome, String error, Throwable cause,
                                         boolean logEvent, String message, Handler handler) {
        scope.enter(mine, phase);
        logEvent(logEvent, Level.ERROR, message, task, error, cause);
        try {
            handler.call();
            return new TaskResult(task, outcome, error);
        } catch (WorkerRetry e) {
            return onRetry(mine, e.retriedTask().orElse(task));
        } catch (WorkerMaxRetries e) {
            return onMaxRetries(mine, task);
        } catch (WorkerRequeue e) {
            return onRequeue(mine, task);
        } catch (WorkerStop e) {
            return new TaskResult(task, Outcome.STOP, error);
        } catch (WorkerRespawn e) {
            return new TaskResult(task, Outcome.RESPAWN, error);
        } catch (Exception | AssertionError | WorkerTimedOut e) {
            log.error("{} handler has failed: {}", phase.displayName(), logged(e), e);
            return new TaskResult(task, outcome, error);
        }
    }

    private TaskResult handle(TaskScope.ThreadState mine, Task task, Phase phase, Outcome outcome, String error, boolean logEvent, Level level,
                              String message, Handler handler) {
        scope.enter(mine, phase);
        logEvent(logEvent, level, message, task, error, null);
        try {
            handler.call();
        } catch (WorkerStop e) {
            return new TaskResult(task, Outcome.STOP, error);
        } catch (WorkerRespawn e) {
            return new TaskResult(task, Outcome.RESPAWN, error);
        } catch (Exception | AssertionError | io.sergeant.api.worker.WorkerSignal e) {
            log.error("{} handler has failed: {}", phase.displayName(), logged(e), e);
        }
        return new TaskResult(task, outcome, error);
    }

    /**
     * Logs a handler's event as Python Sergeant does: its message, with the task as the key-value
     * {@code task} (a {@link Task}, which JSON encoders render as Python's nested {@code extra.task}) and,
     * for a failure, the exception with its stack trace.
     */
    private void logEvent(boolean enabled, Level level, String message, Task task, String error, Throwable cause) {
        if (!enabled) {
            return;
        }
        // The task (bounded) is the only key-value, as Python's extra={'task': task}; a failure carries its exception.
        var event = log.atLevel(level).addKeyValue("task", LoggedTask.of(task));
        if (cause != null) {
            event = event.setCause(cause);
        }
        event.log(message);
    }

    /** {@code "Class: message"} of a throwable, or null; for logs and the run summary. */
    public static String describe(Throwable throwable) {
        if (throwable == null) {
            return null;
        }
        String message = throwable.getMessage();
        return throwable.getClass().getName() + (message == null ? "" : ": " + message);
    }

    /**
     * {@link #describe} with its control characters escaped as task data is in log lines ({@code \n},
     * {@code \r}, {@code \t}, backslash-u escapes): an exception message carrying task data cannot start
     * a log line of its own when it is part of a log message.
     */
    public static String logged(Throwable throwable) {
        return LoggedTask.escape(describe(throwable));
    }

    @FunctionalInterface
    private interface Handler {
        void call() throws Exception;
    }
}
