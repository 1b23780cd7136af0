package com.example.greetings;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The application's entry point for greetings: queues one task per name. Thread safe. */
public final class GreetingService {

    private final Broker broker;
    private final String queue;

    /** Guice passes the {@link Broker} bound by {@code SergeantModule} and the queue configuration. */
    @Inject
    public GreetingService(Broker broker, WorkerConfig config) {
        this.broker = Objects.requireNonNull(broker, "broker is null");
        this.queue = Objects.requireNonNull(config, "config is null").name();
    }

    /** Queues a greeting for each name in one round trip; returns after the backend stored them. */
    public void requestGreetings(List<String> names) {
        List<Task> tasks = new ArrayList<>(names.size());
        for (String name : names) {
            tasks.add(Task.of(Map.of("name", Objects.requireNonNull(name, "a name is null"))));
        }
        broker.pushTasks(queue, tasks, Priority.NORMAL, null);
    }
}
