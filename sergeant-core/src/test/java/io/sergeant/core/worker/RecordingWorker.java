package io.sergeant.core.worker;

import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A worker whose behaviour per task is a function and which records every hook and handler call. */
class RecordingWorker extends Worker {

    final List<String> events = new CopyOnWriteArrayList<>();
    final List<Task> seen = new CopyOnWriteArrayList<>();
    /** The run count each postWork and onRetry call saw, as "postWork:runCount" / "onRetry:runCount". */
    final List<String> runCounts = new CopyOnWriteArrayList<>();
    /** The maxRetries each onFailure call saw through effectiveConfig(). */
    final List<Integer> maxRetriesSeen = new CopyOnWriteArrayList<>();
    private final WorkerConfig config;
    private final Function<Task, Object> work;
    volatile java.util.function.Consumer<Task> onFailureAction = task -> { };
    volatile java.util.function.Consumer<Task> onTimeoutAction = task -> { };
    volatile java.util.function.Consumer<Task> onSuccessAction = task -> { };
    volatile Runnable onStarvationAction = () -> { };

    RecordingWorker(WorkerConfig config, Function<Task, Object> work) {
        this.config = config;
        this.work = work;
    }

    @Override
    public WorkerConfig config() {
        return config;
    }

    @Override
    public void initialize() {
        events.add("initialize");
    }

    @Override
    public void finalizeWorker() {
        events.add("finalize");
    }

    @Override
    public void preWork(Task task) {
        events.add("preWork:" + task.kwargs().get("id"));
    }

    @Override
    public Object work(Task task) throws Exception {
        seen.add(task);
        events.add("work:" + task.kwargs().get("id"));
        return work.apply(task);
    }

    @Override
    public void postWork(Task task, boolean success, Throwable exception) {
        runCounts.add("postWork:" + task.runCount());
        events.add("postWork:" + task.kwargs().get("id") + ":" + success + ":" + (exception == null ? "-" : exception.getClass().getSimpleName()));
    }

    @Override
    public void onSuccess(Task task, Object returnedValue) {
        events.add("onSuccess:" + task.kwargs().get("id") + ":" + returnedValue);
        onSuccessAction.accept(task);
    }

    @Override
    public void onFailure(Task task, Exception exception) {
        events.add("onFailure:" + task.kwargs().get("id") + ":" + exception.getMessage());
        maxRetriesSeen.add(effectiveConfig().maxRetries());
        onFailureAction.accept(task);
    }

    @Override
    public void onTimeout(Task task) {
        events.add("onTimeout:" + task.kwargs().get("id"));
        onTimeoutAction.accept(task);
    }

    @Override
    public void onRetry(Task task) {
        events.add("onRetry:" + task.kwargs().get("id"));
        runCounts.add("onRetry:" + task.runCount());
    }

    @Override
    public void onMaxRetries(Task task) {
        events.add("onMaxRetries:" + task.kwargs().get("id"));
    }

    @Override
    public void onRequeue(Task task) {
        events.add("onRequeue:" + task.kwargs().get("id"));
    }

    @Override
    public void onStarvation(int timeWithNoTasks) {
        events.add("onStarvation:" + timeWithNoTasks);
        onStarvationAction.run();
    }

    @Override
    public void onStop(Task task) {
        events.add("onStop:" + task.kwargs().get("id"));
    }

    /** Exposes the protected-by-contract actions to lambdas of the test. */
    RuntimeException retryIt(Task task) {
        throw retry(task);
    }

    RuntimeException requeueIt(Task task) {
        throw requeue(task);
    }

    RuntimeException stopIt() {
        throw stop();
    }

    RuntimeException respawnIt() {
        throw respawn();
    }
}
