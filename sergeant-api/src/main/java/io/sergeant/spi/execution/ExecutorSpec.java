package io.sergeant.spi.execution;

import io.sergeant.api.config.Timeouts;
import io.sergeant.spi.PluginOptions;

import java.util.Objects;

/**
 * The configuration of an executor.
 *
 * @param concurrency how many tasks may run at once; at least 1
 * @param timeouts    task timeout and grace period (the killer enforces them)
 * @param options     executor options; the executor rejects unknown keys
 */
public record ExecutorSpec(int concurrency, Timeouts timeouts, PluginOptions options) {

    /** Checks the concurrency and that no part is null. */
    public ExecutorSpec {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1: " + concurrency);
        }
        Objects.requireNonNull(timeouts, "timeouts is null");
        Objects.requireNonNull(options, "options is null");
    }
}
