package io.sergeant.spring.boot;

import io.sergeant.api.SergeantException;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.config.WorkerConfigProperties;
import io.sergeant.core.worker.ExitCode;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.core.worker.WorkerRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.annotation.AnnotatedElementUtils;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Runs the application's worker beans: each on a thread of its own, started after every other bean
 * of the context (phase {@link SmartLifecycle#DEFAULT_PHASE}, so after the web server) and stopped
 * first when the context closes: a stop asks every worker to stop fetching, finish or hand back the
 * tasks in hand and finalize, as SIGTERM does to a worker process, and waits up to
 * {@code sergeant.lifecycle.stop-timeout}.
 *
 * <p>A worker whose run ends by itself is run again (a new run of the same bean), as the supervisor
 * respawns a worker process, when it reached {@code maxTasksPerRun}, asked to respawn, or failed in a
 * way the supervisor respawns; it stays stopped when it asked to stop or cannot start. The states are
 * reported by {@link #states()} (and the health indicator).
 *
 * <p>All configurations are validated in {@link #start()} before any worker starts, so a bad key
 * fails the application's start-up with every problem at once. Thread safe.
 */
public final class SergeantWorkers implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SergeantWorkers.class);

    /** The state of one worker bean. */
    public enum State {
        /** Not started yet. */
        NEW,
        /** Its loop is running. */
        RUNNING,
        /** It stopped: the context stopped it, or it asked to stop. */
        STOPPED,
        /** Its last run ended in a way that is not respawned (initialize failed, the worker cannot run). */
        FAILED
    }

    private final Sergeant sergeant;
    private final List<Worker> workers;
    private final SergeantProperties properties;
    private final Map<String, Runner> runners = new LinkedHashMap<>();
    private volatile boolean running;

    /**
     * @param sergeant   builds the workers' brokers and runtimes
     * @param workers    the worker beans, in the context's order
     * @param properties the {@code sergeant.*} properties
     */
    public SergeantWorkers(Sergeant sergeant, List<Worker> workers, SergeantProperties properties) {
        this.sergeant = Objects.requireNonNull(sergeant, "sergeant is null");
        this.workers = List.copyOf(workers);
        this.properties = Objects.requireNonNull(properties, "properties is null");
    }

    /**
     * The configuration a worker bean runs with: its own {@code config()}, renamed by
     * {@link SergeantWorker#value()}, then the global {@code sergeant.*} keys, then
     * {@code sergeant.workers.<queue>.*}.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} listing every bad key and value
     */
    public WorkerConfig configurationOf(Worker worker) {
        WorkerConfig declared = worker.config();
        SergeantWorker annotation = AnnotatedElementUtils.findMergedAnnotation(worker.getClass(), SergeantWorker.class);
        if (annotation != null && !annotation.value().isBlank()) {
            declared = declared.toBuilder().name(annotation.value()).build();
        }
        Map<String, String> overrides = new LinkedHashMap<>(properties.globalProperties());
        overrides.putAll(properties.workerProperties(declared.name()));
        return sergeant.validate(WorkerConfigProperties.apply(declared, overrides));
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        Map<String, WorkerConfig> configs = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Worker worker : workers) {
            try {
                WorkerConfig config = configurationOf(worker);
                if (configs.putIfAbsent(config.name(), config) != null) {
                    problems.add("two worker beans consume queue '" + config.name() + "' (" + worker.getClass().getName()
                            + "); give one a concurrency instead, or another queue with @SergeantWorker(\"...\")");
                }
            } catch (SergeantException e) {
                problems.add("worker " + worker.getClass().getName() + ": " + e.getMessage());
            }
        }
        Map<String, String> unknown = new LinkedHashMap<>(properties.getWorkers().size());
        properties.getWorkers().keySet().stream().filter(queue -> !configs.containsKey(queue))
                .forEach(queue -> unknown.put(queue, queue));
        if (!unknown.isEmpty()) {
            problems.add("sergeant.workers." + String.join(", sergeant.workers.", unknown.keySet())
                    + " name no worker bean; known queues: " + configs.keySet());
        }
        if (!problems.isEmpty()) {
            throw new SergeantException(io.sergeant.api.ErrorCode.INVALID_CONFIGURATION,
                    "Sergeant workers cannot start: " + String.join("; ", problems));
        }
        int i = 0;
        for (Worker worker : workers) {
            WorkerConfig config = new ArrayList<>(configs.values()).get(i++);
            Runner runner = new Runner(worker, config);
            runners.put(config.name(), runner);
            runner.thread.start();
        }
        running = true;
        log.info("started {} Sergeant worker(s): {}", runners.size(), runners.keySet());
    }

    @Override
    public void stop() {
        stop(() -> { });
    }

    @Override
    public void stop(Runnable callback) {
        List<Runner> stopping;
        synchronized (this) {
            running = false;
            stopping = new ArrayList<>(runners.values());
        }
        stopping.forEach(Runner::requestStop);
        Duration timeout = properties.getLifecycle().getStopTimeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (Runner runner : stopping) {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    runner.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
                if (runner.thread.isAlive()) {
                    log.warn("Sergeant worker '{}' did not stop within {}; its tasks come back when their leases expire",
                            runner.config.name(), timeout);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            callback.run();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public boolean isAutoStartup() {
        return properties.getLifecycle().isAutoStartup();
    }

    @Override
    public int getPhase() {
        return DEFAULT_PHASE;
    }

    /** The state of every worker bean, by queue. */
    public synchronized Map<String, State> states() {
        Map<String, State> states = new LinkedHashMap<>();
        runners.forEach((queue, runner) -> states.put(queue, runner.state));
        return states;
    }

    /** The summaries of the runs that ended, by queue (the last one each). */
    public synchronized Map<String, RunSummary> lastSummaries() {
        Map<String, RunSummary> summaries = new LinkedHashMap<>();
        runners.forEach((queue, runner) -> {
            if (runner.lastSummary != null) {
                summaries.put(queue, runner.lastSummary);
            }
        });
        return summaries;
    }

    /** One worker bean's thread, running its runtime again while it ends in a respawnable way. */
    private final class Runner implements Runnable {

        private final Worker worker;
        private final WorkerConfig config;
        private final Thread thread;
        private volatile WorkerRuntime runtime;
        private volatile boolean stopRequested;
        private volatile State state = State.NEW;
        private volatile RunSummary lastSummary;

        Runner(Worker worker, WorkerConfig config) {
            this.worker = worker;
            this.config = config;
            this.thread = new Thread(this, "sergeant-worker-" + config.name());
        }

        void requestStop() {
            stopRequested = true;
            WorkerRuntime current = runtime;
            if (current != null) {
                current.requestStop();
            }
        }

        @Override
        public void run() {
            state = State.RUNNING;
            while (!stopRequested) {
                RunSummary summary;
                try (WorkerRuntime current = new WorkerRuntime(worker, config, sergeant, List.of())) {
                    runtime = current;
                    if (stopRequested) {
                        current.requestStop();
                    }
                    summary = current.run();
                } catch (RuntimeException e) {
                    log.error("Sergeant worker '{}' failed: {}", config.name(), e.getMessage(), e);
                    state = State.FAILED;
                    return;
                } finally {
                    runtime = null;
                }
                lastSummary = summary;
                ExitCode exit = ExitCode.of(summary.exitCode()).orElse(ExitCode.WORKER_EXITED_ABNORMALLY);
                if (stopRequested || exit == ExitCode.WORKER_ASKED_TO_STOP) {
                    state = State.STOPPED;
                    return;
                }
                if (summary.initializeException() != null || !respawned(exit)) {
                    log.error("Sergeant worker '{}' ended with exit code {} and is not run again: {}", config.name(),
                            summary.exitCode(), summary.toJson());
                    state = State.FAILED;
                    return;
                }
                log.info("Sergeant worker '{}' ended ({}); running it again", config.name(), exit);
            }
            state = State.STOPPED;
        }

        private boolean respawned(ExitCode exit) {
            return exit == ExitCode.WORKER_EXITED_NORMALLY || exit == ExitCode.WORKER_ASKED_TO_RESPAWN
                    || exit == ExitCode.WORKER_EXECUTION_FAILURE;
        }
    }
}
