package io.sergeant.spring.boot;

import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A worker bean for the process executor: public with a no-argument constructor, so a child JVM can
 * make its own. It declares {@code maxRetries = 3}; every task fails and {@code onFailure} retries it.
 * Each run appends {@code ran <runCount> <pid>} and {@code onMaxRetries} appends {@code max <pid>} to the
 * journal named by the system property {@value #JOURNAL_PROPERTY}, since the runs happen in other processes.
 */
@SergeantWorker
public class RetriedWorker extends Worker {

    /** The system property naming the journal file. */
    public static final String JOURNAL_PROPERTY = "sergeant.test.journal";
    /** The queue. */
    public static final String QUEUE = "retried";

    /** Public for the child processes. */
    public RetriedWorker() {
    }

    @Override
    public WorkerConfig config() {
        return WorkerConfig.builder(QUEUE).maxRetries(3).build();
    }

    @Override
    public Object work(Task task) {
        append("ran " + task.runCount() + " " + ProcessHandle.current().pid());
        throw new IllegalStateException("fails on every run");
    }

    @Override
    public void onFailure(Task task, Exception exception) {
        throw retry(task);
    }

    @Override
    public void onMaxRetries(Task task) {
        append("max " + ProcessHandle.current().pid());
    }

    private static void append(String line) {
        try {
            Files.writeString(Path.of(System.getProperty(JOURNAL_PROPERTY)), line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
