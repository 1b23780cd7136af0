package io.sergeant.api.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a worker (or a producer's broker) needs to know, immutable. Build one with
 * {@link #builder(String)}; change one with {@link #toBuilder()}. Defaults follow Python Sergeant
 * where they make sense for Java, except the serializer ({@code msgpack}, portable and safe) and
 * the delivery mode (at-least-once).
 *
 * <p>Record constructors only reject nulls; value ranges and plugin names are checked all at once by
 * the core's configuration validator, which reports every problem with its key.
 *
 * @param name                the queue name, and the worker's name
 * @param backend             the backend URI: {@code sqlite:path}, {@code redis://host:port/db}
 *                            (several, comma separated, for independent nodes), {@code rediss://},
 *                            {@code redis-cluster://h1:p1,h2:p2}, {@code mongodb://...}
 * @param backendOptions      backend options (for example {@code shards} for Redis Cluster)
 * @param maxTasksPerRun      the worker exits normally after this many tasks (the supervisor then
 *                            respawns it); 0 runs forever
 * @param maxRetries          {@code retry} refuses once a task has run this many retries; 0 is unlimited
 * @param tasksPerTransaction how many tasks one pop fetches
 * @param executor            where tasks run
 * @param encoder             serializer and compressor
 * @param timeouts            task timeout and grace period
 * @param starvation          when to call {@code onStarvation}; {@code null} never
 * @param delivery            delivery mode, lease, maximum deliveries
 * @param logging             which events are logged
 * @param limits              decoder bounds
 * @param pollInterval        how long the worker sleeps after an empty poll (Python: one second)
 */
public record WorkerConfig(
        String name,
        String backend,
        Map<String, String> backendOptions,
        int maxTasksPerRun,
        int maxRetries,
        int tasksPerTransaction,
        ExecutorConfig executor,
        EncoderConfig encoder,
        Timeouts timeouts,
        Starvation starvation,
        DeliveryConfig delivery,
        LoggingConfig logging,
        DecodeLimits limits,
        Duration pollInterval) {

    /** Python Sergeant's default local database: {@code <tmpdir>/sergeant_default_db.sqlite3}. */
    public static final String DEFAULT_BACKEND =
            "sqlite:" + Path.of(System.getProperty("java.io.tmpdir"), "sergeant_default_db.sqlite3");

    /** Checks that no part but {@code starvation} is null and copies the options. */
    public WorkerConfig {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(backend, "backend is null");
        backendOptions = Map.copyOf(Objects.requireNonNull(backendOptions, "backendOptions is null"));
        Objects.requireNonNull(executor, "executor is null");
        Objects.requireNonNull(encoder, "encoder is null");
        Objects.requireNonNull(timeouts, "timeouts is null");
        Objects.requireNonNull(delivery, "delivery is null");
        Objects.requireNonNull(logging, "logging is null");
        Objects.requireNonNull(limits, "limits is null");
        Objects.requireNonNull(pollInterval, "pollInterval is null");
    }

    /** The starvation setting, if any. */
    public Optional<Starvation> starvationSetting() {
        return Optional.ofNullable(starvation);
    }

    /** A builder with every default and this queue name. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Mutable builder of {@link WorkerConfig}; not thread safe. */
    public static final class Builder {
        private String name;
        private String backend = DEFAULT_BACKEND;
        private Map<String, String> backendOptions = Map.of();
        private int maxTasksPerRun;
        private int maxRetries;
        private int tasksPerTransaction = 1;
        private ExecutorConfig executor = ExecutorConfig.DEFAULT;
        private EncoderConfig encoder = EncoderConfig.DEFAULT;
        private Timeouts timeouts = Timeouts.DEFAULT;
        private Starvation starvation;
        private DeliveryConfig delivery = DeliveryConfig.DEFAULT;
        private LoggingConfig logging = LoggingConfig.DEFAULT;
        private DecodeLimits limits = DecodeLimits.DEFAULT;
        private Duration pollInterval = Duration.ofSeconds(1);

        private Builder(String name) {
            this.name = name;
        }

        private Builder(WorkerConfig config) {
            this.name = config.name;
            this.backend = config.backend;
            this.backendOptions = config.backendOptions;
            this.maxTasksPerRun = config.maxTasksPerRun;
            this.maxRetries = config.maxRetries;
            this.tasksPerTransaction = config.tasksPerTransaction;
            this.executor = config.executor;
            this.encoder = config.encoder;
            this.timeouts = config.timeouts;
            this.starvation = config.starvation;
            this.delivery = config.delivery;
            this.logging = config.logging;
            this.limits = config.limits;
            this.pollInterval = config.pollInterval;
        }

        /** The queue name. */
        public Builder name(String value) { this.name = value; return this; }

        /** The backend URI. */
        public Builder backend(String value) { this.backend = value; return this; }

        /** Backend options. */
        public Builder backendOptions(Map<String, String> value) { this.backendOptions = value; return this; }

        /** Tasks per run before a normal exit; 0 forever. */
        public Builder maxTasksPerRun(int value) { this.maxTasksPerRun = value; return this; }

        /** Maximum retries; 0 unlimited. */
        public Builder maxRetries(int value) { this.maxRetries = value; return this; }

        /** Batch size of a pop. */
        public Builder tasksPerTransaction(int value) { this.tasksPerTransaction = value; return this; }

        /** The executor. */
        public Builder executor(ExecutorConfig value) { this.executor = value; return this; }

        /** The executor by kind and concurrency. */
        public Builder executor(String kind, int concurrency) { this.executor = ExecutorConfig.of(kind, concurrency); return this; }

        /** The encoder. */
        public Builder encoder(EncoderConfig value) { this.encoder = value; return this; }

        /** The encoder by serializer and compressor name. */
        public Builder encoder(String serializer, String compressor) { this.encoder = EncoderConfig.of(serializer, compressor); return this; }

        /** The timeouts. */
        public Builder timeouts(Timeouts value) { this.timeouts = value; return this; }

        /** A timeout with the default grace period. */
        public Builder timeout(Duration value) { this.timeouts = new Timeouts(value, timeouts.gracePeriod()); return this; }

        /** Starvation handling; null disables. */
        public Builder starvation(Starvation value) { this.starvation = value; return this; }

        /** Delivery settings. */
        public Builder delivery(DeliveryConfig value) { this.delivery = value; return this; }

        /** Delivery mode with the other delivery settings kept. */
        public Builder delivery(DeliveryMode mode) { this.delivery = delivery.withMode(mode); return this; }

        /** Logging settings. */
        public Builder logging(LoggingConfig value) { this.logging = value; return this; }

        /** Decoder bounds. */
        public Builder limits(DecodeLimits value) { this.limits = value; return this; }

        /** Sleep after an empty poll. */
        public Builder pollInterval(Duration value) { this.pollInterval = value; return this; }

        /** The configuration; throws {@link NullPointerException} for a missing required part. */
        public WorkerConfig build() {
            return new WorkerConfig(name, backend, backendOptions, maxTasksPerRun, maxRetries, tasksPerTransaction,
                    executor, encoder, timeouts, starvation, delivery, logging, limits, pollInterval);
        }
    }
}
