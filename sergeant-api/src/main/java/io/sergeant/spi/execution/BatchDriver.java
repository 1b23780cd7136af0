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

    private void fill() {
        while (true) {
            int index;
            synchronized (this) {
                if (running >= executor.concurrency() || next >= tasks.size() || !keepGoing.getAsBoolean()) {
                    if (running == 0) {
                        done.complete(null);
                    }
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
                    next = tasks.size();
                }
                done.completeExceptionally(e);
                return;
            }
            future.whenComplete((result, error) -> {
                try {
                    onResult.accept(result != null ? result
                            : new TaskResult(tasks.get(index), Outcome.FAILURE, String.valueOf(error)), index);
                } finally {
                    synchronized (this) {
                        running--;
                    }
                    fill();
                }
            });
        }
    }
}
