package io.sergeant.core.internal.runtime;

import io.sergeant.spi.execution.TaskExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A batch handed to the executor: its completion, the popped batch it came from, its tasks' positions there
 * and which of them were reported ({@code reported} is written by executor threads, read once the future
 * completed).
 */
record RunningBatch(CompletableFuture<Void> future, PoppedBatch popped, int[] positions, boolean[] reported) {

    private static final Logger log = LoggerFactory.getLogger(RunningBatch.class);

    boolean isDone() {
        return future.isDone();
    }

    /** The positions (in the popped batch) of the tasks that never started; valid once the future completed. */
    int[] unstarted() {
        int[] rest = new int[reported.length];
        int count = 0;
        for (int i = 0; i < reported.length; i++) {
            if (!reported[i]) {
                rest[count++] = positions[i];
            }
        }
        return Arrays.copyOf(rest, count);
    }

    /**
     * Waits for the batch; false when it is abandoned because its tasks ignore their interrupt (the
     * executor asked for a respawn and {@code gracePeriod} passed), or the waiting thread was interrupted.
     */
    boolean await(TaskExecutor executor, Duration gracePeriod, String queue) {
        long stuckSince = 0;
        while (true) {
            try {
                future.get(100, TimeUnit.MILLISECONDS);
                return true;
            } catch (TimeoutException e) {
                if (executor.respawnRequested()) {
                    stuckSince = stuckSince == 0 ? System.nanoTime() : stuckSince;
                    if (System.nanoTime() - stuckSince > gracePeriod.toNanos()) {
                        log.atError().addKeyValue("queue", queue)
                                .log("abandoning tasks that ignore their interrupt; the worker exits to be respawned");
                        return false;
                    }
                }
            } catch (ExecutionException e) {
                log.atError().addKeyValue("queue", queue).log("a batch failed: {}", e.getCause().toString());
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
