package io.sergeant.core.internal.runtime;

import io.sergeant.api.Task;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.execution.Outcome;
import io.sergeant.spi.execution.TaskExecutor;
import io.sergeant.spi.execution.TaskResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.ObjIntConsumer;

/**
 * For executors that do not queue batches: submits a batch's tasks one by one, each when one of the
 * executor's {@code concurrency} slots is free (blocking the loop thread meanwhile), so slots are shared
 * across batches and every thread or child stays busy. Each task goes with its payload as popped
 * ({@link TaskExecutor#submit(Task, byte[])}), so an executor with child processes forwards the bytes as
 * they are. Used from the loop thread; results arrive on executor threads.
 */
final class OneByOneSubmitter {

    private static final Logger log = LoggerFactory.getLogger(OneByOneSubmitter.class);

    private final TaskExecutor executor;
    private final Semaphore slots;
    private final BooleanSupplier keepGoing;
    private final String queue;

    OneByOneSubmitter(TaskExecutor executor, BooleanSupplier keepGoing, String queue) {
        this.executor = Objects.requireNonNull(executor, "executor is null");
        this.slots = new Semaphore(executor.concurrency());
        this.keepGoing = Objects.requireNonNull(keepGoing, "keepGoing is null");
        this.queue = Objects.requireNonNull(queue, "queue is null");
    }

    /**
     * Submits the batch; {@code onResult} gets each ended task's result and index. The future completes
     * once every task was reported or skipped: once {@code keepGoing} is false, or the executor refuses a
     * task, the rest of the batch is not started (never reported) and the caller hands it back.
     */
    CompletableFuture<Void> submit(List<Task> tasks, List<Delivery> deliveries, ObjIntConsumer<TaskResult> onResult) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicInteger remaining = new AtomicInteger(tasks.size());
        Runnable countDown = () -> {
            if (remaining.decrementAndGet() == 0) {
                done.complete(null);
            }
        };
        for (int i = 0; i < tasks.size(); i++) {
            slots.acquireUninterruptibly();
            CompletableFuture<TaskResult> future = null;
            if (keepGoing.getAsBoolean()) {
                try {
                    future = executor.submit(tasks.get(i), deliveries.get(i).payload());
                } catch (RuntimeException e) {
                    log.atError().addKeyValue("queue", queue).log("the executor refused a task: {}", e.toString());
                }
            }
            if (future == null) {
                slots.release();
                for (int skipped = i; skipped < tasks.size(); skipped++) {
                    countDown.run();
                }
                break;
            }
            int index = i;
            future.whenComplete((result, error) -> {
                try {
                    onResult.accept(result != null ? result
                            : new TaskResult(tasks.get(index), Outcome.FAILURE, String.valueOf(error)), index);
                } finally {
                    slots.release();
                    countDown.run();
                }
            });
        }
        return done;
    }
}
