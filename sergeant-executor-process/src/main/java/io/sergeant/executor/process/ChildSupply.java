package io.sergeant.executor.process;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Starts the executor's child JVMs through its launcher: the first pool in parallel, and each replacement
 * on a short-lived thread that retries, pausing one more second after each failure (ten at most), for as
 * long as the executor still wants a child. Thread safe.
 */
final class ChildSupply {

    private static final System.Logger LOG = System.getLogger(ChildSupply.class.getName());
    /** Failed starts in a row after which the executor is told it cannot count on a replacement. */
    static final int ATTEMPTS_BEFORE_RESPAWN = 3;

    private final Supplier<ChildProcess> launcher;

    ChildSupply(Supplier<ChildProcess> launcher) {
        this.launcher = launcher;
    }

    /** Starts {@code count} children, each on its own thread; each future completes with the child or its start failure. */
    List<CompletableFuture<ChildProcess>> startAll(int count) {
        List<CompletableFuture<ChildProcess>> starting = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            CompletableFuture<ChildProcess> future = new CompletableFuture<>();
            Thread thread = new Thread(() -> {
                try {
                    future.complete(launcher.get());
                } catch (RuntimeException | Error e) {
                    future.completeExceptionally(e);
                }
            }, "sergeant-child-starter");
            thread.setDaemon(true);
            thread.start();
            starting.add(future);
        }
        return starting;
    }

    /**
     * Starts a replacement child on a new thread and hands it to {@code adopt}. After each failed start
     * from the {@value #ATTEMPTS_BEFORE_RESPAWN}th in a row on, {@code onRepeatedFailure} gets the reason;
     * the thread gives up once {@code wanted} turns false, or when it is interrupted.
     */
    void replaceAsync(Consumer<ChildProcess> adopt, Consumer<String> onRepeatedFailure, BooleanSupplier wanted) {
        Thread thread = new Thread(() -> replace(adopt, onRepeatedFailure, wanted), "sergeant-child-starter");
        thread.setDaemon(true);
        thread.start();
    }

    private void replace(Consumer<ChildProcess> adopt, Consumer<String> onRepeatedFailure, BooleanSupplier wanted) {
        int attempts = 0;
        while (true) {
            try {
                ChildProcess child = launcher.get();
                LOG.log(Level.INFO, "started replacement " + child);
                adopt.accept(child);
                return;
            } catch (RuntimeException e) {
                attempts++;
                LOG.log(Level.ERROR, "could not start a replacement child JVM (attempt " + attempts + "): " + e.getMessage());
                if (attempts >= ATTEMPTS_BEFORE_RESPAWN) {
                    onRepeatedFailure.accept(e.getMessage());
                }
            }
            if (!wanted.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(Math.min(10, attempts) * 1_000L);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
