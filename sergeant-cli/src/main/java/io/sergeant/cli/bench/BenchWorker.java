package io.sergeant.cli.bench;

import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;

import java.util.Objects;

/**
 * The no-op worker of {@code sergeant bench}: a task's kwargs hold its id ({@value #ID}) and, for the
 * latency run, the {@link System#nanoTime()} of its push ({@value #PUSHED_AT}, comparable because the
 * worker runs in the producer's JVM); {@code work} records both in a {@link DeliveryLedger} and does
 * nothing else. Thread safe.
 */
public final class BenchWorker extends Worker {

    /** The kwargs key of a task's id. */
    public static final String ID = "i";
    /** The kwargs key of a task's push time in {@code System.nanoTime()} of this JVM. */
    public static final String PUSHED_AT = "t";

    private final WorkerConfig config;
    private final DeliveryLedger ledger;

    BenchWorker(WorkerConfig config, DeliveryLedger ledger) {
        this.config = Objects.requireNonNull(config, "config is null");
        this.ledger = Objects.requireNonNull(ledger, "ledger is null");
    }

    @Override
    public WorkerConfig config() {
        return config;
    }

    /** Records the task; fails for a task without an integer id. */
    @Override
    public Object work(Task task) {
        long now = System.nanoTime();
        Object id = task.kwargs().get(ID);
        if (!(id instanceof Number number)) {
            throw new IllegalArgumentException("a bench task needs an integer '" + ID + "' in its kwargs, got " + task.kwargs());
        }
        Object pushedAt = task.kwargs().get(PUSHED_AT);
        ledger.record(number.longValue(), pushedAt instanceof Number pushed ? now - pushed.longValue() : -1);
        return null;
    }
}
