package io.sergeant.core.internal.runtime;

import io.sergeant.api.Broker;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.PushOptions;
import io.sergeant.api.worker.WorkerContext;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The runtime's implementation of a worker's actions: pushes with trace-id propagation, retry and
 * requeue with Python Sergeant's rules on where they are allowed, pops for {@code getNextTasks}.
 * Thread safe.
 */
final class RuntimeWorkerContext implements WorkerContext {

    private final Broker broker;
    private final WorkerConfig config;
    private final String queue;
    private final TaskScope scope;

    RuntimeWorkerContext(Broker broker, WorkerConfig config, TaskScope scope) {
        this.broker = Objects.requireNonNull(broker, "broker is null");
        this.config = Objects.requireNonNull(config, "config is null");
        this.queue = config.name();
        this.scope = Objects.requireNonNull(scope, "scope is null");
    }

    @Override
    public WorkerConfig config() {
        return config;
    }

    @Override
    public Broker broker() {
        return broker;
    }

    @Override
    public boolean push(List<Map<String, Object>> kwargsList, PushOptions options) {
        String traceId = options.traceId() != null ? options.traceId() : scope.task().map(Task::traceId).orElse(null);
        List<Task> tasks = new ArrayList<>(kwargsList.size());
        for (Map<String, Object> kwargs : kwargsList) {
            tasks.add(Task.of(kwargs, traceId));
        }
        return broker.pushTasks(options.queue() != null ? options.queue() : queue, tasks, options.priority(), options.consumableFrom());
    }

    @Override
    public void requireActionAllowed(String action) {
        Phase phase = scope.phase();
        if (!phase.allowsRetryAndRequeue()) {
            throw new SergeantException(ErrorCode.ILLEGAL_ACTION, action + " was called from " + phase.displayName()
                    + "; " + action + " is allowed only in work, onFailure and onTimeout; nothing was pushed");
        }
    }

    @Override
    public void repush(Task task, Priority priority, Instant consumableFrom, String action) {
        requireActionAllowed(action);
        broker.pushTask(queue, task, priority, consumableFrom);
    }

    @Override
    public List<Task> getNextTasks(String fromQueue, int max) {
        return broker.popTasks(fromQueue, max);
    }

    @Override
    public Optional<Task> currentTask() {
        return scope.task();
    }
}
