package com.example.welcome;

import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;

import java.util.Objects;

/**
 * Sends the welcome e-mail of each task. The no-argument constructor is what worker processes use
 * ({@code sergeant worker --worker-class com.example.welcome.WelcomeEmailWorker}, or the supervisor),
 * with the default backend unless {@code -Dsergeant.config.backend=...} overrides it; the other one is
 * for embedding and tests. {@code work} runs on up to four threads at once.
 */
public final class WelcomeEmailWorker extends Worker {

    private static final System.Logger LOG = System.getLogger(WelcomeEmailWorker.class.getName());

    private final WorkerConfig config;
    private final Outbox outbox;

    /** The default configuration, and an outbox that logs instead of sending. */
    public WelcomeEmailWorker() {
        this(WelcomeEmails.config(WorkerConfig.DEFAULT_BACKEND),
                (to, subject) -> LOG.log(System.Logger.Level.INFO, "sending ''{0}'' to {1}", subject, to));
    }

    /** A worker with this configuration sending through {@code outbox}. */
    public WelcomeEmailWorker(WorkerConfig config, Outbox outbox) {
        this.config = Objects.requireNonNull(config, "config is null");
        this.outbox = Objects.requireNonNull(outbox, "outbox is null");
    }

    @Override
    public WorkerConfig config() {
        return config;
    }

    @Override
    public Object work(Task task) {
        Object email = task.kwargs().get("email");
        if (!(email instanceof String address) || address.isBlank()) {
            throw new IllegalArgumentException("task has no 'email' address: " + task.kwargs());
        }
        outbox.send(address, "Welcome aboard!");
        return address;
    }

    @Override
    public void onFailure(Task task, Exception exception) {
        // Transient failures (the mail server is down) are worth a few more tries later.
        retry(task);
    }
}
