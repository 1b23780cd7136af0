package io.sergeant.core.internal.runtime;

import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.api.worker.WorkerRespawn;
import io.sergeant.api.worker.WorkerSignal;
import io.sergeant.api.worker.WorkerStop;
import io.sergeant.core.internal.broker.BackendRoles;
import io.sergeant.core.internal.plugin.PluginRegistry;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.PopPipeline;
import io.sergeant.spi.execution.ExecutionContext;
import io.sergeant.spi.execution.ExecutorSpec;
import io.sergeant.spi.execution.Killer;
import io.sergeant.spi.execution.TaskExecutor;
import io.sergeant.core.internal.observe.ListenerChain;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The fetching loop of one worker run (docs/python-compat.md §5.1), in both delivery modes: pops batches of
 * {@code tasksPerTransaction}, decodes them (an undecodable payload goes to the dead letters), runs them on
 * the executor (at most {@code concurrency} at once) and, in at-least-once mode, acks settled tasks in the
 * same call as the next pop (settle-and-pop; alone when the loop waits longer) while a {@link LeaseKeeper}
 * extends and reaps leases. It ends after
 * {@code maxTasksPerRun} tasks, on a stop or respawn in {@link RunState}, or when the executor asks for a
 * fresh process; tasks fetched but not started are handed back. Running tasks finish before
 * {@link #run()} returns.
 *
 * <p>This class decides when to pop, wait or end; a {@link BatchStarter} hands each popped batch to the
 * executor chunk by chunk and settles the outcomes, and {@link Settlement} talks to the backend about the
 * tasks held.
 *
 * <p>{@link #run()} is called once, from the worker's loop thread; outcomes arrive on executor threads, or on
 * the loop thread itself when a one-thread at-most-once worker runs its tasks there ({@link #runsHere}).
 */
public final class TaskLoop {

    private static final Logger log = LoggerFactory.getLogger(TaskLoop.class);

    /**
     * Payloads decoded before their tasks go to the executor ({@link BatchStarter#startInChunks}): small enough
     * that the executor starts soon after a pop, large enough that a hand-off is rare next to the tasks it carries.
     * Halves popped and decoded ahead ({@link SplitPopAhead}) go to the executor whole.
     */
    static final int DECODE_CHUNK = 128;

    /**
     * Whether at-least-once starts the next settle-and-pop while it decodes a full batch ({@link PopAhead});
     * {@code -Dsergeant.pop.ahead=false} turns it off (for measurements).
     */
    private static final boolean POP_AHEAD = !"false".equals(System.getProperty("sergeant.pop.ahead"));

    /**
     * The smallest {@code tasksPerTransaction} that pops ahead: large batches are the throughput setting,
     * whose decode is long enough to hide a call behind; small ones are the latency and fairness setting,
     * where a worker should not hold a task it cannot start while another worker could run it.
     */
    static final int POP_AHEAD_MIN_BATCH = DECODE_CHUNK;

    /**
     * Whether a one-thread at-most-once worker runs its tasks on the loop thread where the executor allows it
     * ({@link #runsHere}); {@code -Dsergeant.run.here=false} keeps them on the executor's thread (for measurements).
     */
    private static final boolean RUN_HERE = !"false".equals(System.getProperty("sergeant.run.here"));

    /**
     * Whether a loop that runs its tasks itself ({@link #runsHere}) pipelines its pops where the backend can split one
     * ({@link Backend#popPipeline}); {@code -Dsergeant.pop.pipeline=false} turns it off (for measurements).
     */
    private static final boolean PIPELINE = !"false".equals(System.getProperty("sergeant.pop.pipeline"));

    /**
     * Whether a pipelining loop pops halves ({@code -Dsergeant.pop.pipeline.halves=true}, for measurements), so the
     * half in hand and the half in flight hold no more than one batch; by default it pops whole batches, the batch in
     * hand and the one in flight holding up to two (measured faster: docs/decisions.md, "Pipelined at-most-once pop").
     */
    private static final boolean PIPELINE_HALVES = Boolean.getBoolean("sergeant.pop.pipeline.halves");

    /**
     * The longest a batch may have taken to run for the next pop to be sent before the batch after it runs: the
     * pipeline saves at most one pop's round trip per batch (well under a millisecond for 1,000 tasks on a local
     * server), worth nothing beside batches that run longer, and a batch popped ahead is held, away from other
     * workers, for as long as the batch in hand runs (docs/decisions.md, "Pipelined at-most-once pop"). The batch
     * after a short one may itself run long: the popped-ahead batch then waits for it (docs/guarantees.md). 10 ms;
     * {@code -Dsergeant.pop.pipeline.maxRunMillis} changes it (it-tests raise it, so that a loaded machine's slow
     * batches cannot keep its pipeline tests from seeing the pipeline).
     */
    static final long PIPELINE_MAX_RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(
            Math.max(0, Long.getLong("sergeant.pop.pipeline.maxRunMillis", 10)));

    /** How long acks may wait for the next pop before a waiting loop sends them alone. */
    private static final long ACK_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final WorkerAssembly assembly;
    private final WorkerConfig config;
    private final Worker worker;
    private final Backend backend;
    private final PluginRegistry registry;
    private final List<String> workerArguments;
    private final RunState state;
    private final BatchDecoder decoder;
    /** Paces pulls while the backend fails; loop thread only. */
    private final Backoff popBackoff = new Backoff();
    private final ListenerChain listeners;

    /** Hands popped batches to the executor and settles their outcomes; created with the executor. */
    private BatchStarter starter;
    /** Tasks handed to the executor and not yet reported or skipped, and the loop thread's wait on them. */
    private final ExecutorCount inExecutor;
    private Settlement settlement;
    /** The next settle-and-pop while the loop decodes (at-least-once); null otherwise. */
    private PopAhead popAhead;
    /** Halves popped while the executor runs the last (at-most-once where pops split cheaply); null otherwise. */
    private SplitPopAhead split;
    /**
     * The pop sent before the batch in hand runs, read after it (one-thread at-most-once on the loop thread, where
     * the backend splits pops); null otherwise.
     */
    private PopPipeline pipeline;
    /** Up to how many tasks the pipeline's pop in flight asked for; loop thread only. */
    private int pipelinedMax;
    /** Whether the last batch ran within {@link #PIPELINE_MAX_RUN_NANOS}, so the next pop may be sent ahead. */
    private boolean ranShort;
    /**
     * Tasks an at-most-once idle wait took itself ({@link IdleWait#await(int, Runnable)}), run as the next popped batch;
     * handed back if the loop ends first. Null when none; loop thread only.
     */
    private List<Delivery> idleTaken;
    /** Consecutive poll intervals spent idle (Python's {@code time_with_no_tasks}); loop thread only. */
    private int timeWithNoTasks;

    /**
     * A loop for an assembled worker.
     *
     * @param registry where the configuration's executor and killer are found
     * @param workerArguments arguments child processes pass back to core to rebuild the worker
     * @param state the run's flags and counts, shared with the lifecycle
     */
    public TaskLoop(WorkerAssembly assembly, PluginRegistry registry, List<String> workerArguments, RunState state) {
        this.assembly = Objects.requireNonNull(assembly, "assembly is null");
        this.config = assembly.config();
        this.worker = assembly.worker();
        this.backend = assembly.broker().backend();
        this.registry = Objects.requireNonNull(registry, "registry is null");
        this.workerArguments = List.copyOf(workerArguments);
        this.state = Objects.requireNonNull(state, "state is null");
        this.inExecutor = new ExecutorCount(state);
        this.decoder = new BatchDecoder(assembly.broker().encoder(), config.limits().decodeDeadline());
        this.listeners = assembly.broker().listeners();
    }

    /**
     * Runs the loop to its end: creates the killer and the executor, fetches and runs tasks, then waits
     * for running tasks, hands back what never started and sends the last acks.
     *
     * @throws RuntimeException if the executor or killer cannot be created or the executor fails
     */
    public void run() {
        state.enterLoopThread();
        boolean leased = config.delivery().mode() == DeliveryMode.AT_LEAST_ONCE;
        DeliveryOptions options = leased
                ? DeliveryOptions.leased(config.delivery().lease(), config.delivery().maxDeliveries())
                : DeliveryOptions.AT_MOST_ONCE;
        Killer killer = registry.killers().get(config.executor().killer())
                .create(config.timeouts(), assembly.pluginContext());
        ExecutionContext context = new ExecutionContext(assembly.runner(), killer, assembly.broker().encoder(),
                worker.getClass().getName(), workerArguments, assembly.pluginContext(),
                ChildConfiguration.systemProperties(config));
        ExecutorSpec spec = new ExecutorSpec(config.executor().concurrency(), config.timeouts(),
                new PluginOptions("executor '" + config.executor().kind() + "'", config.executor().options()));
        try (killer;
             LeaseKeeper keeper = leased ? new LeaseKeeper(BackendRoles.leases(backend, "delivery mode at-least-once"),
                     config.name(), config.delivery().lease(),
                     config.delivery().reapInterval(), config.delivery().maxDeliveries(), listeners) : null) {
            settlement = new Settlement(backend, config.name(), keeper, state, listeners);
            TaskExecutor executor = registry.executors().get(config.executor().kind()).create(spec, context);
            // Created after the executor, so the finally below always stops its thread.
            popAhead = leased && POP_AHEAD && config.tasksPerTransaction() >= POP_AHEAD_MIN_BATCH
                    ? new PopAhead(settlement, config.name()) : null;
            boolean runHere = runsHere(leased, executor);
            split = !runHere && splits(leased) ? new SplitPopAhead(backend, config.name(), settlement, decoder, state,
                    capacity(), config.tasksPerTransaction()) : null;
            starter = new BatchStarter(assembly, state, decoder, settlement, inExecutor, executor, split, runHere);
            pipeline = runHere && PIPELINE && config.tasksPerTransaction() >= POP_AHEAD_MIN_BATCH
                    ? backend.popPipeline(config.name()).orElse(null) : null;
            try {
                loop(executor, options);
            } finally {
                handBackPoppedAhead();
                starter.finish();
                // Tasks of an abandoned (stuck) batch may still settle while the executor closes:
                // close it first, then ack, then stop the lease keeper.
                executor.close();
                settlement.flushAcks();
            }
        }
    }

    /** The most tasks the worker holds (popped and not ended): {@code max(concurrency, tasksPerTransaction)}. */
    private int capacity() {
        return Math.max(config.executor().concurrency(), config.tasksPerTransaction());
    }

    /**
     * Whether the loop thread runs the tasks itself, between its pops ({@link TaskExecutor#runBatchHere}):
     * at-most-once without prefetch, an executor that allows it ({@link TaskExecutor#runsBatchesHere()}: the
     * thread executor with one thread and no timeout) and {@code -Dsergeant.run.here} not {@code false}. Each
     * batch is then popped whole, decoded in chunks and run chunk by chunk on this thread: no hand-off to an
     * executor thread, none back, and no pop-ahead thread (docs/decisions.md, "One-thread at-most-once runs
     * its tasks on the loop thread"). Where the backend splits a pop into its send and its read
     * ({@link Backend#popPipeline}) and batches are of at least {@link #POP_AHEAD_MIN_BATCH}, the loop sends the
     * next pop before it runs a full batch that followed a short run ({@link #PIPELINE_MAX_RUN_NANOS}) and reads it
     * after: the server pops while the loop runs (docs/decisions.md, "Pipelined at-most-once pop"). The bound is then
     * the batch in hand plus the one popped ahead (two batches); without a pipeline it is the plain one, the loop
     * popping only once the batch before has run. A pop still in flight when the loop ends is read and handed back
     * ({@link #handBackPoppedAhead}). At-least-once keeps its executor thread: its acks and its pops ahead belong to
     * the loop thread.
     */
    private boolean runsHere(boolean leased, TaskExecutor executor) {
        return !leased && !config.delivery().prefetch() && RUN_HERE && executor.runsBatchesHere();
    }

    /**
     * Whether at-most-once batches are popped as halves ahead ({@link SplitPopAhead}): at-most-once without
     * prefetch (which holds one batch's worth of tasks), batches of at least {@link SplitPopAhead#MIN_BATCH},
     * a backend whose halved pops cost about half a whole one ({@link Backend#popsSplitCheaply()}: remote
     * pops, and SQLite in WAL mode; not SQLite with a rollback journal, an fsync per pop), and pop ahead not
     * turned off.
     */
    private boolean splits(boolean leased) {
        return !leased && !config.delivery().prefetch() && POP_AHEAD
                && config.tasksPerTransaction() >= SplitPopAhead.MIN_BATCH && backend.popsSplitCheaply();
    }

    /**
     * Pops a batch whenever the executor holds fewer tasks than {@code max(concurrency,
     * tasksPerTransaction)}, so every thread stays busy even with batches of one task, and the next pop
     * overlaps the running tasks; batches go to the executor whole ({@link TaskExecutor#runBatch}).
     */
    private void loop(TaskExecutor executor, DeliveryOptions options) {
        boolean runForever = config.maxTasksPerRun() == 0;
        int tasksLeft = config.maxTasksPerRun();
        timeWithNoTasks = 0;
        IdleWait idleWait = new IdleWait(backend, config.name(), config.pollInterval(), state);
        int capacity = capacity();
        // At-most-once without prefetch holds at most one batch, as Python: a crash loses no more than it.
        boolean holdOneBatch = !options.leased() && !config.delivery().prefetch();
        while (!shouldEnd(executor)) {
            // Lost deliveries go back at once; acks of settled tasks ride with the next pop (settle-and-pop).
            settlement.flushLost();
            starter.settleFinished();
            int wanted = runForever ? config.tasksPerTransaction() : Math.min(config.tasksPerTransaction(), tasksLeft);
            if (pipeline != null && PIPELINE_HALVES) {
                // Measurements only: half a batch in hand leaves room for the half popped ahead.
                wanted = (wanted + 1) / 2;
            }
            int budget = runForever ? Integer.MAX_VALUE : tasksLeft;
            boolean takeHalf = split != null && (split.pending() || split.popping() && budget > 0);
            if (takeHalf) {
                // Halves come in the order they were started; more start as the executor makes room.
                split.topUp(inExecutor.get(), 0, budget);
                if (!split.pending() || !split.headEnded()) {
                    awaitHalf(budget);
                    continue;
                }
            }
            int limit = holdOneBatch ? capacity - Math.max(wanted, 1) + 1 : capacity;
            if (!takeHalf && inExecutor.get() >= limit) {
                // No pop now: acks older than one wait go out on their own, unless a pop ahead is still on its
                // way (it owns the acks until it ended; one that ended, waiting to be taken, took only those
                // settled before it started).
                if (popAhead == null || !popAhead.ownsAcks()) {
                    settlement.flushAcksOlderThan(ACK_DELAY_NANOS);
                }
                inExecutor.awaitBelow(limit);
                continue;
            }
            if (!takeHalf && wanted <= 0 && idleTaken == null) {
                return;
            }
            PoppedBatch popped;
            // Decode results of a half the pop-ahead thread decoded; null when the loop decodes the batch.
            List<DecodeResult> decoded = null;
            long popStart = System.nanoTime();
            try {
                if (takeHalf) {
                    // Counted as held since it started; taking it moves its tasks into the loop's hand.
                    PopAhead.Popped half = split.take();
                    popped = half.batch();
                    decoded = half.decoded();
                    wanted = half.max();
                    listeners.popped(config.name(), wanted, popped.size(), Duration.ofNanos(half.nanos()));
                } else if (idleTaken != null) {
                    // Taken by the idle wait (at-most-once): deleted from the backend already, as a pop's.
                    List<Delivery> deliveries = idleTaken;
                    idleTaken = null;
                    popped = settlement.hold(deliveries);
                    listeners.popped(config.name(), wanted, deliveries.size(), Duration.ofNanos(System.nanoTime() - popStart));
                } else if (pipeline != null && pipeline.inFlight()) {
                    // Sent before the batch before ran; its reply waited in the socket meanwhile.
                    wanted = pipelinedMax;
                    List<Delivery> deliveries = pipeline.receive();
                    popped = settlement.hold(deliveries);
                    listeners.popped(config.name(), wanted, deliveries.size(), Duration.ofNanos(System.nanoTime() - popStart));
                } else if (popAhead != null && popAhead.pending()) {
                    // Held (its leases extended) on the pop-ahead thread as soon as its call returned.
                    PopAhead.Popped ahead = popAhead.take();
                    popped = ahead.batch();
                    wanted = ahead.max();
                    listeners.popped(config.name(), wanted, popped.size(), Duration.ofNanos(ahead.nanos()));
                } else {
                    List<Delivery> deliveries = options.leased() ? settlement.ackAndPop(wanted, options)
                            : backend.pop(config.name(), wanted, options);
                    popped = settlement.hold(deliveries);
                    listeners.popped(config.name(), wanted, deliveries.size(), Duration.ofNanos(System.nanoTime() - popStart));
                }
                countRedeliveries(popped.deliveries());
                int failures = popBackoff.succeeded();
                if (failures > 0) {
                    log.atWarn().addKeyValue("queue", config.name()).addKeyValue("failures", failures)
                            .log("pulling tasks again after {} failed pulls", failures);
                }
            } catch (RuntimeException e) {
                if (split != null) {
                    // A failed pop is not a full one: nothing more is popped ahead until a pop is full again.
                    split.popping(false);
                }
                listeners.popFailed(config.name(), Duration.ofNanos(System.nanoTime() - popStart), e);
                // The backend is down or unreachable: back off (logging once per step), never exit.
                Backoff.Step step = popBackoff.failed();
                log.atError().addKeyValue("queue", config.name()).addKeyValue("failures", step.failures())
                        .log("could not pull tasks ({} in a row); trying again in {} ms: {}", step.failures(),
                                step.delay().toMillis(), e.getMessage());
                sleepUnlessStopped(step.delay());
                continue;
            }
            if (popped.size() == 0) {
                if (split != null) {
                    split.popping(false);
                    if (split.pending()) {
                        continue;
                    }
                }
                // Busy, not starving: wait for a task to end, then poll again. The count is read once: read
                // twice, a task ending in between made it a wait for fewer than none, slept in full (100 ms).
                if (inExecutor.awaitOneLeaving()) {
                    continue;
                }
                List<Delivery> taken = idleWait.await(options.leased() ? 0 : Math.max(wanted, 1),
                        () -> starve(++timeWithNoTasks));
                idleTaken = taken.isEmpty() ? null : taken;
                if (shouldEnd(executor)) {
                    return;
                }
                continue;
            }
            timeWithNoTasks = 0;
            tasksLeft -= popped.size();
            int next = runForever ? config.tasksPerTransaction() : Math.min(config.tasksPerTransaction(), tasksLeft);
            boolean full = popped.size() == wanted && next > 0 && !shouldEnd(executor);
            if (popAhead != null && full) {
                // A full batch: more are likely waiting, so the next call runs while this one is decoded.
                popAhead.start(next, options);
            }
            if (split != null) {
                split.popping(full);
            }
            int left = runForever ? Integer.MAX_VALUE : tasksLeft;
            if (pipeline != null) {
                // Whole batches (by default): the batch in hand and the one popped ahead; halves hold one batch in all.
                int ahead = PIPELINE_HALVES ? Math.min(next, config.tasksPerTransaction() - popped.size()) : next;
                if (full && ranShort && ahead > 0) {
                    // The server pops the next batch while this one runs; its reply is read at the next turn.
                    pipelinedMax = ahead;
                    pipeline.send(ahead);
                }
                long runStart = System.nanoTime();
                boolean going = starter.startInChunks(popped, left);
                ranShort = System.nanoTime() - runStart <= PIPELINE_MAX_RUN_NANOS;
                if (!going) {
                    return;
                }
                continue;
            }
            if (!(decoded != null ? starter.startDecoded(popped, decoded, left) : starter.startInChunks(popped, left))) {
                return;
            }
        }
    }

    /**
     * Waits, with halves popped ahead, until the oldest has ended (its end wakes the loop thread) or the
     * executor made room for one more, or the run ends, or {@link ExecutorCount#MAX_WAIT_NANOS} passed.
     */
    private void awaitHalf(int budget) {
        int roomBelow = split.roomBelow(budget);
        if (roomBelow > 0) {
            inExecutor.awaitBelow(roomBelow);
        } else if (split.pending() && !state.ending()) {
            LockSupport.parkNanos(this, ExecutorCount.MAX_WAIT_NANOS);
        }
    }

    /**
     * Hands back what a pop ahead still in flight when the loop ended leased (at-least-once) or deleted
     * (at-most-once: re-pushed HIGH, as the unstarted tasks of a batch are), then stops its thread; a pipelined
     * pop in flight has its reply read (within the backend's read timeout) and its tasks handed back the same way, and
     * so are tasks an at-most-once idle wait took when the loop ended before running them.
     */
    private void handBackPoppedAhead() {
        if (idleTaken != null) {
            // Taken by the idle wait just before the loop ended: handed back as a popped batch not started.
            List<Delivery> taken = idleTaken;
            idleTaken = null;
            try {
                handBackAll(settlement.hold(taken));
            } catch (RuntimeException e) {
                log.atWarn().addKeyValue("queue", config.name()).log("handing back the {} task(s) the idle wait took"
                        + " failed: {}", taken.size(), e.getMessage());
            }
        }
        if (pipeline != null) {
            try {
                if (pipeline.inFlight()) {
                    // The server ran the pop: read its reply, so nothing it took is dropped, and hand it all back.
                    handBackAll(settlement.hold(pipeline.receive()));
                }
            } catch (RuntimeException e) {
                // The pop's failure names what it lost (a reply cut); its connection was dropped, not pooled.
                log.atWarn().addKeyValue("queue", config.name()).log("the last pipelined pop failed: {}", e.getMessage());
            } finally {
                pipeline.close();
            }
        }
        if (split != null) {
            try {
                while (split.pending()) {
                    try {
                        handBackAll(split.take().batch());
                    } catch (RuntimeException e) {
                        // As a failed pop of the loop's own: what the backend took, if anything, the reply never brought.
                        log.atWarn().addKeyValue("queue", config.name()).log("a last pop ahead failed: {}", e.getMessage());
                    }
                }
            } finally {
                split.close();
            }
        }
        if (popAhead == null) {
            return;
        }
        try {
            if (popAhead.pending()) {
                handBackAll(popAhead.take().batch());
            }
        } catch (RuntimeException e) {
            // Its receipts stay for the last ack; what it leased (if anything) comes back when the leases expire.
            log.atWarn().addKeyValue("queue", config.name()).log("the last pop ahead failed: {}", e.getMessage());
        } finally {
            popAhead.close();
        }
    }

    private void handBackAll(PoppedBatch popped) {
        int[] all = new int[popped.size()];
        Arrays.setAll(all, position -> position);
        settlement.handBack(popped, all);
    }

    private void starve(int timeWithNoTasks) {
        config.starvationSetting().ifPresent(starvation -> {
            if (timeWithNoTasks < starvation.timeWithNoTasks()) {
                return;
            }
            if (config.logging().events().onStarvation()) {
                LoggerFactory.getLogger(LifecycleTaskRunner.loggerName(config.name())).atWarn()
                        .addKeyValue("time_with_no_tasks", timeWithNoTasks).log("worker is starving");
            }
            try {
                worker.onStarvation(timeWithNoTasks);
            } catch (WorkerStop e) {
                state.stop();
            } catch (WorkerRespawn e) {
                state.respawn();
            } catch (Exception | AssertionError | WorkerSignal e) {
                log.error("onStarvation handler has failed: {}", LifecycleTaskRunner.logged(e), e);
            }
        });
    }

    private boolean shouldEnd(TaskExecutor executor) {
        return BatchStarter.shouldEnd(state, executor);
    }

    private void sleepUnlessStopped(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        long left;
        while (!state.ending() && (left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(this, left);
        }
    }

    private void countRedeliveries(List<Delivery> deliveries) {
        int again = 0;
        for (Delivery delivery : deliveries) {
            if (delivery.leased() && delivery.receipt().deliveryCount() > 1) {
                again++;
            }
        }
        if (again > 0) {
            listeners.redelivered(config.name(), again);
        }
    }

}
