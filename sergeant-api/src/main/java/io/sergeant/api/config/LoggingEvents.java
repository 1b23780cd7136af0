package io.sergeant.api.config;

/**
 * Which worker events are logged (each handler's event is logged before the user handler runs).
 * Defaults as Python Sergeant: every event but success.
 */
public record LoggingEvents(boolean onSuccess, boolean onFailure, boolean onTimeout, boolean onRetry,
                            boolean onMaxRetries, boolean onRequeue, boolean onStarvation, boolean onStop) {

    /** All but {@code onSuccess}. */
    public static final LoggingEvents DEFAULT = new LoggingEvents(false, true, true, true, true, true, true, true);

    /** None at all. */
    public static final LoggingEvents NONE = new LoggingEvents(false, false, false, false, false, false, false, false);
}
