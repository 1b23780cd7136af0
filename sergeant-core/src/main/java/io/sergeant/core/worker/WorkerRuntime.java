package io.sergeant.core.worker;

import io.sergeant.api.SergeantException;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.api.worker.WorkerRespawn;
import io.sergeant.api.worker.WorkerSignal;
import io.sergeant.api.worker.WorkerStop;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.runtime.LifecycleTaskRunner;
import io.sergeant.core.internal.runtime.RunState;
import io.sergeant.core.internal.runtime.TaskLoop;
import io.sergeant.core.internal.runtime.WorkerAssembly;
import io.sergeant.core.internal.runtime.WorkerHeartbeat;
import io.sergeant.api.observe.WorkerInfo;
import io.sergeant.core.internal.observe.ListenerChain;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Runs one worker in this JVM (docs/python-compat.md §5.2): {@code initialize}, the task loop (fetch,
 * decode, execute, ack; see {@code TaskLoop}), {@code finalizeWorker}, and a {@link RunSummary}. In both
 * delivery modes; tasks fetched but not started when the run ends are handed back (released, or re-pushed
 * HIGH unchanged in at-most-once mode, keeping their run count and trace id, unlike Python's re-push of
 * bare kwargs). Running tasks finish before {@link #run()} returns.
 *
 * <p>The configuration is explicit: the constructor takes the effective configuration and reads nothing
 * else (no system properties). A worker process applies its {@code sergeant.config.*} overrides at its
 * entry point ({@link WorkerMain}) with {@link io.sergeant.core.config.WorkerConfigProperties#effective}.
 *
 * <p>While the loop runs, the worker is in the backend's worker registry ({@code WorkerHeartbeat}: a
 * heartbeat every 5 s with a 15 s TTL, deregistered when the loop ends), where {@code sergeant workers}
 * lists it; a backend without the monitoring role simply does not list it.
 *
 * <p>{@link #run()} is called once, from one thread; {@link #requestStop()} from any thread.
 */
public final class WorkerRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerRuntime.class);

    private final Sergeant sergeant;
    private final WorkerAssembly assembly;
    private final WorkerConfig config;
    private final Worker worker;
    private final List<String> workerArguments;
    private final RunState state = new RunState();

    /**
     * Builds the runtime of {@code worker} for {@code effectiveConfig}: validates it, connects the broker
     * and binds the worker. Nothing runs until {@link #run()}.
     *
     * @param effectiveConfig the configuration to run with (usually {@code worker.config()}, possibly
     *                        with overrides applied by the caller)
     * @param workerArguments arguments child processes pass back to core to rebuild the worker
     * @throws SergeantException for an invalid configuration or an unreachable backend
     */
    public WorkerRuntime(Worker worker, WorkerConfig effectiveConfig, Sergeant sergeant, List<String> workerArguments) {
        this.sergeant = Objects.requireNonNull(sergeant, "sergeant is null");
        this.worker = Objects.requireNonNull(worker, "worker is null");
        this.workerArguments = List.copyOf(workerArguments);
        this.assembly = new WorkerAssembly(worker, effectiveConfig, sergeant);
        this.config = assembly.config();
    }

    /**
     * The runtime of {@code worker} with the configuration it declares ({@code worker.config()}), without
     * overrides; see {@link #WorkerRuntime(Worker, WorkerConfig, Sergeant, List)}.
     */
    public WorkerRuntime(Worker worker, Sergeant sergeant, List<String> workerArguments) {
        this(worker, Objects.requireNonNull(worker, "worker is null").config(), sergeant, workerArguments);
    }

    /** The validated configuration. */
    public WorkerConfig config() {
        return config;
    }

    /** Asks the loop to stop fetching, finish or hand back its tasks and finalize (what SIGTERM does). */
    public void requestStop() {
        requestStop(false);
    }

    /**
     * As {@link #requestStop()}; with {@code interruptRunning} the tasks running in this process are
     * interrupted too (as Python's SIGTERM interrupts the running task) and a task that ends by throwing
     * is handed back unchanged, without running its outcome handler and without counting the delivery. A
     * task that ignores the interrupt finishes as usual. Tasks in process-executor children finish.
     */
    public void requestStop(boolean interruptRunning) {
        state.requestStop();
        if (interruptRunning) {
            assembly.interruptRunningTasks();
        }
    }

    /** Runs the worker to its end and returns its summary; never throws for task or hook failures. */
    public RunSummary run() {
        state.enterLoopThread();
        Instant start = Instant.now();
        long wallStart = System.nanoTime();
        long cpuStart = processCpuNanos();
        String initializeException = lifecycleStep("initialize", worker::initialize);
        if (initializeException != null || state.workerAskedToEnd()) {
            return summary(start, wallStart, cpuStart, initializeException, null, null);
        }
        String executorException = null;
        WorkerInfo info = new WorkerInfo(config.name(), Long.toString(ProcessHandle.current().pid()),
                config.delivery().mode().toString(), config.executor().concurrency(), assembly.broker());
        ListenerChain listeners = assembly.broker().listeners();
        listeners.workerStarted(info);
        // In the worker registry while the loop runs: deregistered when it ends, expired if the process dies.
        try (WorkerHeartbeat heartbeat = WorkerHeartbeat.start(assembly.broker().backend(), config, state)) {
            log.atDebug().addKeyValue("queue", config.name()).log("in the worker registry as {}", heartbeat.id());
            new TaskLoop(assembly, sergeant.registry(), workerArguments, state).run();
        } catch (RuntimeException e) {
            executorException = LifecycleTaskRunner.describe(e);
            log.atError().addKeyValue("queue", config.name()).log("execute_tasks has failed: {}", LifecycleTaskRunner.logged(e), e);
        } finally {
            listeners.workerStopped(info);
        }
        String finalizeException = lifecycleStep("finalize", worker::finalizeWorker);
        return summary(start, wallStart, cpuStart, null, executorException, finalizeException);
    }

    /** Runs a hook; {@code stop}/{@code respawn} set the flags, any other failure is logged and returned. */
    private String lifecycleStep(String name, Hook hook) {
        try {
            hook.run();
            return null;
        } catch (WorkerStop e) {
            state.stop();
        } catch (WorkerRespawn e) {
            state.respawn();
        } catch (Exception | AssertionError | WorkerSignal e) {
            String description = LifecycleTaskRunner.describe(e);
            log.atError().addKeyValue("queue", config.name()).log(name + " has failed: {}", LifecycleTaskRunner.logged(e), e);
            return description;
        }
        return null;
    }

    private RunSummary summary(Instant start, long wallStart, long cpuStart, String initializeException,
                               String executorException, String finalizeException) {
        double wall = (System.nanoTime() - wallStart) / 1e9;
        double cpu = (processCpuNanos() - cpuStart) / 1e9;
        boolean stop = state.stopping();
        ExitCode exitCode;
        if (stop) {
            exitCode = ExitCode.WORKER_ASKED_TO_STOP;
        } else if (state.respawning()) {
            exitCode = ExitCode.WORKER_ASKED_TO_RESPAWN;
        } else if (initializeException != null || executorException != null || finalizeException != null) {
            exitCode = ExitCode.WORKER_EXECUTION_FAILURE;
        } else {
            exitCode = ExitCode.WORKER_EXITED_NORMALLY;
        }
        RunSummary summary = new RunSummary(start, Instant.now(), wall, cpu, initializeException, executorException,
                finalizeException, state.respawning() && !stop, stop, state.counts(), exitCode.code());
        if (config.logging().summary()) {
            log.atInfo().addKeyValue("queue", config.name()).log("worker summary: {}", summary.toJson());
        }
        return summary;
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

    @FunctionalInterface
    private interface Hook {
        void run() throws Exception;
    }
}
