package io.sergeant.core.internal.runtime;

/** Which part of a task's lifecycle the current thread is in; decides where retry and requeue are allowed. */
enum Phase {
    NONE("outside any task"),
    PRE_WORK("preWork"),
    WORK("work"),
    POST_WORK("postWork"),
    ON_SUCCESS("onSuccess"),
    ON_FAILURE("onFailure"),
    ON_TIMEOUT("onTimeout"),
    ON_RETRY("onRetry"),
    ON_MAX_RETRIES("onMaxRetries"),
    ON_REQUEUE("onRequeue"),
    ON_STOP("onStop");

    private final String displayName;

    Phase(String displayName) {
        this.displayName = displayName;
    }

    boolean allowsRetryAndRequeue() {
        return this == WORK || this == ON_FAILURE || this == ON_TIMEOUT;
    }

    String displayName() {
        return displayName;
    }
}
