package io.sergeant.executor.process;

import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.Timeouts;
import io.sergeant.spi.execution.Killer;
import io.sergeant.spi.execution.Outcome;
import io.sergeant.spi.execution.TaskCodec;
import io.sergeant.spi.execution.TaskExecutor;
import io.sergeant.spi.execution.TaskResult;
import io.sergeant.spi.execution.TaskRunner;
import io.sergeant.toolkit.process.ProcessTree;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A warm pool of child JVMs, each running one task at a time through the worker hosted in it.
 *
 * <p><b>Dispatch.</b> {@link #submit(Task, byte[])} hands the task's bytes as popped to an idle child (the
 * child decodes them with the same codec; {@link #submit(Task)} encodes the task first), or queues it
 * until one is idle (a child being replaced is not yet idle). It never waits for a child: a task frame
 * that might not fit in the pipe of a child that does not read (stopped, frozen, thrashing) is written by
 * a writer thread ({@link ChildProcess#send}), so neither the worker's loop nor the killer can be held by
 * a child. A task whose frame never reached its child whole (the child died first) did not run and goes to
 * the next child. The killer watches each task from the moment it is sent; a child that never reads its
 * task is killed at timeout plus grace like one whose task hangs.
 *
 * <p><b>Timeouts.</b> At the timeout the killer's {@code interrupt()} sends the child an interrupt frame
 * for that task (the child interrupts the task thread, its runner then routes to {@code onTimeout});
 * past the grace period {@code kill()} kills the child and its descendants by force. The parent then
 * reports the task with {@link TaskRunner#reportKilled} ({@code timedOut = true}) and a fresh child takes
 * the dead one's place. A child that dies on its own while running a task (a signal, the OOM killer,
 * {@code System.exit}, a crash) is replaced and its task reported as {@link Outcome#LOST} without any
 * handler: the delivery is lost, and core hands it back (at-least-once) counting it as a delivery.
 *
 * <p><b>Respawn.</b> {@link #respawnRequested()} stays false while children can be started; only when
 * no replacement child could be started three times in a row does it turn true (the worker then exits to
 * be respawned), and tasks waiting for a child are reported with {@code reportKilled(task, false, ...)}.
 *
 * <p>Thread safe. Every child has a reader thread, and a writer thread while frames wait to be written to it
 * ({@link ChildProcess}); replacements start on a short-lived thread. None outlives {@link #close()} by more than
 * the end of its child.
 */
final class ProcessExecutor implements TaskExecutor, ChildReaders.Listener {

    private static final System.Logger LOG = System.getLogger(ProcessExecutor.class.getName());
    private static final Duration EXIT_AFTER_EOF = Duration.ofSeconds(5);

    private final int concurrency;
    private final TaskRunner runner;
    private final Killer killer;
    private final TaskCodec codec;
    private final Timeouts timeouts;
    private final ChildSupply supply;
    private final ChildReaders readers = new ChildReaders();
    private final Duration shutdownTimeout;
    private final AtomicLong sequences = new AtomicLong();
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private final Set<ChildProcess> children = new LinkedHashSet<>();
    /** Guarded by {@link #lock}. */
    private final Deque<ChildProcess> idle = new ArrayDeque<>();
    /** Guarded by {@link #lock}. */
    private final Deque<Job> pending = new ArrayDeque<>();
    /** Tasks submitted and not completed. Guarded by {@link #lock}. */
    private int outstanding;
    /** Guarded by {@link #lock}. */
    private boolean closed;
    private volatile boolean respawnRequested;

    private ProcessExecutor(int concurrency, TaskRunner runner, Killer killer, TaskCodec codec, Timeouts timeouts,
                            Supplier<ChildProcess> launcher, Duration shutdownTimeout) {
        this.concurrency = concurrency;
        this.runner = Objects.requireNonNull(runner, "runner is null");
        this.killer = Objects.requireNonNull(killer, "killer is null");
        this.codec = Objects.requireNonNull(codec, "codec is null");
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts is null");
        this.supply = new ChildSupply(Objects.requireNonNull(launcher, "launcher is null"));
        this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout, "shutdownTimeout is null");
    }

    /**
     * Starts {@code concurrency} children in parallel and returns once all are ready.
     *
     * @throws SergeantException {@code EXECUTION_FAILED} when one cannot start; the others are stopped
     */
    static ProcessExecutor start(int concurrency, TaskRunner runner, Killer killer, TaskCodec codec, Timeouts timeouts,
                                 Supplier<ChildProcess> launcher, Duration shutdownTimeout) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1: " + concurrency);
        }
        ProcessExecutor executor = new ProcessExecutor(concurrency, runner, killer, codec, timeouts, launcher, shutdownTimeout);
        RuntimeException failure = null;
        for (CompletableFuture<ChildProcess> future : executor.supply.startAll(concurrency)) {
            try {
                executor.adopt(future.join());
            } catch (java.util.concurrent.CompletionException e) {
                failure = failure != null ? failure : e.getCause() instanceof RuntimeException r ? r
                        : new IllegalStateException(e.getCause());
            }
        }
        if (failure != null) {
            executor.close();
            throw failure;
        }
        return executor;
    }

    @Override
    public int concurrency() {
        return concurrency;
    }

    /**
     * Queues a task for the next idle child; the future always completes normally.
     *
     * @throws IllegalStateException when {@link #concurrency()} tasks are outstanding or the executor is closed
     * @throws NullPointerException  when the task is null
     */
    @Override
    public CompletableFuture<TaskResult> submit(Task task) {
        Objects.requireNonNull(task, "task is null");
        byte[] payload;
        try {
            payload = codec.encode(task);
        } catch (SergeantException e) {
            return CompletableFuture.completedFuture(TaskResults.notRun(runner, task, false,
                    "the task cannot be encoded for a child process: " + e.getMessage()));
        }
        return enqueue(new Job(task, payload));
    }

    /**
     * Queues a task with the bytes it was popped as: the child decodes them with the same codec, so the
     * parent neither encodes (nor compresses) it again. Otherwise as {@link #submit(Task)}.
     */
    @Override
    public CompletableFuture<TaskResult> submit(Task task, byte[] encoded) {
        Objects.requireNonNull(task, "task is null");
        Objects.requireNonNull(encoded, "encoded is null");
        return enqueue(new Job(task, encoded));
    }

    private CompletableFuture<TaskResult> enqueue(Job job) {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the process executor is closed; no task can be submitted");
            }
            if (outstanding >= concurrency) {
                throw new IllegalStateException("the process executor already runs " + outstanding
                        + " task(s), its concurrency; wait for a result before submitting more");
            }
            outstanding++;
            pending.addLast(job);
        }
        dispatch();
        return job.future;
    }

    @Override
    public boolean respawnRequested() {
        return respawnRequested;
    }

    /** The pids of the live children, for tests and diagnostics. */
    List<Long> childPids() {
        synchronized (lock) {
            return children.stream().map(child -> child.pid).toList();
        }
    }

    /**
     * Refuses new tasks, waits for the outstanding ones (bounded by timeout plus grace period when
     * timeouts are enabled), asks every child to finalize its worker and exit, and kills those still
     * alive after the shutdown timeout. If the calling thread is interrupted it stops waiting for tasks,
     * keeps its interrupt flag and goes on with the shutdown. Idempotent.
     */
    @Override
    public void close() {
        List<ChildProcess> stopping;
        synchronized (lock) {
            closed = true;
            try {
                while (outstanding > 0) {
                    lock.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stopping = new ArrayList<>(children);
            stopping.forEach(child -> child.shuttingDown = true);
        }
        ChildProcess.stopAll(stopping, shutdownTimeout);
        readers.awaitAll(EXIT_AFTER_EOF);
    }

    private void adopt(ChildProcess child) {
        boolean stopNow;
        synchronized (lock) {
            stopNow = closed && pending.isEmpty();
            if (!stopNow) {
                children.add(child);
            }
        }
        if (stopNow) {
            child.requestShutdown();
            ProcessTree.awaitExit(child.process, shutdownTimeout);
            ProcessTree.destroyGroup(child.process);
            return;
        }
        readers.start(child, this);
        synchronized (lock) {
            idle.addLast(child);
        }
        dispatch();
    }

    private void dispatch() {
        while (true) {
            ChildProcess child;
            Job job;
            synchronized (lock) {
                if (pending.isEmpty() || idle.isEmpty()) {
                    return;
                }
                child = idle.pollFirst();
                job = pending.pollFirst();
            }
            if (!send(child, job)) {
                synchronized (lock) {
                    pending.addFirst(job);
                }
            }
        }
    }

    /** Sends a job to a child; false when the child is dead or its channel broke (its reader replaces it). */
    private boolean send(ChildProcess child, Job job) {
        job.sequence = sequences.incrementAndGet();
        boolean sent = false;
        synchronized (child) {
            if (!child.dead) {
                child.current = job;
                job.watch = killer.watch(new ChildKillable(child, job));
                job.sent = System.nanoTime();
                try {
                    child.send(Frames.TASK, job.sequence, job.payload, job);
                    sent = true;
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "could not send a task to " + child + ": " + e + "; replacing it");
                    child.current = null;
                }
            }
        }
        if (!sent) {
            if (job.watch != null) {
                job.watch.close();
                job.watch = null;
            }
            ProcessTree.destroyForcibly(child.process);
        }
        return sent;
    }

    /** Completes the child's task with the result it sent, and makes the child idle. */
    @Override
    public void onResult(ChildProcess child, Frames.Frame frame) throws IOException {
        child.resultReceived();
        Job job;
        synchronized (child) {
            job = child.current;
            if (job == null || job.sequence != frame.sequence()) {
                LOG.log(Level.WARNING, child + " sent a result for task #" + frame.sequence() + " it was not running");
                return;
            }
            child.current = null;
        }
        // Closed outside the child's monitor: a killer fires under the watch's monitor and then takes the child's.
        job.watch.close();
        Frames.ResultPayload payload = Frames.parseResult(frame.payload());
        TaskResult result = TaskResults.reported(job.task, payload);
        synchronized (lock) {
            idle.addLast(child);
        }
        observe(result, payload.nanos() >= 0 ? payload.nanos() : System.nanoTime() - job.sent);
        finish(job, result);
        dispatch();
    }

    /** The child has no listeners: this process's listeners count and time its run (docs/observability.md). */
    private void observe(TaskResult result, long nanos) {
        try {
            runner.reportRan(result, Duration.ofNanos(nanos));
        } catch (RuntimeException | LinkageError e) {
            LOG.log(Level.WARNING, "reporting a task run in a child process to the listeners failed: " + e);
        }
    }

    /** Reaps a child whose channel ended, completes the task it ran (lost, or timed out when killed) and replaces it. */
    @Override
    public void onEnd(ChildProcess child, String failure) {
        int status = ProcessTree.awaitExit(child.process, EXIT_AFTER_EOF);
        // Processes its tasks started were re-parented when it died: its process group still finds them.
        ProcessTree.destroyGroup(child.process);
        Job job;
        synchronized (child) {
            child.dead = true;
            job = child.current;
            child.current = null;
        }
        boolean expected;
        boolean replace;
        synchronized (lock) {
            expected = child.shuttingDown;
            children.remove(child);
            idle.remove(child);
            replace = !expected && (!closed || !pending.isEmpty() || job != null);
        }
        if (job != null && job.watch != null) {
            job.watch.close();
            job.watch = null;
        }
        if (expected && job == null) {
            return;
        }
        if (job != null && !job.killed && !child.delivered(job, EXIT_AFTER_EOF)) {
            requeueUndelivered(child, job, expected, status);
            if (replace) {
                replaceAsync();
            }
            return;
        }
        if (replace) {
            replaceAsync();
        }
        if (job == null) {
            LOG.log(Level.ERROR, child + " died while idle (exit " + status + (failure == null ? "" : ", " + failure)
                    + "); replacing it");
            return;
        }
        // Not our kill: the delivery is lost. Our kill: the task timed out.
        finish(job, job.killed ? TaskResults.killed(runner, job.task, timeouts, child)
                : TaskResults.lost(job.task, child, status, failure));
        dispatch();
    }

    /**
     * A task whose frame never reached its child whole (the child died, or was killed, while the writer
     * thread still sent it): it did not run, so the next child takes it, as a task whose write failed at once
     * is; while closing, it is reported as not run.
     */
    private void requeueUndelivered(ChildProcess child, Job job, boolean closing, int status) {
        if (closing) {
            finish(job, TaskResults.notRun(runner, job.task, false, child + " ended (exit " + status
                    + ") before it read the task, while the executor closed"));
            return;
        }
        LOG.log(Level.WARNING, child + " ended (exit " + status + ") before it read task #" + job.sequence
                + " whole; the task did not run and goes to another child");
        synchronized (lock) {
            pending.addFirst(job);
        }
        dispatch();
    }

    private void finish(Job job, TaskResult result) {
        synchronized (lock) {
            outstanding--;
            lock.notifyAll();
        }
        job.future.complete(result);
    }

    private void replaceAsync() {
        supply.replaceAsync(this::adopt, why -> {
            respawnRequested = true;
            failPendingIfNoChild(why);
        }, () -> {
            synchronized (lock) {
                return !closed || !pending.isEmpty();
            }
        });
    }

    private void failPendingIfNoChild(String why) {
        List<Job> failing;
        synchronized (lock) {
            if (!children.isEmpty()) {
                return;
            }
            failing = new ArrayList<>(pending);
            pending.clear();
        }
        for (Job job : failing) {
            finish(job, TaskResults.notRun(runner, job.task, false, "no child process could be started to run the task: " + why));
        }
    }
}
