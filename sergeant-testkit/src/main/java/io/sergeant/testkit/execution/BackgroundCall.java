package io.sergeant.testkit.execution;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Runs one blocking call (a supervisor's {@code run()}, say) on a daemon thread of its own, so that a test
 * can drive it from outside and then wait for its result.
 */
public final class BackgroundCall {

    private BackgroundCall() {
    }

    /**
     * Starts {@code call} on a new daemon thread named {@code threadName} and returns at once. The future
     * completes with what the call returns, or exceptionally with the {@link RuntimeException} or
     * {@link Error} it throws; nobody cancels the call through the future.
     */
    public static <T> CompletableFuture<T> start(String threadName, Supplier<T> call) {
        Objects.requireNonNull(threadName, "threadName is null");
        Objects.requireNonNull(call, "call is null");
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(call.get());
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        }, threadName);
        thread.setDaemon(true);
        thread.start();
        return result;
    }
}
