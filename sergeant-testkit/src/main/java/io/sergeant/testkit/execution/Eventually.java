package io.sergeant.testkit.execution;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/** Polling for timing-dependent test conditions, with generous bounds instead of fixed sleeps. */
public final class Eventually {

    private Eventually() {
    }

    /**
     * Polls the condition every 10 ms until it holds or the bound passes. Returns whether it held; an
     * interrupt of the calling thread ends the wait early (the flag is kept) with one last check.
     */
    public static boolean holds(Duration bound, BooleanSupplier condition) {
        Objects.requireNonNull(bound, "bound is null");
        Objects.requireNonNull(condition, "condition is null");
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return condition.getAsBoolean();
            }
        }
        return true;
    }
}
