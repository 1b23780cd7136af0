package io.sergeant.core.worker;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.api.observe.SergeantListener;
import io.sergeant.core.internal.observe.ListenerActivation;
import io.sergeant.core.config.WorkerConfigProperties;
import io.sergeant.core.internal.runtime.TermSignal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The worker process: {@code WorkerMain --worker-class C [--guice-module M]... [--summary-file F]}.
 * Builds the worker, runs it to its end, writes the run summary as one JSON line to the summary file
 * (the supervisor's channel, separate from the worker's output) and exits with Python Sergeant's exit
 * code (docs/python-compat.md §6.2): 0 normal, 1 abnormal (also a constructor that throws), 3 class not found, 4 respawn, 5 stop, 6 execution failure,
 * 7 class not loadable. Configuration overrides come from system properties {@code sergeant.config.<key>}
 * (see {@link WorkerConfigProperties#effective}), applied here, at the entry point. Listeners named in
 * {@code sergeant.listeners} are activated (see {@link io.sergeant.api.observe.SergeantListenerProvider}).
 */
public final class WorkerMain {

    private static final Logger log = LoggerFactory.getLogger(WorkerMain.class);

    private WorkerMain() {
    }

    /** Runs a worker process; never returns (exits with the contract's code). */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a worker in this JVM and returns its exit code (for the CLI and tests). */
    public static int run(String[] args) {
        String workerClass = null;
        String summaryFile = null;
        List<String> modules = new ArrayList<>();
        List<String> workerArguments = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--worker-class" -> workerClass = value(args, ++i, "--worker-class");
                case "--summary-file" -> summaryFile = value(args, ++i, "--summary-file");
                case "--guice-module" -> {
                    String module = value(args, ++i, "--guice-module");
                    modules.add(module);
                    workerArguments.add("--guice-module");
                    workerArguments.add(module);
                }
                default -> throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "unknown worker argument '" + args[i]
                        + "'; usage: --worker-class C [--guice-module M]... [--summary-file F]");
            }
        }
        if (workerClass == null) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "--worker-class is required");
        }
        return run(workerClass, modules, workerArguments, summaryFile == null ? null : Path.of(summaryFile));
    }

    private static int run(String workerClass, List<String> modules, List<String> workerArguments, Path summaryFile) {
        Sergeant sergeant = Sergeant.create();
        Worker worker;
        try {
            sergeant = sergeant.withListeners(ListenerActivation.fromProperties(System.getProperties(),
                    Thread.currentThread().getContextClassLoader()).toArray(SergeantListener[]::new));
            worker = new WorkerFactory(sergeant).create(workerClass, modules);
        } catch (WorkerFactory.WorkerConstructorException e) {
            log.error("worker execution has failed with the following exception: {}", e.getMessage(), e);
            writeFailure(summaryFile, e, ExitCode.WORKER_EXITED_ABNORMALLY);
            return ExitCode.WORKER_EXITED_ABNORMALLY.code();
        } catch (WorkerFactory.WorkerNotBuildableException e) {
            log.error("importing the worker class has raised an exception: {}", e.getMessage(), e);
            writeFailure(summaryFile, e, ExitCode.WORKER_MODULE_NOT_IMPORTABLE);
            return ExitCode.WORKER_MODULE_NOT_IMPORTABLE.code();
        } catch (SergeantException e) {
            if (e.code() == ErrorCode.WORKER_CLASS_NOT_FOUND) {
                log.error(e.getMessage());
                return ExitCode.WORKER_CLASS_NOT_FOUND.code();
            }
            log.error("could not create the worker: {}", e.getMessage(), e);
            writeFailure(summaryFile, e, ExitCode.WORKER_MODULE_NOT_IMPORTABLE);
            return ExitCode.WORKER_MODULE_NOT_IMPORTABLE.code();
        }
        CountDownLatch finished = new CountDownLatch(1);
        try (WorkerRuntime runtime = new WorkerRuntime(worker,
                WorkerConfigProperties.effective(worker.config(), System.getProperties()), sergeant, workerArguments)) {
            // -Dsergeant.worker.stop=interrupt: SIGTERM also interrupts running tasks (Python's behaviour).
            boolean interrupt = "interrupt".equals(System.getProperty("sergeant.worker.stop", "finish"));
            TermSignal.install(() -> runtime.requestStop(interrupt), () -> await(finished));
            RunSummary summary = runtime.run();
            write(summaryFile, summary.toJson());
            return summary.exitCode();
        } catch (RuntimeException e) {
            log.error("worker execution has failed with the following exception: {}", e.toString(), e);
            writeFailure(summaryFile, e, ExitCode.WORKER_EXITED_ABNORMALLY);
            return ExitCode.WORKER_EXITED_ABNORMALLY.code();
        } finally {
            finished.countDown();
        }
    }

    private static void await(CountDownLatch finished) {
        try {
            finished.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void writeFailure(Path summaryFile, Throwable error, ExitCode code) {
        StringWriter trace = new StringWriter();
        error.printStackTrace(new PrintWriter(trace));
        String json = "{\"exception\":" + JsonText.quote(error.toString()) + ",\"stacktrace\":" + JsonText.quote(trace.toString())
                + ",\"return_code\":" + code.code() + "}";
        write(summaryFile, json);
    }

    private static void write(Path summaryFile, String json) {
        if (summaryFile == null) {
            return;
        }
        try {
            Files.writeString(summaryFile, json + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            log.error("could not write the run summary to {}: {}", summaryFile, e.toString());
        }
    }

    private static String value(String[] args, int index, String flag) {
        if (index >= args.length) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, flag + " needs a value");
        }
        return args[index];
    }
}
