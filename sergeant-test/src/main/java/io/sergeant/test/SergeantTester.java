package io.sergeant.test;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.core.worker.WorkerRuntime;
import io.sergeant.test.memory.MemoryStores;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Sergeant for one test: an in-memory store of its own ({@code memory:test-<random>}), a broker on
 * it, and {@link #run} to run a worker in the calling thread's stead until its queue is empty. Given to
 * a test by {@link SergeantExtension}, or made and closed by hand. Not thread safe: one test uses it.
 *
 * <p>A worker runs with its own configuration except: the backend is this tester's store, the
 * {@code thread} executor with one thread, one task per transaction, and a short poll interval. Its
 * encoder, delivery mode, retries, timeouts and handlers are its own, so retries, requeues, timeouts and
 * dead letters behave as in production.
 */
public final class SergeantTester implements AutoCloseable {

    /** Runs of one {@link #run} call before it gives up (a worker that retries forever). */
    static final int MAX_RUNS = 1_000;

    private final String store;
    private final Sergeant sergeant = Sergeant.create();
    private final Map<Object, Broker> brokers = new java.util.HashMap<>();

    /** A tester over a fresh store; {@code label} only makes the store's name readable in messages. */
    public SergeantTester(String label) {
        this.store = "test-" + Integer.toHexString(Objects.requireNonNull(label, "label is null").hashCode())
                + "-" + UUID.randomUUID();
    }

    /** The backend URI of this tester's store ({@code memory:...}): give it to code under test that opens its own broker. */
    public String backend() {
        return "memory:" + store;
    }

    /** The Sergeant this tester runs workers with. */
    public Sergeant sergeant() {
        return sergeant;
    }

    /** {@code worker}'s configuration as {@link #run} uses it (see the class comment). */
    public WorkerConfig configFor(Worker worker) {
        return worker.config().toBuilder()
                .backend(backend())
                .executor("thread", 1)
                .tasksPerTransaction(1)
                .pollInterval(Duration.ofMillis(10))
                .build();
    }

    /** A broker on this tester's store with {@code worker}'s encoder (one per encoder); closed with the tester. */
    public Broker broker(Worker worker) {
        WorkerConfig config = configFor(worker);
        return brokers.computeIfAbsent(config.encoder(), key -> sergeant.broker(config));
    }

    /** Pushes one task onto {@code worker}'s queue. */
    public void push(Worker worker, Map<String, Object> kwargs) {
        broker(worker).pushTask(configFor(worker).name(), Task.of(kwargs), Priority.NORMAL, null);
    }

    /** Tasks waiting in {@code worker}'s queue (not counting delayed ones). */
    public long pending(Worker worker) {
        return broker(worker).numberOfEnqueuedTasks(configFor(worker).name(), false);
    }

    /**
     * Runs {@code worker} until its queue holds no immediate task, and returns the summary of the last
     * run. Each run calls {@code initialize} and {@code finalizeWorker}; a task that is retried or
     * requeued is run again in a further run. Delayed tasks are not waited for.
     *
     * @throws AssertionError when the queue is still not empty after {@value #MAX_RUNS} runs, or the
     *                        worker could not start ({@code initialize} threw)
     */
    public RunSummary run(Worker worker) {
        WorkerConfig base = configFor(worker);
        if (pending(worker) == 0) {
            throw new AssertionError("nothing to run: queue '" + base.name() + "' of " + backend()
                    + " is empty; push tasks first (push(worker, kwargs) or broker(worker))");
        }
        RunSummary last = null;
        for (int runs = 0; runs < MAX_RUNS; runs++) {
            long pending = pending(worker);
            if (pending == 0) {
                return last;
            }
            last = runOnce(worker, base.toBuilder().maxTasksPerRun((int) Math.min(Integer.MAX_VALUE, pending)).build());
            if (last.stop()) {
                return last;
            }
        }
        throw new AssertionError("worker " + worker.getClass().getName() + " still has " + pending(worker)
                + " task(s) in queue '" + base.name() + "' after " + MAX_RUNS + " runs (does it retry forever?)");
    }

    private RunSummary runOnce(Worker worker, WorkerConfig config) {
        try (WorkerRuntime runtime = new WorkerRuntime(worker, config, sergeant, List.of())) {
            RunSummary summary = runtime.run();
            if (summary.initializeException() != null) {
                throw new AssertionError("initialize of " + worker.getClass().getName() + " threw "
                        + summary.initializeException());
            }
            return summary;
        }
    }

    /** Closes the brokers and drops the store. */
    @Override
    public void close() {
        for (Broker broker : brokers.values()) {
            try {
                broker.close();
            } catch (RuntimeException e) {
                System.getLogger(SergeantTester.class.getName()).log(System.Logger.Level.DEBUG, "closing a broker failed", e);
            }
        }
        brokers.clear();
        MemoryStores.drop(store);
    }
}
