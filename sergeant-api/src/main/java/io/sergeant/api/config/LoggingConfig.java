package io.sergeant.api.config;

import java.util.Objects;

/**
 * Worker logging. Levels and appenders belong to the SLF4J binding of the application (the
 * {@code sergeant} command binds Logback); this decides which events the worker emits.
 *
 * @param events which handler events are logged
 * @param summary whether the run summary is logged at INFO when the worker loop ends
 */
public record LoggingConfig(LoggingEvents events, boolean summary) {

    /** Default events, summary logged. */
    public static final LoggingConfig DEFAULT = new LoggingConfig(LoggingEvents.DEFAULT, true);

    /** Checks that events is present. */
    public LoggingConfig {
        Objects.requireNonNull(events, "events is null");
    }
}
