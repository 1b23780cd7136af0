package com.example.welcome;

import io.sergeant.api.config.WorkerConfig;

import java.time.Duration;

/** The one queue of this application and its configuration, shared by the producer and the worker. */
public final class WelcomeEmails {

    /** The queue name. */
    public static final String QUEUE = "welcome-emails";

    private WelcomeEmails() {
    }

    /**
     * The configuration on a backend URI, for example {@code sqlite:/var/lib/app/queue.db}: four tasks
     * at once on threads, ten tasks per pop, at-least-once delivery (the default), everything else at
     * its default.
     */
    public static WorkerConfig config(String backend) {
        return WorkerConfig.builder(QUEUE)
                .backend(backend)
                .executor("thread", 4)
                .tasksPerTransaction(10)
                .pollInterval(Duration.ofMillis(200))
                .build();
    }
}
