package io.sergeant.cli.bench;

import io.sergeant.cli.console.ProgressBar;
import io.sergeant.core.worker.WorkerRuntime;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Redraws a drain's progress bar from its ledger every 100 ms on its own thread, and stops the worker
 * runtime when no task ran for a minute (a stalled drain then fails its check instead of hanging the
 * benchmark). Started per drain round; {@link #stop()} ends it.
 */
final class DrainMonitor {

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private final ProgressBar bar;
    private final DeliveryLedger ledger;

    private DrainMonitor(ProgressBar bar, DeliveryLedger ledger, WorkerRuntime runtime) {
        this.bar = bar;
        this.ledger = ledger;
        this.thread = new Thread(() -> watch(runtime), "sergeant-bench-progress");
        thread.setDaemon(true);
    }

    /** Starts watching a drain round. */
    static DrainMonitor start(ProgressBar bar, DeliveryLedger ledger, WorkerRuntime runtime) {
        DrainMonitor monitor = new DrainMonitor(bar, ledger, runtime);
        monitor.thread.start();
        return monitor;
    }

    private void watch(WorkerRuntime runtime) {
        long seen = -1;
        long lastChange = System.nanoTime();
        while (running.get()) {
            long done = ledger.total();
            if (done != seen) {
                seen = done;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > BackendBench.STALL_NANOS) {
                runtime.requestStop();
            }
            bar.update(done, "");
            LockSupport.parkNanos(100_000_000L);
        }
    }

    /** Stops the thread and draws the bar's last state. */
    void stop() {
        running.set(false);
        LockSupport.unpark(thread);
        BackendBench.join(thread);
        bar.finish(ledger.total(), "");
    }
}
