package io.sergeant.executor.process;

import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.testkit.workers.ScriptWorker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * The testkit's scripted worker declaring {@code maxRetries = 3}, with actions that retry from
 * {@code onFailure} as Python workers usually do: {@code fail-then-retry} fails on every run,
 * {@code retry-once} fails on its first run only. Every run of these actions leaves a marker
 * {@code seen-<id>-<pid>-<nanos>} holding the configuration the run saw ({@link #describe}),
 * {@code onMaxRetries} leaves {@code maxretries-<id>-<pid>-<nanos>}, and {@code onStarvation} stops the
 * worker, so a test runs until the queue stays empty.
 */
public class RetryingWorker extends ScriptWorker {

    /** The maxRetries the class declares. */
    public static final int DECLARED_MAX_RETRIES = 3;

    private final Path dir;

    /** For child processes: the directory comes from {@value ScriptWorker#DIR_PROPERTY}. */
    public RetryingWorker() {
        this(Path.of(System.getProperty(DIR_PROPERTY, "sergeant-test-dir-not-set")), UnaryOperator.identity());
    }

    /** For the test's parent JVM. */
    public RetryingWorker(Path dir, UnaryOperator<WorkerConfig.Builder> tweak) {
        super(dir, tweak);
        this.dir = dir;
    }

    @Override
    public WorkerConfig config() {
        return super.config().toBuilder().maxRetries(DECLARED_MAX_RETRIES).build();
    }

    /** What a marker {@code seen-*} holds: the queue, backend, serializer and maxRetries of {@code config}. */
    public static String describe(WorkerConfig config) {
        return config.name() + "|" + config.backend() + "|" + config.encoder().serializer() + "|" + config.maxRetries();
    }

    @Override
    protected void perform(String action, Task task) throws Exception {
        int id = ((Number) task.kwargs().get("id")).intValue();
        switch (action) {
            case "fail-then-retry" -> {
                mark("seen-" + id, describe(effectiveConfig()));
                throw new IllegalStateException("task " + id + " fails on every run");
            }
            case "retry-once" -> {
                mark("seen-" + id, describe(effectiveConfig()));
                if (firstRun(id)) {
                    throw new IllegalStateException("task " + id + " fails on its first run");
                }
            }
            default -> super.perform(action, task);
        }
    }

    @Override
    public void onFailure(Task task, Exception exception) throws Exception {
        super.onFailure(task, exception);
        throw retry(task);
    }

    @Override
    public void onMaxRetries(Task task) throws Exception {
        mark("maxretries-" + task.kwargs().get("id"), "");
    }

    @Override
    public void onStarvation(int timeWithNoTasks) {
        throw stop();
    }

    private boolean firstRun(int id) {
        try {
            Files.createFile(dir.resolve("events").resolve("retry-once-first-run-" + id));
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void mark(String prefix, String content) {
        String name = prefix + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try {
            Files.writeString(dir.resolve("events").resolve(name), content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
