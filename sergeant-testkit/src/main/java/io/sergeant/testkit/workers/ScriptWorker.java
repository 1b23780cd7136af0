package io.sergeant.testkit.workers;

import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A worker for process tests. Its directory (constructor argument, or system property
 * {@value #DIR_PROPERTY} in worker and child processes) holds the SQLite queue and one marker file per
 * event, named {@code <event>-<task id>-<pid>-<nanos>} (or {@code <event>-<pid>} for lifecycle events),
 * so a test sees what ran where. Kwargs: {@code id} (int), {@code action}: {@code noop} (no marker at all), {@code succeed},
 * {@code sleep} ({@code millis}), {@code spin} (a busy loop that ignores interrupts, forever),
 * {@code exit} ({@code code}: System.exit), {@code exit-first} (System.exit with {@code code} on the task's
 * first run only, succeeds later), {@code allocate}
 * ({@code megabytes}, kept), {@code stop}, {@code respawn}, {@code fail}, {@code spawn-then-die} (starts
 * {@code sleep 1000}, marked {@code spawned-<id>-<sleep pid>-<pid>}, then SIGKILLs its own process on the
 * first run), {@code spawn-detached} (starts {@code sleep 1000} re-parented away from it, marked likewise,
 * then sleeps 2 minutes); a subclass adds more with
 * {@link #perform}.
 */
public class ScriptWorker extends Worker {

    /** The system property naming the directory. */
    public static final String DIR_PROPERTY = "sergeant.test.dir";
    /** The queue name. */
    public static final String QUEUE = "script";

    private static final List<byte[]> RETAINED = new ArrayList<>();
    /** Keeps the spin loop from being optimized away. */
    static volatile long sink;

    private final Path dir;
    private final UnaryOperator<WorkerConfig.Builder> tweak;

    /** For worker and child processes: the directory comes from {@value #DIR_PROPERTY}. */
    public ScriptWorker() {
        this(Path.of(System.getProperty(DIR_PROPERTY, "sergeant-test-dir-not-set")), UnaryOperator.identity());
    }

    /** For a test running the worker in its own JVM: the parent's configuration can differ. */
    public ScriptWorker(Path dir, UnaryOperator<WorkerConfig.Builder> tweak) {
        this.dir = dir;
        this.tweak = tweak;
    }

    /** The base configuration of a directory: the SQLite queue in it, fast polls. */
    public static WorkerConfig.Builder baseConfig(Path dir) {
        return WorkerConfig.builder(QUEUE).backend("sqlite:" + dir.resolve("queue.sqlite3"))
                .pollInterval(Duration.ofMillis(50));
    }

    @Override
    public WorkerConfig config() {
        return tweak.apply(baseConfig(dir)).build();
    }

    @Override
    public void initialize() throws Exception {
        mark("initialize-" + pid());
    }

    @Override
    public void finalizeWorker() throws Exception {
        mark("finalize-" + pid());
    }

    @Override
    public Object work(Task task) throws Exception {
        int id = ((Number) task.kwargs().get("id")).intValue();
        String action = String.valueOf(task.kwargs().get("action"));
        if (action.equals("noop")) {
            return id;
        }
        mark("ran-" + id + "-" + pid() + "-" + System.nanoTime());
        switch (action) {
            case "succeed" -> {
                return id;
            }
            case "sleep" -> Thread.sleep(((Number) task.kwargs().get("millis")).longValue());
            case "spin" -> {
                long spins = 0;
                while (true) {
                    spins++;
                    if ((spins & 0xFFFFF) == 0) {
                        sink = spins;
                    }
                }
            }
            case "spawn-then-die" -> {
                // Starts a process that would outlive this child, then (first delivery) SIGKILLs the child.
                Process sleep = new ProcessBuilder("sleep", "1000").start();
                mark("spawned-" + id + "-" + sleep.pid() + "-" + pid());
                if (firstRun(id)) {
                    new ProcessBuilder("kill", "-KILL", Long.toString(pid())).start().waitFor();
                    Thread.sleep(30_000);
                }
            }
            case "spawn-detached" -> {
                // Starts `sleep 1000` through a shell that exits at once: the sleep is re-parented, no longer
                // a descendant of this process (only its process group still finds it); then runs on.
                Process shell = new ProcessBuilder("sh", "-c", "sleep 1000 >/dev/null 2>&1 & echo $!").start();
                long sleep = Long.parseLong(new String(shell.getInputStream().readAllBytes(),
                        java.nio.charset.StandardCharsets.US_ASCII).trim());
                shell.waitFor();
                mark("spawned-" + id + "-" + sleep + "-" + pid());
                Thread.sleep(120_000);
            }
            case "exit" -> System.exit(((Number) task.kwargs().get("code")).intValue());
            case "exit-first" -> {
                if (firstRun(id)) {
                    System.exit(((Number) task.kwargs().get("code")).intValue());
                }
            }
            case "allocate" -> {
                int megabytes = ((Number) task.kwargs().get("megabytes")).intValue();
                for (int i = 0; i < megabytes; i++) {
                    byte[] block = new byte[1 << 20];
                    for (int j = 0; j < block.length; j += 4096) {
                        block[j] = 1;
                    }
                    synchronized (RETAINED) {
                        RETAINED.add(block);
                    }
                }
                Thread.sleep(60_000);
            }
            case "stop" -> throw stop();
            case "respawn" -> throw respawn();
            case "fail" -> throw new IllegalStateException("scripted failure of task " + id);
            default -> perform(action, task);
        }
        return id;
    }

    /**
     * Runs an action this class does not know; a subclass adds actions here (a test's own, such as
     * printing on stdout, which a library module may not do). Throws for an unknown action.
     */
    protected void perform(String action, Task task) throws Exception {
        throw new IllegalArgumentException("unknown action " + action + " of task " + task.kwargs().get("id"));
    }

    @Override
    public void onSuccess(Task task, Object returnedValue) throws Exception {
        if ("noop".equals(task.kwargs().get("action"))) {
            return;
        }
        mark("success-" + task.kwargs().get("id") + "-" + pid() + "-" + System.nanoTime());
    }

    @Override
    public void onFailure(Task task, Exception exception) throws Exception {
        mark("failure-" + task.kwargs().get("id") + "-" + pid() + "-" + System.nanoTime(), String.valueOf(exception.getMessage()));
    }

    @Override
    public void onTimeout(Task task) throws Exception {
        mark("timeout-" + task.kwargs().get("id") + "-" + pid() + "-" + System.nanoTime());
    }

    /** A task of this id and action with extra kwargs. */
    public static Map<String, Object> task(int id, String action, Object... extra) {
        Map<String, Object> kwargs = new java.util.LinkedHashMap<>();
        kwargs.put("id", id);
        kwargs.put("action", action);
        for (int i = 0; i + 1 < extra.length; i += 2) {
            kwargs.put((String) extra[i], extra[i + 1]);
        }
        return kwargs;
    }

    private boolean firstRun(int id) {
        try {
            Files.createFile(dir.resolve("events").resolve("first-run-" + id));
            return true;
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void mark(String name) {
        mark(name, "");
    }

    private void mark(String name, String content) {
        try {
            Files.writeString(dir.resolve("events").resolve(name), content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long pid() {
        return ProcessHandle.current().pid();
    }
}
