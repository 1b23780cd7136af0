package com.example.greetings;

import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.config.WorkerConfigProperties;

import java.time.Duration;

/**
 * The application's Sergeant configuration: the {@code greetings} queue with its defaults, overridden
 * by {@code -Dsergeant.config.<key>=<value>} system properties, the same overrides the supervisor
 * hands its workers ({@code --config backend=...}), so producers and workers agree.
 */
public final class GreetingsConfig {

    /** The queue name. */
    public static final String QUEUE = "greetings";

    private GreetingsConfig() {
    }

    /**
     * The defaults (two threads, a 200 ms poll, the default SQLite file) with the system-property
     * overrides applied.
     *
     * @throws io.sergeant.api.SergeantException {@code INVALID_CONFIGURATION} naming every bad key or value
     */
    public static WorkerConfig load() {
        WorkerConfig defaults = WorkerConfig.builder(QUEUE)
                .executor("thread", 2)
                .pollInterval(Duration.ofMillis(200))
                .build();
        return WorkerConfigProperties.effective(defaults, System.getProperties());
    }
}
