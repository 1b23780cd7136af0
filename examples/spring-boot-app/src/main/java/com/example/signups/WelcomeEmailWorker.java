package com.example.signups;

import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.spring.boot.SergeantWorker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Sends welcome e-mails. A Spring bean ({@code @SergeantWorker}), so it gets its {@link Outbox}
 * injected; the starter runs it after the context started and stops it gracefully when the context
 * closes. The backend and the other settings come from {@code sergeant.*} properties.
 */
@SergeantWorker(WelcomeEmailWorker.QUEUE)
public class WelcomeEmailWorker extends Worker {

    /** The queue of welcome e-mails. */
    public static final String QUEUE = "welcome-emails";

    private final Outbox outbox;
    private final List<String> lifecycle = new CopyOnWriteArrayList<>();

    /** Spring injects the outbox. */
    public WelcomeEmailWorker(Outbox outbox) {
        this.outbox = outbox;
    }

    @Override
    public WorkerConfig config() {
        return WorkerConfig.builder(QUEUE).build(); // everything else from sergeant.* properties
    }

    @Override
    public void initialize() {
        lifecycle.add("initialize");
    }

    @Override
    public Object work(Task task) {
        outbox.send((String) task.kwargs().get("email"), "Welcome aboard!");
        return null;
    }

    @Override
    public void finalizeWorker() {
        lifecycle.add("finalize");
    }

    /** The hooks that ran, in order (for the tests: initialize, then finalize on shutdown). */
    public List<String> lifecycle() {
        return List.copyOf(lifecycle);
    }
}
