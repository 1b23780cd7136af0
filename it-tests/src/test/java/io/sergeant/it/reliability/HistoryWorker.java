package io.sergeant.it.reliability;

import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker of the fault tests: records every delivery it runs in the history directory named by
 * system property {@value #HISTORY_PROPERTY} (passed to worker JVMs as {@code -D}; child JVMs of the
 * process executor inherit {@code sergeant.*} properties). Its queue is {@value #QUEUE}; backend,
 * delivery mode, executor and the rest come from {@code sergeant.config.*} overrides.
 *
 * <p>Kwargs: {@code id} (string, required), {@code ms} (sleep in work, default 0), {@code action}:
 * absent for a normal task, {@code poison} ({@code Runtime.halt}: the worker process dies on every
 * delivery), {@code hog} (on its first delivery only, keeps {@code mb} MiB of heap and sleeps, so the
 * supervisor's memory limit kills the worker; later deliveries complete at once).
 *
 * <p>Thread safe: per-task state stays in locals; the history log serializes its writes.
 */
public class HistoryWorker extends Worker {

    /** The system property naming the history directory. */
    public static final String HISTORY_PROPERTY = "sergeant.it.reliability.history";
    /**
     * The system property naming a directory where each worker JVM (and process-executor child) writes its
     * {@code System.out} and {@code System.err} to {@code worker-<pid>.log} from the first construction of
     * this class on, so a failed test can keep what its workers said; unset, they write to the inherited
     * streams (what the supervisor passes on).
     */
    public static final String OUTPUT_PROPERTY = "sergeant.it.reliability.output";
    /** The queue. */
    public static final String QUEUE = "reliability";

    private static boolean outputRedirected;

    private final List<byte[]> retained = new ArrayList<>();
    private HistoryLog log;

    /** A worker; the first one in a JVM redirects its output when {@value #OUTPUT_PROPERTY} is set. */
    public HistoryWorker() {
        redirectOutput();
    }

    private static synchronized void redirectOutput() {
        String directory = System.getProperty(OUTPUT_PROPERTY);
        if (outputRedirected || directory == null) {
            return;
        }
        outputRedirected = true;
        Path file = Path.of(directory).resolve("worker-" + HistoryLog.pid() + ".log");
        try {
            Files.createDirectories(file.getParent());
            // Unbuffered below the PrintStream, which flushes every write: what was written survives a kill -9.
            PrintStream stream = new PrintStream(new FileOutputStream(file.toFile(), true), true, StandardCharsets.UTF_8);
            System.setOut(stream);
            System.setErr(stream);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the worker output file " + file, e);
        }
    }

    /** The base configuration; the tests override the rest. */
    public static WorkerConfig.Builder baseConfig() {
        return WorkerConfig.builder(QUEUE).pollInterval(Duration.ofMillis(50)).tasksPerTransaction(10);
    }

    @Override
    public WorkerConfig config() {
        return baseConfig().build();
    }

    @Override
    public Object work(Task task) throws Exception {
        String id = String.valueOf(task.kwargs().get("id"));
        HistoryLog history = history();
        history.started(task);
        Object action = task.kwargs().get("action");
        if ("poison".equals(action)) {
            // The poison records its own death, so the checker can account for what this worker held.
            history.killed(HistoryLog.pid());
            Runtime.getRuntime().halt(137);
        }
        if ("hog".equals(action) && firstDelivery(id)) {
            hog(((Number) task.kwargs().get("mb")).intValue());
        }
        Object ms = task.kwargs().get("ms");
        if (ms instanceof Number millis && millis.longValue() > 0) {
            Thread.sleep(millis.longValue());
        }
        history.completed(task);
        return null;
    }

    private boolean firstDelivery(String id) {
        try {
            Files.createFile(historyDirectory().resolve("hog-" + id + ".marker"));
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void hog(int megabytes) throws InterruptedException {
        for (int i = 0; i < megabytes; i++) {
            byte[] block = new byte[1 << 20];
            for (int j = 0; j < block.length; j += 4096) {
                block[j] = 1;
            }
            synchronized (retained) {
                retained.add(block);
            }
        }
        Thread.sleep(60_000);
    }

    private synchronized HistoryLog history() {
        if (log == null) {
            log = HistoryLog.open(historyDirectory(), "worker");
        }
        return log;
    }

    private static Path historyDirectory() {
        String directory = System.getProperty(HISTORY_PROPERTY);
        if (directory == null) {
            throw new IllegalStateException("system property " + HISTORY_PROPERTY + " is not set; the fault tests pass it to worker JVMs");
        }
        return Path.of(directory);
    }
}
