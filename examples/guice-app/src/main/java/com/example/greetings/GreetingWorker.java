package com.example.greetings;

import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import jakarta.inject.Inject;

import java.util.Objects;

/**
 * Greets the name of each task and records the greeting under the key {@code greeting:NAME} in the
 * backend, where anyone with a broker can read it. Built by Guice: core's {@code WorkerFactory} sees the
 * {@code @Inject} constructor and installs the modules given with {@code --guice-module}.
 */
public final class GreetingWorker extends Worker {

    /** The key prefix of recorded greetings. */
    public static final String KEY_PREFIX = "greeting:";

    private final Greeter greeter;
    private final WorkerConfig config;

    /** The greeter and configuration bound in {@link AppModule}. */
    @Inject
    public GreetingWorker(Greeter greeter, WorkerConfig config) {
        this.greeter = Objects.requireNonNull(greeter, "greeter is null");
        this.config = Objects.requireNonNull(config, "config is null");
    }

    @Override
    public WorkerConfig config() {
        return config;
    }

    @Override
    public Object work(Task task) {
        Object name = task.kwargs().get("name");
        if (!(name instanceof String text) || text.isBlank()) {
            throw new IllegalArgumentException("task has no 'name': " + task.kwargs());
        }
        String greeting = greeter.greet(text);
        context().broker().setKey(KEY_PREFIX + text, greeting);
        return greeting;
    }
}
