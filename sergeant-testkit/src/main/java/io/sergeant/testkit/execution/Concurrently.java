package io.sergeant.testkit.execution;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Runs one piece of test code on several threads at once, for thread-safety checks. */
public final class Concurrently {

    private Concurrently() {
    }

    /** The code each thread runs; {@code thread} is its index, 0 to threads - 1. */
    @FunctionalInterface
    public interface Body<T> {
        /** Runs on one thread; what it throws fails {@link Concurrently#run}. */
        T run(int thread) throws Exception;
    }

    /**
     * Runs {@code body} on {@code threads} threads of a pool of its own and waits up to {@code bound} for
     * each in turn; returns their results in thread order. The pool is shut down (interrupting what still
     * runs) when this returns or throws.
     *
     * @throws java.util.concurrent.ExecutionException wrapping the first failure, in thread order
     * @throws java.util.concurrent.TimeoutException when a thread is not done in time
     */
    public static <T> List<T> run(int threads, Duration bound, Body<T> body) throws Exception {
        Objects.requireNonNull(bound, "bound is null");
        Objects.requireNonNull(body, "body is null");
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> body.run(thread)));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(bound.toNanos(), TimeUnit.NANOSECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
