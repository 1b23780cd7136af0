package io.sergeant.core.supervisor;

import io.sergeant.toolkit.process.ResidentMemory;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.core.worker.ExitCode;
import io.sergeant.core.worker.WorkerMain;
import io.sergeant.toolkit.process.JavaCommand;
import io.sergeant.toolkit.process.ProcessTree;
import io.sergeant.toolkit.process.Signals;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Keeps {@link SupervisorConfig#concurrentWorkers()} worker JVMs running, as Python Sergeant's supervisor
 * (docs/python-compat.md §6): each runs {@link WorkerMain} with {@code --worker-class}, the Guice modules and a
 * private {@code --summary-file}; its stdout and stderr are inherited. About twice a second the
 * supervisor looks at every worker:
 * <ul>
 *   <li>an exited worker's summary is read from its file and logged (a missing one is logged, not fatal)
 *       and its exit code is acted on (docs/python-compat.md §6.2): 0, 1, 4, 6 and deaths by signal are respawned; 5
 *       (the worker asked to stop) stops every worker and the supervisor exits 0; 2, 3 and 7 (the class
 *       is missing or cannot be loaded) stop every worker and the supervisor exits with that code, unlike
 *       Python's supervisor, which exits 0;</li>
 *   <li>a worker that died before living {@link RespawnBackoff#resetAfter()} is replaced after a delay that
 *       doubles with each such death in a row ({@link SupervisorConfig#respawnBackoff()}, by default 1 s up to
 *       60 s), logged with its reason, so a crash loop does not spin JVMs; one that lived longer is replaced at
 *       once and resets the delay;</li>
 *   <li>a worker whose resident memory (its own plus its descendants', from {@code /proc}) passes
 *       {@link SupervisorConfig#maxWorkerMemoryBytes()} is killed (SIGKILL, with its descendants) and
 *       replaced.</li>
 * </ul>
 * On SIGTERM or SIGINT (handlers installed for the duration of {@link #run()}), or {@link #requestStop()},
 * it stops gracefully: every worker gets one SIGTERM (it stops fetching, finishes or hands back its
 * tasks, finalizes and exits), nothing is respawned, workers still alive after
 * {@link SupervisorConfig#gracePeriod()} are killed with their descendants, and {@link #run()} returns 0. A
 * second SIGTERM or SIGINT (a second Ctrl-C) kills every worker with its descendants at once and
 * {@link #run()} returns {@link #EXIT_FORCED}.
 * Every process it kills is waited for, so none is left a zombie; a JVM shutdown hook kills the workers
 * if the supervisor's JVM exits during {@link #run()}.
 *
 * <p>Log messages are Python Sergeant's, with key-values {@code pid}, {@code worker_class} and, where
 * relevant, {@code return_code}, {@code summary}, {@code rss_bytes}.
 *
 * <p>{@link #run()} is called once, from one thread; the other methods are thread safe.
 *
 * <p>Size (about 430 lines, over the house's 400): the respawn, memory and stop decisions all read and
 * change the one table of running workers under the supervisor's monitor, and the order of those
 * decisions (a stop wins over a respawn, a kill is waited for before the slot is reused) is the
 * contract; the parts that stand alone already live apart ({@link RespawnBackoff}, the respawn schedule,
 * the summary file, the process tree and signal helpers of the plugin toolkit).
 */
public final class Supervisor {

    /** {@link #run()}'s code after a graceful stop. */
    public static final int EXIT_OK = 0;
    /** {@link #run()}'s code after a second SIGTERM or SIGINT killed the workers (128 + SIGINT, what a shell shows for Ctrl-C). */
    public static final int EXIT_FORCED = 130;
    /** {@link #run()}'s code when a worker could not be started at all (no java executable, for example). */
    public static final int EXIT_SPAWN_FAILED = 1;

    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
    private static final long TICK_MILLIS = 500;

    private final SupervisorConfig config;
    private final Map<Long, SupervisedWorker> workers = new ConcurrentHashMap<>();
    private final Semaphore wake = new Semaphore(0);
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean stopRequested;
    /** A second SIGTERM or SIGINT: kill the workers now and exit {@link #EXIT_FORCED}. */
    private volatile boolean forced;
    private final AtomicBoolean signalled = new AtomicBoolean();
    private Path summaryDirectory;
    private List<String> command;
    private int spawnedCount;
    /** Replacements of dead workers, at once or after a backoff; supervising thread only. */
    private final RespawnSchedule respawns;
    private int exitCode = EXIT_OK;
    private boolean stopping;
    private long stopDeadline;

    /** A supervisor of this configuration; nothing starts until {@link #run()}. */
    public Supervisor(SupervisorConfig config) {
        this.config = Objects.requireNonNull(config, "config is null");
        this.respawns = new RespawnSchedule(config.respawnBackoff());
    }

    /**
     * Starts the workers and supervises them until all have ended, which happens only on a graceful
     * stop, a worker's stop request, or a worker class that cannot be found or loaded. Blocks.
     *
     * @return {@link #EXIT_OK} after a stop; the worker's exit code (2, 3 or 7) when the class is missing or
     *         cannot be loaded; {@link #EXIT_SPAWN_FAILED} when a worker JVM could not be started
     * @throws IllegalStateException when called a second time
     * @throws SergeantException {@code EXECUTION_FAILED} when the summary directory cannot be created
     */
    public int run() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("run() was already called on this supervisor; create a new one to run again");
        }
        try {
            summaryDirectory = Files.createTempDirectory("sergeant-supervisor");
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.EXECUTION_FAILED, "cannot create a directory for worker summaries in "
                    + System.getProperty("java.io.tmpdir") + ": " + e.getMessage() + "; check that it is writable", e);
        }
        command = workerCommand();
        Thread hook = new Thread(this::killAll, "sergeant-supervisor-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (Signals signals = Signals.handle(List.of("TERM", "INT"), this::onSignal)) {
            if (!signals.installed()) {
                log.warn("signal handlers are unavailable; the supervisor stops gracefully only through requestStop()");
            }
            return supervise();
        } finally {
            killAll();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is shutting down; the hook runs (and finds nothing to kill).
            }
            deleteSummaryDirectory();
            log.atInfo().addKeyValue("worker_class", config.workerClass()).log("exiting...");
        }
    }

    /** Asks for a graceful stop, as SIGTERM does. Returns at once; idempotent; before {@link #run()} it makes run start nothing. */
    public void requestStop() {
        stopRequested = true;
        wake.release();
    }

    /** How many worker processes are alive or not yet seen to have exited. */
    public int liveWorkers() {
        return workers.size();
    }

    /** The pids of the current workers, ascending. */
    public List<Long> workerPids() {
        return workers.keySet().stream().sorted().toList();
    }

    private void onSignal(String name) {
        if (signalled.getAndSet(true)) {
            log.atWarn().addKeyValue("signal", name).log("SIG{} was received again, killing every worker now", name);
            forced = true;
            wake.release();
            return;
        }
        log.atInfo().addKeyValue("signal", name).log("SIG{} was received, triggering a stopping process"
                + " (send it again, or press Ctrl-C again, to kill the workers at once)", name);
        requestStop();
    }

    private int supervise() {
        log.atInfo().addKeyValue("worker_class", config.workerClass()).addKeyValue("concurrent_workers", config.concurrentWorkers())
                .addKeyValue("max_worker_memory_usage", config.maxWorkerMemoryBytes()).log("starting the supervisor");
        boolean memoryLimited = config.maxWorkerMemoryBytes() != null;
        if (memoryLimited && !ResidentMemory.available()) {
            log.warn("cannot read resident memory from /proc on this system; the worker memory limit is not enforced");
            memoryLimited = false;
        }
        for (int i = 0; i < config.concurrentWorkers() && !stopRequested; i++) {
            if (spawn() == null) {
                break;
            }
        }
        while (true) {
            if (forced) {
                killAll();
                return EXIT_FORCED;
            }
            startDueRespawns();
            for (SupervisedWorker worker : List.copyOf(workers.values())) {
                if (!worker.process().isAlive()) {
                    onExit(worker);
                } else if (memoryLimited && !stopping) {
                    checkMemory(worker);
                }
            }
            if (stopRequested && !stopping) {
                beginStop();
            }
            if (stopping && System.nanoTime() - stopDeadline >= 0) {
                killStragglers();
            }
            if (workers.isEmpty() && (stopRequested || respawns.isEmpty())) {
                log.info("no more workers to supervise");
                return exitCode;
            }
            try {
                wake.tryAcquire(TICK_MILLIS, TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.error("the supervisor was interrupted; killing its workers");
                killAll();
                return exitCode;
            }
        }
    }

    private void onExit(SupervisedWorker worker) {
        int status = awaitExit(worker.process());
        ProcessTree.destroyGroup(worker.process());
        workers.remove(worker.pid());
        String summary = SummaryFile.readAndDelete(worker);
        var event = log.atLevel(org.slf4j.event.Level.INFO).addKeyValue("pid", worker.pid())
                .addKeyValue("worker_class", config.workerClass()).addKeyValue("return_code", status);
        if (stopping) {
            event.log("worker({}) has stopped with return code: {}", worker.pid(), status);
            return;
        }
        long pid = worker.pid();
        ExitCode code = ExitCode.of(status).orElse(null);
        if (code == null) {
            error(worker, status).log("worker({}) execution has been interrupted with return code: {}", pid, status);
            respawn(worker);
            return;
        }
        switch (code) {
            case WORKER_EXITED_NORMALLY -> {
                event.log("worker({}) has finished successfully", pid);
                respawn(worker);
            }
            case WORKER_EXITED_ABNORMALLY -> {
                error(worker, status).log("worker({}) execution has failed with the following exception: {}", pid,
                        SummaryFile.exception(summary));
                respawn(worker);
            }
            case WORKER_MODULE_NOT_FOUND -> fatal(status, worker, "could not load worker module: " + config.workerClass());
            case WORKER_CLASS_NOT_FOUND -> fatal(status, worker, "could not find worker class: " + config.workerClass());
            case WORKER_ASKED_TO_RESPAWN -> {
                event.log("worker({}) has requested to respawn", pid);
                respawn(worker);
            }
            case WORKER_ASKED_TO_STOP -> {
                event.log("worker({}) has requested to stop", pid);
                event.log("worker({}) has stopped", pid);
                stopRequested = true;
            }
            case WORKER_EXECUTION_FAILURE -> {
                error(worker, status).log("worker({}) internal execution has failed", pid);
                respawn(worker);
            }
            case WORKER_MODULE_NOT_IMPORTABLE -> fatal(status, worker, "worker(" + pid
                    + ") importing the worker module has raised an exception: " + SummaryFile.exception(summary));
        }
    }

    private org.slf4j.spi.LoggingEventBuilder error(SupervisedWorker worker, int status) {
        return log.atError().addKeyValue("pid", worker.pid()).addKeyValue("worker_class", config.workerClass())
                .addKeyValue("return_code", status);
    }

    private void fatal(int status, SupervisedWorker worker, String message) {
        error(worker, status).log(message);
        if (exitCode == EXIT_OK) {
            exitCode = status;
        }
        stopRequested = true;
    }

    private void checkMemory(SupervisedWorker worker) {
        OptionalLong rss = ResidentMemory.ofTree(worker.process().toHandle());
        if (rss.isEmpty() || rss.getAsLong() <= config.maxWorkerMemoryBytes()) {
            return;
        }
        log.atWarn().addKeyValue("pid", worker.pid()).addKeyValue("rss_bytes", rss.getAsLong())
                .addKeyValue("max_worker_memory_usage", config.maxWorkerMemoryBytes())
                .log("worker({}) exceeded the maximum memory limit: {}", worker.pid(), rss.getAsLong());
        kill(worker);
        workers.remove(worker.pid());
        SummaryFile.readAndDelete(worker);
        respawn(worker);
    }

    private void respawn(SupervisedWorker old) {
        if (stopRequested || stopping) {
            log.atInfo().addKeyValue("pid", old.pid()).log("not going to respawn since the stop process has started");
            return;
        }
        if (respawns.schedule(old)) {
            respawnNow(old);
        }
    }

    /** Starts the delayed respawns that are due (none once a stop began). */
    private void startDueRespawns() {
        if (stopRequested || stopping) {
            respawns.clear();
            return;
        }
        for (SupervisedWorker old : respawns.takeDue()) {
            respawnNow(old);
        }
    }

    private void respawnNow(SupervisedWorker old) {
        SupervisedWorker fresh = spawn();
        if (fresh != null) {
            log.atInfo().addKeyValue("pid", fresh.pid()).addKeyValue("old_pid", old.pid())
                    .log("worker({}) was respawned as worker({})", old.pid(), fresh.pid());
        }
    }

    private void beginStop() {
        stopping = true;
        stopDeadline = System.nanoTime() + config.gracePeriod().toNanos();
        for (SupervisedWorker worker : List.copyOf(workers.values())) {
            log.atInfo().addKeyValue("pid", worker.pid()).log("asking worker({}) to stop", worker.pid());
            worker.process().destroy();
        }
    }

    private void killStragglers() {
        for (SupervisedWorker worker : List.copyOf(workers.values())) {
            log.atWarn().addKeyValue("pid", worker.pid()).log("killing a worker: {}", worker.pid());
            kill(worker);
            workers.remove(worker.pid());
            SummaryFile.readAndDelete(worker);
        }
    }

    /** Kills every worker and its descendants and reaps them. */
    private void killAll() {
        for (SupervisedWorker worker : List.copyOf(workers.values())) {
            log.atInfo().addKeyValue("pid", worker.pid()).log("killing a worker: {}", worker.pid());
            kill(worker);
            workers.remove(worker.pid());
        }
    }

    /** SIGKILLs a worker and every descendant it has now, and waits for the worker. */
    private static void kill(SupervisedWorker worker) {
        ProcessTree.destroyForcibly(worker.process());
        awaitExit(worker.process());
        ProcessTree.destroyGroup(worker.process());
    }

    private static int awaitExit(Process process) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return process.waitFor();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts a worker; null (after logging, and with a stop requested) when its JVM cannot start. */
    private SupervisedWorker spawn() {
        Path summary = summaryDirectory.resolve("worker-" + (++spawnedCount) + ".json");
        List<String> arguments = new ArrayList<>(command);
        arguments.add("--summary-file");
        arguments.add(summary.toString());
        Process process;
        try {
            // Its own process group: what its tasks start is killed when it has exited (onExit), even re-parented.
            process = new ProcessBuilder(ProcessTree.inOwnGroup(arguments)).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            process.getOutputStream().close();
        } catch (IOException e) {
            log.atError().addKeyValue("worker_class", config.workerClass())
                    .log("could not start a worker JVM with {}: {}", arguments.get(0), e.toString());
            if (exitCode == EXIT_OK) {
                exitCode = EXIT_SPAWN_FAILED;
            }
            stopRequested = true;
            return null;
        }
        SupervisedWorker worker = new SupervisedWorker(process, summary, Instant.now());
        workers.put(worker.pid(), worker);
        process.onExit().thenRun(wake::release);
        log.atInfo().addKeyValue("pid", worker.pid()).addKeyValue("worker_class", config.workerClass())
                .log("spawned a new worker at pid: {}", worker.pid());
        return worker;
    }

    /** The worker command without its summary file, built by the toolkit's one JVM launcher. */
    List<String> workerCommand() {
        List<String> arguments = new ArrayList<>();
        arguments.add("--worker-class");
        arguments.add(config.workerClass());
        for (String module : config.guiceModules()) {
            arguments.add("--guice-module");
            arguments.add(module);
        }
        // Later -D options win: inherited properties, then the user's JVM options, then the explicit settings.
        JavaCommand.Builder command = JavaCommand.builder(WorkerMain.class.getName())
                .jvmOptions(config.workerJvmOptions())
                .classpath(config.classpath())
                .argumentFileDirectory(summaryDirectory)
                .arguments(arguments);
        config.configOverrides().forEach((key, value) -> command.systemProperty("sergeant.config." + key, value));
        if (config.maxTasksPerWorker() != null) {
            command.systemProperty("sergeant.config.maxTasksPerRun", config.maxTasksPerWorker().toString());
        }
        return command.build().command();
    }

    private void deleteSummaryDirectory() {
        if (summaryDirectory == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(summaryDirectory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            log.debug("could not delete {}: {}", summaryDirectory, e.toString());
        }
    }
}
