package io.sergeant.core.supervisor;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link Supervisor} runs. Immutable.
 *
 * @param workerClass          the worker class, fully qualified; loaded by the workers, not the supervisor
 * @param concurrentWorkers    how many worker JVMs to keep running; at least 1
 * @param maxWorkerMemoryBytes resident memory (worker plus descendants) past which a worker is killed and
 *                             replaced, or null for no limit; positive when given
 * @param maxTasksPerWorker    passed to workers as {@code -Dsergeant.config.maxTasksPerRun}, or null to keep
 *                             the worker's own setting; not negative when given
 * @param workerJvmOptions     JVM options of the workers (for example {@code -Xmx512m}); copied
 * @param guiceModules         Guice modules the workers install, passed as {@code --guice-module}; copied
 * @param configOverrides      worker configuration overrides, passed as {@code -Dsergeant.config.<key>=<value>};
 *                             copied, keys as {@code io.sergeant.core.config.WorkerConfigProperties} lists them
 * @param gracePeriod          on a graceful stop, how long workers may take to exit after SIGTERM before they
 *                             are killed
 * @param classpath            the workers' class path, or null for this JVM's {@code java.class.path}
 * @param respawnBackoff       how respawns of workers that die young are paced
 */
public record SupervisorConfig(String workerClass, int concurrentWorkers, Long maxWorkerMemoryBytes,
                               Integer maxTasksPerWorker, List<String> workerJvmOptions, List<String> guiceModules,
                               Map<String, String> configOverrides, Duration gracePeriod, String classpath,
                               RespawnBackoff respawnBackoff) {

    /** A configuration with the {@link RespawnBackoff#DEFAULT} respawn backoff. */
    public SupervisorConfig(String workerClass, int concurrentWorkers, Long maxWorkerMemoryBytes,
                            Integer maxTasksPerWorker, List<String> workerJvmOptions, List<String> guiceModules,
                            Map<String, String> configOverrides, Duration gracePeriod, String classpath) {
        this(workerClass, concurrentWorkers, maxWorkerMemoryBytes, maxTasksPerWorker, workerJvmOptions, guiceModules,
                configOverrides, gracePeriod, classpath, RespawnBackoff.DEFAULT);
    }

    /** Default {@link #gracePeriod()}: 30 s, enough for running tasks to finish and workers to finalize. */
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(30);

    /**
     * Checks and copies the parts.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} for a blank class, fewer than one worker, a
     *         non-positive memory limit, a negative task count or grace period
     * @throws NullPointerException when a required part is null
     */
    public SupervisorConfig {
        Objects.requireNonNull(workerClass, "workerClass is null");
        Objects.requireNonNull(gracePeriod, "gracePeriod is null");
        Objects.requireNonNull(respawnBackoff, "respawnBackoff is null");
        workerJvmOptions = List.copyOf(Objects.requireNonNull(workerJvmOptions, "workerJvmOptions is null"));
        guiceModules = List.copyOf(Objects.requireNonNull(guiceModules, "guiceModules is null"));
        configOverrides = Map.copyOf(Objects.requireNonNull(configOverrides, "configOverrides is null"));
        List<String> problems = new ArrayList<>();
        if (workerClass.isBlank()) {
            problems.add("the worker class is blank; give its fully qualified name, for example com.acme.EmailWorker");
        }
        if (concurrentWorkers < 1) {
            problems.add("concurrent workers is " + concurrentWorkers + "; give at least 1");
        }
        if (maxWorkerMemoryBytes != null && maxWorkerMemoryBytes <= 0) {
            problems.add("max worker memory is " + maxWorkerMemoryBytes + " bytes; give a positive size such as 512M or leave it out");
        }
        if (maxTasksPerWorker != null && maxTasksPerWorker < 0) {
            problems.add("max tasks per worker is " + maxTasksPerWorker + "; give 0 (unlimited) or more, or leave it out");
        }
        if (gracePeriod.isNegative()) {
            problems.add("grace period is " + gracePeriod + "; give zero or more");
        }
        if (!problems.isEmpty()) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "invalid supervisor configuration: "
                    + String.join("; ", problems));
        }
    }

    /** N workers of a class, no memory limit, the workers' own task limit, default grace period. */
    public static SupervisorConfig of(String workerClass, int concurrentWorkers) {
        return builder(workerClass, concurrentWorkers).build();
    }

    /** A builder starting from {@link #of}'s defaults. */
    public static Builder builder(String workerClass, int concurrentWorkers) {
        return new Builder(workerClass, concurrentWorkers);
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder(workerClass, concurrentWorkers).maxWorkerMemoryBytes(maxWorkerMemoryBytes)
                .maxTasksPerWorker(maxTasksPerWorker).workerJvmOptions(workerJvmOptions).guiceModules(guiceModules)
                .configOverrides(configOverrides).gracePeriod(gracePeriod).classpath(classpath).respawnBackoff(respawnBackoff);
    }

    /** Builds a {@link SupervisorConfig}; not thread safe. */
    public static final class Builder {

        private final String workerClass;
        private final int concurrentWorkers;
        private Long maxWorkerMemoryBytes;
        private Integer maxTasksPerWorker;
        private List<String> workerJvmOptions = List.of();
        private List<String> guiceModules = List.of();
        private final Map<String, String> configOverrides = new LinkedHashMap<>();
        private Duration gracePeriod = DEFAULT_GRACE_PERIOD;
        private String classpath;
        private RespawnBackoff respawnBackoff = RespawnBackoff.DEFAULT;

        private Builder(String workerClass, int concurrentWorkers) {
            this.workerClass = workerClass;
            this.concurrentWorkers = concurrentWorkers;
        }

        /** Memory limit in bytes, or null for none. */
        public Builder maxWorkerMemoryBytes(Long value) { this.maxWorkerMemoryBytes = value; return this; }

        /** Tasks per worker run, or null for the worker's own setting. */
        public Builder maxTasksPerWorker(Integer value) { this.maxTasksPerWorker = value; return this; }

        /** JVM options of the workers. */
        public Builder workerJvmOptions(List<String> value) { this.workerJvmOptions = value; return this; }

        /** Guice modules of the workers. */
        public Builder guiceModules(List<String> value) { this.guiceModules = value; return this; }

        /** Replaces the configuration overrides. */
        public Builder configOverrides(Map<String, String> value) {
            this.configOverrides.clear();
            this.configOverrides.putAll(value);
            return this;
        }

        /** Adds one configuration override. */
        public Builder configOverride(String key, String value) { this.configOverrides.put(key, value); return this; }

        /** The graceful-stop bound. */
        public Builder gracePeriod(Duration value) { this.gracePeriod = value; return this; }

        /** The workers' class path, or null for this JVM's. */
        public Builder classpath(String value) { this.classpath = value; return this; }

        /** How respawns of workers that die young are paced (default {@link RespawnBackoff#DEFAULT}). */
        public Builder respawnBackoff(RespawnBackoff value) { this.respawnBackoff = value; return this; }

        /** Builds and checks the configuration (see the record's constructor for what is thrown). */
        public SupervisorConfig build() {
            return new SupervisorConfig(workerClass, concurrentWorkers, maxWorkerMemoryBytes, maxTasksPerWorker,
                    workerJvmOptions, guiceModules, configOverrides, gracePeriod, classpath, respawnBackoff);
        }
    }
}
