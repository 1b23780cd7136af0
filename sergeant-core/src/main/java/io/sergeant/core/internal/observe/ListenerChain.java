package io.sergeant.core.internal.observe;

import io.sergeant.api.Task;
import io.sergeant.api.observe.PushObservation;
import io.sergeant.api.observe.SergeantListener;
import io.sergeant.api.observe.TaskObservation;
import io.sergeant.api.observe.TaskOutcome;
import io.sergeant.api.observe.WorkerInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The listeners of a runtime or broker as one {@link SergeantListener}: calls each in order and logs
 * and ignores what one throws, so a broken listener never stops a worker or a push. With no listener
 * every call returns at once. Immutable and thread safe.
 */
public final class ListenerChain implements SergeantListener {

    private static final Logger log = LoggerFactory.getLogger(ListenerChain.class);

    /** No listener. */
    public static final ListenerChain EMPTY = new ListenerChain(List.of());

    private final List<SergeantListener> listeners;

    /** The listeners, called in this order. */
    public ListenerChain(List<? extends SergeantListener> listeners) {
        this.listeners = List.copyOf(Objects.requireNonNull(listeners, "listeners is null"));
    }

    /** The listeners in call order. */
    public List<SergeantListener> listeners() {
        return listeners;
    }

    /** Whether there is no listener. */
    public boolean isEmpty() {
        return listeners.isEmpty();
    }

    /** A chain with {@code more} after these listeners. */
    public ListenerChain with(List<? extends SergeantListener> more) {
        List<SergeantListener> all = new ArrayList<>(listeners);
        all.addAll(more);
        return new ListenerChain(all);
    }

    private void each(String event, Consumer<SergeantListener> call) {
        for (SergeantListener listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException | LinkageError e) {
                log.atWarn().addKeyValue("listener", listener.getClass().getName())
                        .log("listener {} failed on {}: {}", listener.getClass().getName(), event, e.toString());
            }
        }
    }

    @Override
    public void workerStarted(WorkerInfo worker) {
        each("workerStarted", listener -> listener.workerStarted(worker));
    }

    @Override
    public void workerStopped(WorkerInfo worker) {
        each("workerStopped", listener -> listener.workerStopped(worker));
    }

    @Override
    public PushObservation pushStarted(String queue, int taskCount) {
        if (listeners.isEmpty()) {
            return PushObservation.NONE;
        }
        List<PushObservation> observations = new ArrayList<>(listeners.size());
        each("pushStarted", listener -> observations.add(Objects.requireNonNull(listener.pushStarted(queue, taskCount),
                "pushStarted returned null")));
        return new PushObservation() {
            @Override
            public Task decorate(Task task) {
                Task decorated = task;
                for (PushObservation observation : observations) {
                    try {
                        decorated = Objects.requireNonNull(observation.decorate(decorated), "decorate returned null");
                    } catch (RuntimeException e) {
                        log.warn("a push listener failed to decorate a task: {}", e.toString());
                    }
                }
                return decorated;
            }

            @Override
            public void pushed() {
                for (PushObservation observation : observations) {
                    guard("pushed", observation::pushed);
                }
            }

            @Override
            public void failed(RuntimeException error) {
                for (PushObservation observation : observations) {
                    guard("push failed", () -> observation.failed(error));
                }
            }
        };
    }

    @Override
    public TaskObservation taskStarted(String queue, Task task) {
        if (listeners.isEmpty()) {
            return TaskObservation.NONE;
        }
        List<TaskObservation> observations = new ArrayList<>(listeners.size());
        each("taskStarted", listener -> observations.add(Objects.requireNonNull(listener.taskStarted(queue, task),
                "taskStarted returned null")));
        return (outcome, duration, error) -> {
            // Reverse order, so thread-bound state (scopes, MDC) unwinds like nested blocks.
            for (int i = observations.size() - 1; i >= 0; i--) {
                TaskObservation observation = observations.get(i);
                guard("task ended", () -> observation.ended(outcome, duration, error));
            }
        };
    }

    @Override
    public void taskRanElsewhere(String queue, Task task, TaskOutcome outcome, Duration duration, String error) {
        each("taskRanElsewhere", listener -> listener.taskRanElsewhere(queue, task, outcome, duration, error));
    }

    @Override
    public void popped(String queue, int requested, int received, Duration latency) {
        each("popped", listener -> listener.popped(queue, requested, received, latency));
    }

    @Override
    public void popFailed(String queue, Duration latency, RuntimeException error) {
        each("popFailed", listener -> listener.popFailed(queue, latency, error));
    }

    @Override
    public void redelivered(String queue, int count) {
        each("redelivered", listener -> listener.redelivered(queue, count));
    }

    @Override
    public void acked(String queue, int count, int refused, Duration latency, RuntimeException error) {
        each("acked", listener -> listener.acked(queue, count, refused, latency, error));
    }

    @Override
    public void extended(String queue, int count, int lost, Duration latency, RuntimeException error) {
        each("extended", listener -> listener.extended(queue, count, lost, latency, error));
    }

    @Override
    public void reaped(String queue, long redelivered, long deadLettered) {
        each("reaped", listener -> listener.reaped(queue, redelivered, deadLettered));
    }

    @Override
    public void decodeFailed(String queue, String reason) {
        each("decodeFailed", listener -> listener.decodeFailed(queue, reason));
    }

    @Override
    public void deadLettered(String queue, String reason) {
        each("deadLettered", listener -> listener.deadLettered(queue, reason));
    }

    private static void guard(String event, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException | LinkageError e) {
            log.warn("a listener failed on {}: {}", event, e.toString());
        }
    }

    /** Maps the executor's outcome to the listener's. */
    public static TaskOutcome outcome(io.sergeant.spi.execution.Outcome outcome) {
        return switch (outcome) {
            case SUCCESS -> TaskOutcome.SUCCEEDED;
            case FAILURE -> TaskOutcome.FAILED;
            case TIMEOUT -> TaskOutcome.TIMED_OUT;
            case RETRY -> TaskOutcome.RETRIED;
            case MAX_RETRIES -> TaskOutcome.MAX_RETRIES;
            case REQUEUE -> TaskOutcome.REQUEUED;
            case STOP -> TaskOutcome.STOPPED;
            case RESPAWN -> TaskOutcome.RESPAWNED;
            case LOST -> TaskOutcome.LOST;
        };
    }
}
