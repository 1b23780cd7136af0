package io.sergeant.core.internal.runtime;

import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.config.WorkerConfigProperties;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * How a worker's effective configuration travels to the child processes of an executor, so that every
 * action and hook running there ({@code retry}'s {@code maxRetries}, the queue and backend a retry or
 * requeue pushes to, the codec, {@code effectiveConfig()}) sees what the parent runs with, overrides made
 * in code included (issue 14 item 1). The parent hands the whole configuration over as system properties
 * {@value #PREFIX}{@code <key>} ({@link WorkerConfigProperties#toProperties}) through
 * {@link io.sergeant.spi.execution.ExecutionContext#childSystemProperties()}, which an executor keeps off
 * the command line; the child rebuilds it from them alone. Stateless.
 */
public final class ChildConfiguration {

    /** The prefix of the system properties that carry a child's configuration: {@value}. */
    public static final String PREFIX = "sergeant.child.config.";

    private ChildConfiguration() {
    }

    /** The system properties that hand {@code effectiveConfig} to a child process. */
    public static Map<String, String> systemProperties(WorkerConfig effectiveConfig) {
        Map<String, String> properties = new TreeMap<>();
        WorkerConfigProperties.toProperties(effectiveConfig).forEach((key, value) -> properties.put(PREFIX + key, value));
        return properties;
    }

    /**
     * The configuration a parent handed over in {@code systemProperties}, exactly as the parent runs
     * with it; empty when there is none (an executor that does not pass
     * {@link io.sergeant.spi.execution.ExecutionContext#childSystemProperties()} on).
     *
     * @throws io.sergeant.api.SergeantException {@code INVALID_CONFIGURATION} when a property cannot be read
     */
    public static Optional<WorkerConfig> read(Map<?, ?> systemProperties) {
        Map<String, String> properties = WorkerConfigProperties.withPrefix(systemProperties, PREFIX);
        String name = properties.get("name");
        if (name == null) {
            return Optional.empty();
        }
        return Optional.of(WorkerConfigProperties.apply(WorkerConfig.builder(name).build(), properties));
    }
}
