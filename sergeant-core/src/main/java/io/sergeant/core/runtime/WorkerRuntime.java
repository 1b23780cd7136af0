package io.sergeant.core.runtime;

import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.api.worker.WorkerRespawn;
import io.sergeant.api.worker.WorkerSignal;
import io.sergeant.api.worker.WorkerStop;
import io.sergeant.core.Sergeant;
import io.sergeant.spi.PluginOptions;
import io.sergeant.core.broker.BackendRoles;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import io.sergeant.spi.execution.ExecutionContext;
import io.sergeant.spi.execution.ExecutorSpec;
import io.sergeant.spi.execution.Killer;
import io.sergeant.spi.execution.Outcome;
import io.sergeant.spi.execution.TaskExecutor;
import io.sergeant.spi.execution.TaskResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker loop of one worker process (docs/python-compat.md §5.1, §5.2), in both delivery modes.
 *
 * <p>It pops batches of {@code tasksPerTransaction}, decodes them (an undecodable payload goes to the
 * dead letters with the reason, logged once), runs them on the executor (at most {@code concurrency}
 * at once), and in at-least-once mode acks settled tasks in one call before each next pop, keeps the
 * leases of held tasks extended and reaps expired leases. It ends after {@code maxTasksPerRun}
 * tasks, on {@code stop}/{@code respawn}, on {@link #requestStop()} (SIGTERM), or when the executor
 * asks for a fresh process; tasks fetched but not started are handed back (released, or re-pushed
 * HIGH unchanged in at-most-once mode, keeping their run count and trace id, unlike Python's
 * re-push of bare kwargs). Running tasks finish; then {@code finalizeWorker} runs and a
 * {@link RunSummary} is returned.
 *
 * <p>{@link #run()} is called once, from one thread; {@link #requestStop()} from any thread.
 */
public final class WorkerRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerRuntime.class);

    private final Sergeant sergeant;
    private final WorkerAssembly assembly;
    private final WorkerConfig config;
    private final Worker worker;
    private final Backend backend;
    private final List<String> workerArguments;
    private static final int PARALLEL_DECODE_THRESHOLD = 256;

    /** Slots of executors that take tasks one by one (see {@link #submitOneByOne}). */
    private java.util.concurrent.Semaphore slots;
    /** Tasks handed to the executor and not yet reported or skipped. */
    private final java.util.concurrent.atomic.AtomicInteger inExecutor = new java.util.concurrent.atomic.AtomicInteger();
    /** While the loop thread waits, the count under which a settling task wakes it; 0 otherwise. */
    private volatile int wakeBelow;

    private final AtomicLong[] outcomeCounts = newCounters();
    private final AtomicLong deadLettered = new AtomicLong();
    private final ConcurrentLinkedQueue<Receipt> settledReceipts = new ConcurrentLinkedQueue<>();
    /** Failed ack flushes in a row; loop thread only. */
    private int ackFailures;
    /** Paces pulls while the backend fails; used by the loop thread only. */
    private final Backoff popBackoff = new Backoff();
    /** Leased deliveries whose process died running them ({@link Outcome#LOST}): handed back, counted. */
    private final ConcurrentLinkedQueue<Receipt> lostReceipts = new ConcurrentLinkedQueue<>();
    private volatile boolean stopRequested;
    private volatile boolean stopSignal;
    private volatile boolean respawnSignal;
    private volatile Thread loopThread;

    /**
     * Builds the runtime of {@code worker}: validates its configuration, connects its broker and binds
     * it. Nothing runs until {@link #run()}.
     *
     * @param workerArguments arguments child processes pass back to core to rebuild the worker
     * @throws SergeantException for an invalid configuration or an unreachable backend
     */
    public WorkerRuntime(Worker worker, Sergeant sergeant, List<String> workerArguments) {
        this.sergeant = Objects.requireNonNull(sergeant, "sergeant is null");
        this.assembly = new WorkerAssembly(worker, sergeant);
        this.config = assembly.config;
        this.worker = worker;
        this.backend = assembly.broker.backend();
        this.workerArguments = List.copyOf(workerArguments);
    }

    /** The validated configuration. */
    public WorkerConfig config() {
        return config;
    }

    /** Asks the loop to stop fetching, finish or hand back its tasks and finalize (what SIGTERM does). */
    public void requestStop() {
        stopRequested = true;
        Thread thread = loopThread;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    /** Runs the worker to its end and returns its summary; never throws for task or hook failures. */
    public RunSummary run() {
        loopThread = Thread.currentThread();
        Instant start = Instant.now();
        long wallStart = System.nanoTime();
        long cpuStart = processCpuNanos();
        String initializeException = null;
        String executorException = null;
        String finalizeException = null;
        try {
            worker.initialize();
        } catch (WorkerStop e) {
            stopSignal = true;
        } catch (WorkerRespawn e) {
            respawnSignal = true;
        } catch (Exception | AssertionError | WorkerSignal e) {
            initializeException = LifecycleTaskRunner.describe(e);
            log.atError().addKeyValue("queue", config.name()).log("initialize has failed: {}", initializeException, e);
        }
        if (initializeException != null || stopSignal || respawnSignal) {
            return summary(start, wallStart, cpuStart, initializeException, null, null);
        }
        try {
            executeTasks();
        } catch (RuntimeException e) {
            executorException = LifecycleTaskRunner.describe(e);
            log.atError().addKeyValue("queue", config.name()).log("execute_tasks has failed: {}", executorException, e);
        }
        try {
            worker.finalizeWorker();
        } catch (WorkerStop e) {
            stopSignal = true;
        } catch (WorkerRespawn e) {
            respawnSignal = true;
        } catch (Exception | AssertionError | WorkerSignal e) {
            finalizeException = LifecycleTaskRunner.describe(e);
            log.atError().addKeyValue("queue", config.name()).log("finalize has failed: {}", finalizeException, e);
        }
        return summary(start, wallStart, cpuStart, null, executorException, finalizeException);
    }

    private void executeTasks() {
        boolean leased = config.delivery().mode() == DeliveryMode.AT_LEAST_ONCE;
        DeliveryOptions options = leased
                ? DeliveryOptions.leased(config.delivery().lease(), config.delivery().maxDeliveries())
                : DeliveryOptions.AT_MOST_ONCE;
        Killer killer = sergeant.registry().killers().get(config.executor().killer())
                .create(config.timeouts(), assembly.pluginContext);
        ExecutionContext context = new ExecutionContext(assembly.runner, killer, assembly.broker.encoder(),
                worker.getClass().getName(), workerArguments, assembly.pluginContext);
        ExecutorSpec spec = new ExecutorSpec(config.executor().concurrency(), config.timeouts(),
                new PluginOptions("executor '" + config.executor().kind() + "'", config.executor().options()));
        try (killer;
             LeaseKeeper keeper = leased ? new LeaseKeeper(BackendRoles.leases(backend, "delivery mode at-least-once"), config.name(), config.delivery().lease(),
                     config.delivery().reapInterval(), config.delivery().maxDeliveries()) : null) {
            TaskExecutor executor = sergeant.registry().executors().get(config.executor().kind()).create(spec, context);
            slots = new java.util.concurrent.Semaphore(executor.concurrency());
            List<RunningBatch> running = new ArrayList<>();
            try {
                loop(executor, options, keeper, running);
            } finally {
                finish(running, executor, keeper);
                // Tasks of an abandoned (stuck) batch may still settle while the executor closes:
                // close it first, then ack, then stop the lease keeper.
                executor.close();
                flushAcks(keeper);
            }
        }
    }

    /**
     * Pops a batch whenever the executor holds fewer tasks than {@code max(concurrency,
     * tasksPerTransaction)}, so every thread stays busy even with batches of one task, and the next pop
     * overlaps the running tasks; batches go to the executor whole ({@link TaskExecutor#runBatch}).
     */
    private void loop(TaskExecutor executor, DeliveryOptions options, LeaseKeeper keeper, List<RunningBatch> running) {
        boolean runForever = config.maxTasksPerRun() == 0;
        int tasksLeft = config.maxTasksPerRun();
        int timeWithNoTasks = 0;
        int capacity = Math.max(config.executor().concurrency(), config.tasksPerTransaction());
        while (!shouldEnd(executor)) {
            flushAcks(keeper);
            settleFinished(running, keeper);
            if (inExecutor.get() >= capacity) {
                waitForProgress(capacity);
                continue;
            }
            int wanted = runForever ? config.tasksPerTransaction() : Math.min(config.tasksPerTransaction(), tasksLeft);
            if (wanted <= 0) {
                return;
            }
            List<Delivery> deliveries;
            try {
                deliveries = backend.pop(config.name(), wanted, options);
                int failures = popBackoff.succeeded();
                if (failures > 0) {
                    log.atWarn().addKeyValue("queue", config.name()).addKeyValue("failures", failures)
                            .log("pulling tasks again after {} failed pulls", failures);
                }
            } catch (RuntimeException e) {
                // The backend is down or unreachable: back off (logging once per step), never exit.
                Backoff.Step step = popBackoff.failed();
                log.atError().addKeyValue("queue", config.name()).addKeyValue("failures", step.failures())
                        .log("could not pull tasks ({} in a row); trying again in {} ms: {}", step.failures(),
                                step.delay().toMillis(), e.getMessage());
                sleepUnlessStopped(step.delay());
                continue;
            }
            if (deliveries.isEmpty()) {
                if (inExecutor.get() > 0) {
                    // Busy, not starving: wait for a task to end, then poll again.
                    waitForProgress(inExecutor.get());
                    continue;
                }
                sleepUnlessStopped(config.pollInterval());
                if (shouldEnd(executor)) {
                    return;
                }
                timeWithNoTasks++;
                starve(timeWithNoTasks);
                continue;
            }
            timeWithNoTasks = 0;
            tasksLeft -= deliveries.size();
            if (keeper != null) {
                keeper.hold(receipts(deliveries));
            }
            Object[] decoded = decode(deliveries);
            List<Delivery> runnable = new ArrayList<>(deliveries.size());
            List<Task> tasks = new ArrayList<>(deliveries.size());
            for (int index = 0; index < decoded.length; index++) {
                if (decoded[index] instanceof Task task) {
                    tasks.add(task);
                    runnable.add(deliveries.get(index));
                } else {
                    SergeantException e = (SergeantException) decoded[index];
                    deadLetter(deliveries.get(index), "undecodable payload: " + e.code() + ": " + e.getMessage(), keeper);
                }
            }
            if (shouldEnd(executor)) {
                handBack(runnable, keeper);
                return;
            }
            start(executor, runnable, tasks, keeper, running);
        }
    }

    /** Parks the loop thread until the executor holds fewer than {@code threshold} tasks, a stop, or 100 ms. */
    private void waitForProgress(int threshold) {
        wakeBelow = threshold;
        if (inExecutor.get() >= threshold && !stopRequested && !stopSignal && !respawnSignal) {
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
        }
        wakeBelow = 0;
    }

    /** Hands back the unstarted tasks of every finished batch and forgets it. */
    private void settleFinished(List<RunningBatch> running, LeaseKeeper keeper) {
        for (java.util.Iterator<RunningBatch> it = running.iterator(); it.hasNext(); ) {
            RunningBatch batch = it.next();
            if (batch.isDone()) {
                it.remove();
                handBack(batch.unstarted(), keeper);
            }
        }
    }

    /**
     * Decodes a batch: each element becomes its {@link Task} or the {@link SergeantException} that
     * rejected it. Large batches are decoded in parallel, since decoding is most of the loop thread's
     * work and would otherwise bound the drain rate to one core.
     */
    private Object[] decode(List<Delivery> deliveries) {
        Object[] decoded = new Object[deliveries.size()];
        java.util.stream.IntStream indexes = java.util.stream.IntStream.range(0, decoded.length);
        if (decoded.length >= PARALLEL_DECODE_THRESHOLD) {
            indexes = indexes.parallel();
        }
        indexes.forEach(index -> {
            try {
                Task task = assembly.broker.encoder().decode(deliveries.get(index).payload());
                decoded[index] = task != null ? task
                        : new SergeantException(io.sergeant.api.ErrorCode.INTERNAL_ERROR, "the decoder returned no task");
            } catch (SergeantException e) {
                decoded[index] = e;
            } catch (RuntimeException e) {
                // A codec plugin's bug must not take the batch down: the payload is kept as a dead letter.
                decoded[index] = new SergeantException(io.sergeant.api.ErrorCode.INTERNAL_ERROR,
                        "the decoder failed: " + e, e);
            }
        });
        return decoded;
    }

    private void start(TaskExecutor executor, List<Delivery> deliveries, List<Task> tasks, LeaseKeeper keeper,
                       List<RunningBatch> running) {
        if (tasks.isEmpty()) {
            return;
        }
        boolean[] reported = new boolean[tasks.size()];
        inExecutor.addAndGet(tasks.size());
        try {
            java.util.function.ObjIntConsumer<TaskResult> onResult = (result, index) -> {
                reported[index] = true;
                settle(deliveries.get(index), result);
                taskLeftExecutor();
            };
            java.util.concurrent.CompletableFuture<Void> future = executor.queuesBatches()
                    ? executor.runBatch(tasks, () -> !shouldEnd(executor), onResult)
                    : submitOneByOne(executor, tasks, onResult);
            RunningBatch batch = new RunningBatch(future, deliveries, reported);
            // Skipped tasks are never reported: account for them when the batch completes.
            future.whenComplete((ignored, error) -> {
                int skipped = batch.unstarted().size();
                for (int i = 0; i < skipped; i++) {
                    taskLeftExecutor();
                }
            });
            running.add(batch);
        } catch (RuntimeException e) {
            inExecutor.addAndGet(-tasks.size());
            log.atError().addKeyValue("queue", config.name()).log("the executor refused a batch: {}", e.toString());
            handBack(deliveries, keeper);
        }
    }

    /**
     * For executors that do not queue batches: submits the tasks one by one, each when one of the
     * executor's {@code concurrency} slots is free (blocking the loop thread meanwhile), so slots are
     * shared across batches and every thread or child stays busy.
     */
    private java.util.concurrent.CompletableFuture<Void> submitOneByOne(TaskExecutor executor, List<Task> tasks,
                                                                      java.util.function.ObjIntConsumer<TaskResult> onResult) {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.atomic.AtomicInteger remaining = new java.util.concurrent.atomic.AtomicInteger(tasks.size());
        Runnable countDown = () -> {
            if (remaining.decrementAndGet() == 0) {
                done.complete(null);
            }
        };
        for (int i = 0; i < tasks.size(); i++) {
            slots.acquireUninterruptibly();
            java.util.concurrent.CompletableFuture<TaskResult> future = null;
            if (!shouldEnd(executor)) {
                try {
                    future = executor.submit(tasks.get(i));
                } catch (RuntimeException e) {
                    log.atError().addKeyValue("queue", config.name()).log("the executor refused a task: {}", e.toString());
                }
            }
            if (future == null) {
                // Not started: the rest of the batch is skipped and handed back by the caller.
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

    private void taskLeftExecutor() {
        int left = inExecutor.decrementAndGet();
        if (left < wakeBelow) {
            Thread thread = loopThread;
            if (thread != null) {
                LockSupport.unpark(thread);
            }
        }
    }

    /** Waits for the running batch; false when it is abandoned because its tasks ignore their interrupt. */
    private boolean awaitBatch(RunningBatch running, TaskExecutor executor) {
        long stuckSince = 0;
        while (true) {
            try {
                running.future().get(100, TimeUnit.MILLISECONDS);
                return true;
            } catch (java.util.concurrent.TimeoutException e) {
                if (executor.respawnRequested()) {
                    stuckSince = stuckSince == 0 ? System.nanoTime() : stuckSince;
                    if (System.nanoTime() - stuckSince > config.timeouts().gracePeriod().toNanos()) {
                        log.atError().addKeyValue("queue", config.name())
                                .log("abandoning tasks that ignore their interrupt; the worker exits to be respawned");
                        return false;
                    }
                }
            } catch (java.util.concurrent.ExecutionException e) {
                log.atError().addKeyValue("queue", config.name()).log("a batch failed: {}", e.getCause().toString());
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private void finish(List<RunningBatch> running, TaskExecutor executor, LeaseKeeper keeper) {
        for (RunningBatch batch : running) {
            if (!awaitBatch(batch, executor)) {
                // Tasks that ignore their interrupt: their leases expire and they are delivered again.
                return;
            }
            handBack(batch.unstarted(), keeper);
        }
        running.clear();
    }

    private void settle(Delivery delivery, TaskResult result) {
        Outcome outcome = result.outcome();
        if (outcome == Outcome.LOST) {
            if (!delivery.leased()) {
                // At-most-once: the task is gone with its process and cannot run again; report it as failed.
                TaskResult reported = assembly.runner.reportKilled(result.task(), false, result.error());
                settle(delivery, reported == null || reported.outcome() == Outcome.LOST
                        ? new TaskResult(result.task(), Outcome.FAILURE, result.error()) : reported);
                return;
            }
            // At-least-once: not acked; handed back with its delivery counted (flushAcks), so it runs again
            // and a task that kills its process every time reaches the dead letters after maxDeliveries.
            outcomeCounts[outcome.ordinal()].incrementAndGet();
            lostReceipts.add(delivery.receipt());
            return;
        }
        outcomeCounts[outcome.ordinal()].incrementAndGet();
        if (outcome == Outcome.STOP) {
            stopSignal = true;
        } else if (outcome == Outcome.RESPAWN) {
            respawnSignal = true;
        }
        if (delivery.leased()) {
            settledReceipts.add(delivery.receipt());
        }
        if (outcome.interruptsWorker()) {
            Thread thread = loopThread;
            if (thread != null) {
                LockSupport.unpark(thread);
            }
        }
    }

    private void deadLetter(Delivery delivery, String reason, LeaseKeeper keeper) {
        log.atError().addKeyValue("queue", config.name()).log("moving a task to the dead letters: {}", reason);
        deadLettered.incrementAndGet();
        if (keeper != null && delivery.leased()) {
            keeper.settled(List.of(delivery.receipt()));
        }
        try {
            if (backend.deadLetterRole().isEmpty()) {
                log.atError().addKeyValue("queue", config.name())
                        .log("dropping the task: backend {} has no dead-letter role", backend);
                return;
            }
            backend.deadLetterRole().get().deadLetter(config.name(), delivery, reason);
        } catch (RuntimeException e) {
            // Not settled: the lease expires and the reaper brings the task back.
            log.atError().addKeyValue("queue", config.name()).log("could not dead-letter a task: {}", e.getMessage());
        }
    }

    private void handBack(List<Delivery> rest, LeaseKeeper keeper) {
        if (rest.isEmpty()) {
            return;
        }
        try {
            if (keeper != null) {
                List<Receipt> receipts = receipts(rest);
                keeper.settled(receipts);
                keeper.leases().release(config.name(), receipts);
            } else {
                List<byte[]> payloads = new ArrayList<>(rest.size());
                rest.forEach(delivery -> payloads.add(delivery.payload()));
                backend.push(config.name(), payloads, Priority.HIGH, null);
            }
            log.atInfo().addKeyValue("queue", config.name()).addKeyValue("tasks", rest.size()).log("handed back unstarted tasks");
        } catch (RuntimeException e) {
            log.atError().addKeyValue("queue", config.name())
                    .log("could not hand back {} unstarted tasks: {}", rest.size(), e.getMessage());
        }
    }

    private void flushAcks(LeaseKeeper keeper) {
        if (keeper != null && !lostReceipts.isEmpty()) {
            List<Receipt> lost = new ArrayList<>();
            for (Receipt receipt; (receipt = lostReceipts.poll()) != null; ) {
                lost.add(receipt);
            }
            keeper.settled(lost);
            try {
                // release keeps the delivery count: the lost delivery counts toward maxDeliveries.
                keeper.leases().release(config.name(), lost);
                log.atWarn().addKeyValue("queue", config.name()).addKeyValue("tasks", lost.size())
                        .log("handed back tasks whose process died running them; they count as delivered once");
            } catch (RuntimeException e) {
                // Their leases expire and the reaper brings them back, counted the same way.
                log.atError().addKeyValue("queue", config.name())
                        .log("could not hand back {} lost tasks (their leases will expire): {}", lost.size(), e.getMessage());
            }
        }
        if (keeper == null || settledReceipts.isEmpty()) {
            return;
        }
        List<Receipt> receipts = new ArrayList<>();
        for (Receipt receipt; (receipt = settledReceipts.poll()) != null; ) {
            receipts.add(receipt);
        }
        // Stop extending them first, so an extension racing this ack is not mistaken for a lost lease.
        keeper.settled(receipts);
        try {
            SettleResult result = keeper.leases().ack(config.name(), receipts);
            if (!result.refused().isEmpty()) {
                log.atWarn().addKeyValue("queue", config.name()).addKeyValue("refused", result.refused().size())
                        .log("acks refused: the leases had expired and the tasks were delivered again; raise delivery.lease");
            }
        } catch (RuntimeException e) {
            // The leases stay held and extended; the next flush tries again.
            keeper.hold(receipts);
            settledReceipts.addAll(receipts);
            // Tried again before every pull: log once per doubling of the failures, not once per try.
            if (Integer.bitCount(++ackFailures) == 1) {
                log.atError().addKeyValue("queue", config.name()).log("could not ack {} tasks ({} tries in a row): {}",
                        receipts.size(), ackFailures, e.getMessage());
            }
            return;
        }
        ackFailures = 0;
    }

    private void starve(int timeWithNoTasks) {
        config.starvationSetting().ifPresent(starvation -> {
            if (timeWithNoTasks < starvation.timeWithNoTasks()) {
                return;
            }
            if (config.logging().events().onStarvation()) {
                log.atWarn().addKeyValue("time_with_no_tasks", timeWithNoTasks).log("worker is starving");
            }
            try {
                worker.onStarvation(timeWithNoTasks);
            } catch (WorkerStop e) {
                stopSignal = true;
            } catch (WorkerRespawn e) {
                respawnSignal = true;
            } catch (Exception | AssertionError | WorkerSignal e) {
                log.error("onStarvation handler has failed: {}", LifecycleTaskRunner.describe(e), e);
            }
        });
    }

    private boolean shouldEnd(TaskExecutor executor) {
        return stopRequested || stopSignal || respawnSignal || executor.respawnRequested() && markRespawn();
    }

    private boolean markRespawn() {
        respawnSignal = true;
        return true;
    }

    private void sleepUnlessStopped(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        long left;
        while (!stopRequested && !stopSignal && !respawnSignal && (left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(this, left);
        }
    }

    private RunSummary summary(Instant start, long wallStart, long cpuStart, String initializeException,
                               String executorException, String finalizeException) {
        double wall = (System.nanoTime() - wallStart) / 1e9;
        double cpu = (processCpuNanos() - cpuStart) / 1e9;
        boolean stop = stopSignal || stopRequested;
        ExitCode exitCode;
        if (stop) {
            exitCode = ExitCode.WORKER_ASKED_TO_STOP;
        } else if (respawnSignal) {
            exitCode = ExitCode.WORKER_ASKED_TO_RESPAWN;
        } else if (initializeException != null || executorException != null || finalizeException != null) {
            exitCode = ExitCode.WORKER_EXECUTION_FAILURE;
        } else {
            exitCode = ExitCode.WORKER_EXITED_NORMALLY;
        }
        Map<String, Long> counts = new java.util.TreeMap<>();
        for (Outcome outcome : Outcome.values()) {
            long count = outcomeCounts[outcome.ordinal()].get();
            if (count > 0) {
                counts.put(outcome.name().toLowerCase(java.util.Locale.ROOT), count);
            }
        }
        if (deadLettered.get() > 0) {
            counts.put("dead_lettered", deadLettered.get());
        }
        RunSummary summary = new RunSummary(start, Instant.now(), wall, cpu, initializeException, executorException,
                finalizeException, respawnSignal && !stop, stop, counts, exitCode.code());
        if (config.logging().summary()) {
            log.atInfo().addKeyValue("queue", config.name()).log("worker summary: {}", summary.toJson());
        }
        return summary;
    }

    private static AtomicLong[] newCounters() {
        AtomicLong[] counters = new AtomicLong[Outcome.values().length];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = new AtomicLong();
        }
        return counters;
    }

    /** A batch handed to the executor: its completion, its deliveries and which of them were reported. */
    private record RunningBatch(java.util.concurrent.CompletableFuture<Void> future, List<Delivery> deliveries, boolean[] reported) {

        boolean isDone() {
            return future.isDone();
        }

        /** The deliveries whose tasks never started; valid once the future completed. */
        List<Delivery> unstarted() {
            List<Delivery> rest = new ArrayList<>();
            for (int i = 0; i < reported.length; i++) {
                if (!reported[i]) {
                    rest.add(deliveries.get(i));
                }
            }
            return rest;
        }
    }

    private static List<Receipt> receipts(List<Delivery> deliveries) {
        List<Receipt> receipts = new ArrayList<>(deliveries.size());
        for (Delivery delivery : deliveries) {
            if (delivery.leased()) {
                receipts.add(delivery.receipt());
            }
        }
        return receipts;
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
        if (bean instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return 0;
    }

    /** Closes the broker; call after {@link #run()}. */
    @Override
    public void close() {
        assembly.close();
    }
}
