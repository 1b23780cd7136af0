package io.sergeant.spi.execution;

import io.sergeant.api.Task;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.ObjIntConsumer;

/**
 * The default {@link TaskExecutor#runBatch}: keeps up to {@code concurrency} tasks of the batch
 * submitted through {@link TaskExecutor#submit}, starting the next one when one ends.
 */
final class BatchDriver {

    private final TaskExecutor executor;
    private final List<Task> tasks;
    private final BooleanSupplier keepGoing;
    private final ObjIntConsumer<TaskResult> onResult;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private int next;
    private int running;
    private RuntimeException failure;

    BatchDriver(TaskExecutor executor, List<Task> tasks, BooleanSupplier keepGoing, ObjIntConsumer<TaskResult> onResult) {
        this.executor = Objects.requireNonNull(executor, "executor is null");
        this.tasks = List.copyOf(tasks);
        this.keepGoing = Objects.requireNonNull(keepGoing, "keepGoing is null");
        this.onResult = Objects.requireNonNull(onResult, "onResult is null");
    }

    CompletableFuture<Void> start() {
        fill();
        return done;
    }

    /**
     * Starts tasks while there is room; results of futures that are already complete are handled in
     * this loop rather than in a nested callback, so a long run of them cannot overflow the stack.
     */
    private void fill() {
        while (true) {
            int index;
            synchronized (this) {
                if (running >= executor.concurrency() || next >= tasks.size() || failure != null || !keepGoing.getAsBoolean()) {
                    completeIfIdle();
                    return;
                }
                index = next++;
                running++;
            }
            CompletableFuture<TaskResult> future;
            try {
                future = executor.submit(tasks.get(index));
            } catch (RuntimeException e) {
                synchronized (this) {
                    running--;
                    failure = e;
                    completeIfIdle();
                }
                return;
            }
            if (future.isDone()) {
                TaskResult result = null;
                Throwable error = null;
                try {
                    result = future.getNow(null);
                } catch (RuntimeException e) {
                    error = e;
                }
                report(index, result, error);
                synchronized (this) {
                    running--;
                }
                continue;
            }
            future.whenComplete((result, error) -> {
                report(index, result, error);
                synchronized (this) {
                    running--;
                }
                fill();
            });
        }
    }

    private void report(int index, TaskResult result, Throwable error) {
        onResult.accept(result != null ? result
                : new TaskResult(tasks.get(index), Outcome.FAILURE, String.valueOf(error)), index);
    }

    /** Completes the batch once no started task is running any more; guarded by this. */
    private void completeIfIdle() {
        if (running != 0) {
            return;
        }
        if (failure != null) {
            done.completeExceptionally(failure);
        } else {
            done.complete(null);
        }
    }
}
