package com.example.welcome;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Pushes one task per new user to the welcome-e-mail queue. Thread safe (the broker is).
 *
 * <p>{@code java com.example.welcome.WelcomeEmailProducer sqlite:/tmp/app.db ada@example.com ...}
 */
public final class WelcomeEmailProducer {

    private final Broker broker;

    /** A producer pushing through {@code broker}; the caller keeps ownership of the broker. */
    public WelcomeEmailProducer(Broker broker) {
        this.broker = Objects.requireNonNull(broker, "broker is null");
    }

    /** Pushes one task per address in one round trip; returns after the backend stored them. */
    public void enqueue(List<String> addresses) {
        List<Task> tasks = new ArrayList<>(addresses.size());
        for (String address : addresses) {
            tasks.add(Task.of(Map.of("email", Objects.requireNonNull(address, "an address is null"))));
        }
        broker.pushTasks(WelcomeEmails.QUEUE, tasks, Priority.NORMAL, null);
    }

    /** Pushes a task for every address given after the backend URI. */
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: WelcomeEmailProducer BACKEND_URI ADDRESS...");
            System.exit(2);
        }
        WorkerConfig config = WelcomeEmails.config(args[0]);
        try (Broker broker = Sergeant.create().broker(config)) {
            new WelcomeEmailProducer(broker).enqueue(List.of(args).subList(1, args.length));
            System.out.println("queued " + (args.length - 1) + " welcome e-mails; "
                    + broker.numberOfEnqueuedTasks(WelcomeEmails.QUEUE, false) + " waiting");
        }
    }
}
