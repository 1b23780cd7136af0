package io.sergeant.api.config;

import java.util.Map;
import java.util.Objects;

/**
 * Where tasks run.
 *
 * @param kind        {@code thread} (default) or {@code process}
 * @param concurrency how many tasks run at once (threads, or child processes); 1 is serial
 * @param killer      the killer enforcing timeouts; {@code null} means the one of the same name as the kind
 * @param options     executor options (for example {@code jvmOptions} of the process executor)
 */
public record ExecutorConfig(String kind, int concurrency, String killer, Map<String, String> options) {

    /** One thread, thread killer. */
    public static final ExecutorConfig DEFAULT = new ExecutorConfig("thread", 1, null, Map.of());

    /** Copies options; a null killer means the killer named like the kind. */
    public ExecutorConfig {
        Objects.requireNonNull(kind, "kind is null");
        killer = killer == null ? kind : killer;
        options = Map.copyOf(Objects.requireNonNull(options, "options is null"));
    }

    /** An executor of this kind and concurrency, with its own killer and no options. */
    public static ExecutorConfig of(String kind, int concurrency) {
        return new ExecutorConfig(kind, concurrency, null, Map.of());
    }
}
