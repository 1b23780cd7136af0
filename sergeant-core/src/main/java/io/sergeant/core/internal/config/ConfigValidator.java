package io.sergeant.core.internal.config;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.internal.plugin.PluginCatalog;
import io.sergeant.core.internal.plugin.PluginRegistry;
import io.sergeant.spi.backend.BackendSpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Checks a {@link WorkerConfig} against value ranges and the installed plugins and reports every
 * problem at once, each with its configuration key; backend URIs are quoted with secrets masked.
 * Thread safe.
 */
public final class ConfigValidator {

    /** Largest accepted batch size. */
    public static final int MAX_TASKS_PER_TRANSACTION = 100_000;

    private final PluginRegistry registry;

    /** A validator that checks plugin names against {@code registry}. */
    public ConfigValidator(PluginRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry is null");
    }

    /**
     * Validates the configuration.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} listing every problem, one per line
     */
    public WorkerConfig validate(WorkerConfig config) {
        List<String> problems = problems(config);
        if (!problems.isEmpty()) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "invalid configuration of worker '"
                    + config.name() + "' (" + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):\n  - "
                    + String.join("\n  - ", problems));
        }
        return config;
    }

    /** Every problem of the configuration, as {@code key: what is wrong and what to do}; empty when valid. */
    public List<String> problems(WorkerConfig config) {
        List<String> problems = new ArrayList<>();
        if (config.name().isBlank() || !config.name().equals(config.name().strip())) {
            problems.add("name: '" + config.name() + "' must be a non-empty queue name without surrounding spaces");
        }
        checkBackend(config.backend(), problems);
        nonNegative("maxTasksPerRun", config.maxTasksPerRun(), problems);
        nonNegative("maxRetries", config.maxRetries(), problems);
        if (config.tasksPerTransaction() < 1 || config.tasksPerTransaction() > MAX_TASKS_PER_TRANSACTION) {
            problems.add("tasksPerTransaction: " + config.tasksPerTransaction() + " must be between 1 and " + MAX_TASKS_PER_TRANSACTION);
        }
        known("executor.kind", config.executor().kind(), registry.executors(), problems);
        known("executor.killer", config.executor().killer(), registry.killers(), problems);
        if (config.executor().concurrency() < 1) {
            problems.add("executor.concurrency: " + config.executor().concurrency() + " must be at least 1");
        }
        known("encoder.serializer", config.encoder().serializer(), registry.serializers(), problems);
        if (!PluginRegistry.NO_COMPRESSION.equals(config.encoder().compressor())) {
            known("encoder.compressor", config.encoder().compressor(), registry.compressors(), problems);
        }
        encoderOptionPrefixes(config, problems);
        positive("delivery.lease", config.delivery().lease(), problems);
        positive("delivery.reapInterval", config.delivery().reapInterval(), problems);
        if (config.delivery().maxDeliveries() < 1) {
            problems.add("delivery.maxDeliveries: " + config.delivery().maxDeliveries() + " must be at least 1");
        }
        if (config.delivery().lease().compareTo(Duration.ofMillis(200)) < 0 && !config.delivery().lease().isZero()) {
            problems.add("delivery.lease: " + config.delivery().lease() + " is too short to be extended in time; use at least 200ms");
        }
        positive("pollInterval", config.pollInterval(), problems);
        return problems;
    }

    private void checkBackend(String uri, List<String> problems) {
        if (uri.isBlank()) {
            problems.add("backend: the URI is empty; use sqlite:path, redis://host:port/db, redis-cluster://h:p,... or mongodb://host:port");
            return;
        }
        BackendSpec spec = new BackendSpec(uri, java.util.Map.of());
        String scheme = spec.scheme();
        if (!registry.backends().servesScheme(scheme)) {
            problems.add("backend: no installed backend serves '" + spec.maskedUri() + "' (scheme '" + scheme
                    + "'); known schemes: " + String.join(", ", registry.backends().schemes()));
        }
    }

    /**
     * Every encoder option belongs to the configured serializer or compressor ({@code zlib.level}); a key
     * for another plugin, or a misspelled prefix ({@code zlb.level}), would otherwise be ignored silently.
     */
    private static void encoderOptionPrefixes(WorkerConfig config, List<String> problems) {
        List<String> owners = new java.util.ArrayList<>(List.of(config.encoder().serializer()));
        if (!PluginRegistry.NO_COMPRESSION.equals(config.encoder().compressor())) {
            owners.add(config.encoder().compressor());
        }
        for (String key : new java.util.TreeSet<>(config.encoder().options().keySet())) {
            int dot = key.indexOf('.');
            String prefix = dot < 0 ? key : key.substring(0, dot);
            if (owners.contains(prefix) && dot > 0) {
                continue;
            }
            String suggestion = io.sergeant.spi.PluginOptions.closest(prefix, owners)
                    .filter(owner -> dot > 0)
                    .map(owner -> " (did you mean '" + owner + key.substring(dot) + "'?)").orElse("");
            problems.add("encoder.option." + key + ": belongs to no configured encoder plugin" + suggestion
                    + "; encoder options are '<plugin>.<option>' for the serializer '" + config.encoder().serializer()
                    + "'" + (owners.size() > 1 ? " or the compressor '" + owners.get(1) + "'" : " (no compressor is configured)"));
        }
    }

    private static void known(String key, String name, PluginCatalog<?> catalog, List<String> problems) {
        if (!catalog.has(name)) {
            problems.add(key + ": unknown '" + name + "'; known: " + String.join(", ", catalog.names()));
        }
    }

    private static void nonNegative(String key, int value, List<String> problems) {
        if (value < 0) {
            problems.add(key + ": " + value + " must not be negative (0 means unlimited)");
        }
    }

    private static void positive(String key, Duration value, List<String> problems) {
        if (value.isNegative() || value.isZero()) {
            problems.add(key + ": " + value + " must be positive");
        }
    }
}
