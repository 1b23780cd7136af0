package io.sergeant.core.internal.runtime;

import io.sergeant.api.WorkerStatus;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.toolkit.process.ResidentMemory;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.execution.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Publishes one worker's {@link WorkerStatus} to the backend's worker registry (the monitoring role)
 * every {@link #INTERVAL} with a TTL of {@link #TTL}, from a daemon thread of its own, while the task
 * loop runs; {@link #close()} deregisters it. So a worker that stops leaves the registry at once, and
 * one that dies (kill -9, a lost machine) leaves it when its TTL passes. On a backend without the
 * monitoring role it does nothing (logged once). A failed heartbeat is logged and retried at the next
 * period; it never stops the worker. Thread safe.
 */
public final class WorkerHeartbeat implements AutoCloseable {

    /** How often a worker writes its record. */
    public static final Duration INTERVAL = Duration.ofSeconds(5);
    /** How long a record lives without a new heartbeat: three periods, so one slow write is not a death. */
    public static final Duration TTL = INTERVAL.multipliedBy(3);
    /**
     * System property for tests that wait for a dead worker's record to expire: the period in milliseconds,
     * the TTL staying three periods. Unset, or not a positive number, the worker uses {@link #INTERVAL} and
     * {@link #TTL}; nothing in Sergeant sets it.
     */
    public static final String INTERVAL_MILLIS_PROPERTY = "sergeant.heartbeat.intervalMillis";

    private static final Logger log = LoggerFactory.getLogger(WorkerHeartbeat.class);

    private final BackendMonitoring registry;
    private final WorkerConfig config;
    private final RunState state;
    private final Duration interval;
    private final Duration ttl;
    private final String id;
    private final String host;
    private final Instant startedAt = Instant.now();
    private final ScheduledExecutorService scheduler;
    private volatile boolean failing;

    private WorkerHeartbeat(BackendMonitoring registry, WorkerConfig config, RunState state, Duration interval, Duration ttl) {
        this.registry = registry;
        this.config = config;
        this.state = state;
        this.interval = interval;
        this.ttl = ttl;
        this.host = hostName();
        long pid = ProcessHandle.current().pid();
        this.id = host + ":" + pid + ":" + config.name() + ":" + UUID.randomUUID().toString().substring(0, 8);
        this.scheduler = registry == null ? null : Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sergeant-heartbeat-" + config.name());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts publishing every {@link #interval()} with three times that as TTL ({@link #INTERVAL} and
     * {@link #TTL} unless {@link #INTERVAL_MILLIS_PROPERTY} is set); the first heartbeat is written at once.
     */
    public static WorkerHeartbeat start(Backend backend, WorkerConfig config, RunState state) {
        Duration interval = interval();
        return start(backend, config, state, interval, interval.multipliedBy(3));
    }

    /**
     * The period {@link #start(Backend, WorkerConfig, RunState)} uses: {@link #INTERVAL_MILLIS_PROPERTY} when
     * set to a positive number of milliseconds, else {@link #INTERVAL}.
     */
    public static Duration interval() {
        Long millis = Long.getLong(INTERVAL_MILLIS_PROPERTY);
        return millis != null && millis > 0 ? Duration.ofMillis(millis) : INTERVAL;
    }

    /** Starts publishing with another period and TTL (tests). */
    static WorkerHeartbeat start(Backend backend, WorkerConfig config, RunState state, Duration interval, Duration ttl) {
        Objects.requireNonNull(backend, "backend is null");
        BackendMonitoring registry = backend.monitoringRole().orElse(null);
        if (registry == null) {
            log.atInfo().addKeyValue("queue", config.name()).log("backend {} has no monitoring role: this worker is not"
                    + " listed by 'sergeant workers'", backend);
        }
        WorkerHeartbeat heartbeat = new WorkerHeartbeat(registry, Objects.requireNonNull(config, "config is null"),
                Objects.requireNonNull(state, "state is null"), interval, ttl);
        if (heartbeat.scheduler != null) {
            heartbeat.scheduler.scheduleWithFixedDelay(heartbeat::beat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
        return heartbeat;
    }

    /** This worker's id in the registry. */
    public String id() {
        return id;
    }

    /** The record a heartbeat writes now. */
    public WorkerStatus status() {
        long failed = state.count(Outcome.FAILURE) + state.count(Outcome.TIMEOUT) + state.count(Outcome.MAX_RETRIES)
                + state.count(Outcome.LOST);
        return new WorkerStatus(id, host, ProcessHandle.current().pid(), config.name(), config.executor().kind(),
                config.executor().concurrency(), startedAt, Instant.now(), state.count(Outcome.SUCCESS), failed,
                state.running(), ResidentMemory.ofTree(ProcessHandle.current()).orElse(-1), version());
    }

    private void beat() {
        try {
            registry.heartbeat(id, status().encode(), ttl);
            if (failing) {
                failing = false;
                log.atInfo().addKeyValue("queue", config.name()).log("worker heartbeats are written again");
            }
        } catch (RuntimeException e) {
            if (!failing) {
                failing = true;
                log.atWarn().addKeyValue("queue", config.name())
                        .log("could not write the worker heartbeat (retried every {}): {}", interval, e.getMessage());
            }
        }
    }

    /** Stops the heartbeats and deregisters the worker; idempotent. */
    @Override
    public void close() {
        if (scheduler == null || scheduler.isShutdown()) {
            return;
        }
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            registry.deregister(id);
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("queue", config.name())
                    .log("could not deregister the worker; its record expires within {}: {}", ttl, e.getMessage());
        }
    }

    private static String version() {
        String version = WorkerHeartbeat.class.getPackage().getImplementationVersion();
        return version != null ? version : "development";
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }
}
