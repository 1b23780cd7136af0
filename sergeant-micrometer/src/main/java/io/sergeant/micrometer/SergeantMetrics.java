package io.sergeant.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.sergeant.api.Broker;
import io.sergeant.api.QueueStats;
import io.sergeant.api.Task;
import io.sergeant.api.observe.PushObservation;
import io.sergeant.api.observe.SergeantListener;
import io.sergeant.api.observe.TaskObservation;
import io.sergeant.api.observe.TaskOutcome;
import io.sergeant.api.observe.WorkerInfo;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sergeant's metrics in a Micrometer {@link MeterRegistry}: a {@link SergeantListener} that turns the
 * worker's and producer's events into meters, and samples queue depths on a schedule of its own (not
 * per scrape). docs/observability.md lists every meter; in short, all tagged with {@code queue}:
 * <ul>
 *   <li>{@code sergeant.tasks} counter, tag {@code outcome}: {@code started}, {@code succeeded},
 *       {@code failed}, {@code timed_out}, {@code retried}, {@code requeued}, {@code max_retries},
 *       {@code stopped}, {@code respawned}, {@code dead_lettered}, {@code redelivered};</li>
 *   <li>{@code sergeant.task.duration} timer with a percentile histogram, tag {@code outcome};</li>
 *   <li>{@code sergeant.tasks.pushed} counter;</li>
 *   <li>{@code sergeant.queue.depth} gauge, tag {@code state}: {@code ready}, {@code delayed},
 *       {@code in_flight}, {@code dead_letters};</li>
 *   <li>{@code sergeant.pop.batch.size} distribution summary (tasks per non-empty pop);</li>
 *   <li>{@code sergeant.backend.latency} timer, tags {@code operation} ({@code pop}, {@code ack},
 *       {@code extend}) and {@code result} ({@code ok}, {@code error});</li>
 *   <li>{@code sergeant.leases.reaped} counter, tag {@code result} ({@code redelivered},
 *       {@code dead_lettered});</li>
 *   <li>{@code sergeant.decode.failures} counter.</li>
 * </ul>
 *
 * <p>Use: {@code Sergeant.create().withListeners(new SergeantMetrics(registry))}. Queues a worker runs
 * are sampled while it runs; {@link #monitorQueue} samples any other queue (a producer's, for example).
 * JVM and process meters are not registered here: applications bind their own, and the
 * {@code sergeant} command's endpoint ({@link MetricsEndpoint}) binds Micrometer's.
 *
 * <p>Thread safe; event methods only update meters and never block. {@link #close()} stops sampling.
 */
public final class SergeantMetrics implements SergeantListener, AutoCloseable {

    /** How often queue depths are sampled unless told otherwise. */
    public static final Duration DEFAULT_DEPTH_INTERVAL = Duration.ofSeconds(10);

    private final MeterRegistry registry;
    private final Duration depthInterval;
    private final ScheduledExecutorService sampler;
    private final Map<String, QueueDepth> depths = new ConcurrentHashMap<>();
    private final Health health = new Health();

    /** Metrics in {@code registry}, queue depths sampled every {@link #DEFAULT_DEPTH_INTERVAL} (10 s). */
    public SergeantMetrics(MeterRegistry registry) {
        this(registry, DEFAULT_DEPTH_INTERVAL);
    }

    /**
     * Metrics in {@code registry}, queue depths sampled every {@code depthInterval}.
     *
     * @throws IllegalArgumentException for a depth interval under 100 ms
     */
    public SergeantMetrics(MeterRegistry registry, Duration depthInterval) {
        this.registry = Objects.requireNonNull(registry, "registry is null");
        this.depthInterval = Objects.requireNonNull(depthInterval, "depthInterval is null");
        if (depthInterval.toMillis() < 100) {
            throw new IllegalArgumentException("queue depth interval is " + depthInterval
                    + "; give 100 ms or more (depths are sampled with a backend round trip)");
        }
        this.sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sergeant-metrics-depth");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The health this listener derives from the events (see {@link Health}). */
    public Health health() {
        return health;
    }

    /**
     * Samples {@code queue}'s depth through {@code broker} every depth interval until the returned handle
     * is closed (or this is closed). A queue already sampled is sampled once.
     */
    public AutoCloseable monitorQueue(Broker broker, String queue) {
        Objects.requireNonNull(broker, "broker is null");
        Objects.requireNonNull(queue, "queue is null");
        QueueDepth depth = depths.computeIfAbsent(queue, name -> new QueueDepth(name, broker));
        depth.users.incrementAndGet();
        return () -> release(depth);
    }

    private void release(QueueDepth depth) {
        if (depth.users.decrementAndGet() <= 0 && depths.remove(depth.queue, depth)) {
            depth.stop();
        }
    }

    @Override
    public void workerStarted(WorkerInfo worker) {
        QueueDepth depth = depths.computeIfAbsent(worker.queue(), name -> new QueueDepth(name, worker.broker()));
        depth.users.incrementAndGet();
        health.workerStarted();
    }

    @Override
    public void workerStopped(WorkerInfo worker) {
        health.workerStopped();
        QueueDepth depth = depths.get(worker.queue());
        if (depth != null) {
            release(depth);
        }
    }

    @Override
    public PushObservation pushStarted(String queue, int taskCount) {
        return new PushObservation() {
            @Override
            public void pushed() {
                Counter.builder("sergeant.tasks.pushed").description("Tasks pushed to the queue by this process")
                    .tag("queue", queue).register(registry).increment(taskCount);
            }
        };
    }

    @Override
    public TaskObservation taskStarted(String queue, Task task) {
        tasks(queue, "started").increment();
        return (outcome, duration, error) -> {
            tasks(queue, outcome.tag()).increment();
            Timer.builder("sergeant.task.duration").description("How long tasks ran, from preWork to the end of their handler")
                    .tags("queue", queue, "outcome", outcome.tag()).publishPercentileHistogram()
                    .register(registry).record(duration);
        };
    }

    @Override
    public void popped(String queue, int requested, int received, Duration latency) {
        health.backendAnswered();
        latency(queue, "pop", "ok").record(latency);
        if (received > 0) {
            DistributionSummary.builder("sergeant.pop.batch.size").description("Tasks per non-empty pop")
                    .tag("queue", queue).register(registry).record(received);
        }
    }

    @Override
    public void popFailed(String queue, Duration latency, RuntimeException error) {
        health.backendFailed();
        latency(queue, "pop", "error").record(latency);
    }

    @Override
    public void redelivered(String queue, int count) {
        tasks(queue, "redelivered").increment(count);
    }

    @Override
    public void acked(String queue, int count, int refused, Duration latency, RuntimeException error) {
        latency(queue, "ack", error == null ? "ok" : "error").record(latency);
    }

    @Override
    public void extended(String queue, int count, int lost, Duration latency, RuntimeException error) {
        latency(queue, "extend", error == null ? "ok" : "error").record(latency);
    }

    @Override
    public void reaped(String queue, long redelivered, long deadLettered) {
        reapedCounter(queue, "redelivered").increment(redelivered);
        reapedCounter(queue, "dead_lettered").increment(deadLettered);
        if (deadLettered > 0) {
            tasks(queue, "dead_lettered").increment(deadLettered);
        }
    }

    @Override
    public void decodeFailed(String queue, String reason) {
        Counter.builder("sergeant.decode.failures").description("Popped payloads that could not be decoded (they go to the dead letters)")
                    .tag("queue", queue).register(registry).increment();
    }

    @Override
    public void deadLettered(String queue, String reason) {
        tasks(queue, "dead_lettered").increment();
    }

    private Counter tasks(String queue, String outcome) {
        return Counter.builder("sergeant.tasks").description("Task events by outcome: started, each end, dead-lettered, redelivered")
                    .tags("queue", queue, "outcome", outcome).register(registry);
    }

    private Counter reapedCounter(String queue, String result) {
        return Counter.builder("sergeant.leases.reaped").description("Expired leases reaped, by what became of the task")
                    .tags("queue", queue, "result", result).register(registry);
    }

    private Timer latency(String queue, String operation, String result) {
        return Timer.builder("sergeant.backend.latency").description("Round trips of the worker loop to the backend")
                .tags("queue", queue, "operation", operation, "result", result).register(registry);
    }

    /** Stops sampling queue depths; the meters stay registered. Idempotent. */
    @Override
    public void close() {
        sampler.shutdownNow();
        depths.values().forEach(QueueDepth::stop);
        depths.clear();
    }

    /** The depth gauges of one queue and the schedule that refreshes them. */
    private final class QueueDepth {
        final String queue;
        final AtomicInteger users = new AtomicInteger();
        private final Broker broker;
        private final AtomicLong ready = new AtomicLong(-1);
        private final AtomicLong delayed = new AtomicLong(-1);
        private final AtomicLong inFlight = new AtomicLong(-1);
        private final AtomicLong deadLetters = new AtomicLong(-1);
        private final ScheduledFuture<?> schedule;

        QueueDepth(String queue, Broker broker) {
            this.queue = queue;
            this.broker = broker;
            gauge("ready", ready);
            gauge("delayed", delayed);
            gauge("in_flight", inFlight);
            gauge("dead_letters", deadLetters);
            this.schedule = sampler.scheduleWithFixedDelay(this::sample, 0, depthInterval.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void gauge(String state, AtomicLong value) {
            // NaN until the first sample: "unknown" is not "empty".
            Gauge.builder("sergeant.queue.depth", value, v -> v.get() < 0 ? Double.NaN : v.get())
                    .description("Tasks in the queue by state, sampled every " + depthInterval.toSeconds() + " s")
                    .tags(Tags.of("queue", queue, "state", state)).register(registry);
        }

        private void sample() {
            try {
                QueueStats stats = broker.stats(queue);
                ready.set(stats.ready());
                delayed.set(stats.delayed());
                inFlight.set(stats.inFlight());
                deadLetters.set(stats.deadLetters());
                health.backendAnswered();
            } catch (RuntimeException e) {
                health.backendFailed();
            }
        }

        void stop() {
            schedule.cancel(false);
        }
    }

    /**
     * Liveness and readiness from the events: live while the process runs; ready while at least one
     * worker loop runs (started, not stopped) and the backend's last answer (a pop or a depth sample)
     * was a success within the last {@link #READY_WINDOW}. Thread safe.
     */
    public static final class Health {

        /** How recent the backend's last successful answer must be for readiness. */
        public static final Duration READY_WINDOW = Duration.ofSeconds(30);

        private final AtomicInteger runningWorkers = new AtomicInteger();
        private final AtomicLong lastAnswerNanos = new AtomicLong(Long.MIN_VALUE);
        private volatile boolean lastAnswerFailed;

        void workerStarted() {
            runningWorkers.incrementAndGet();
        }

        void workerStopped() {
            runningWorkers.decrementAndGet();
        }

        void backendAnswered() {
            lastAnswerNanos.set(System.nanoTime());
            lastAnswerFailed = false;
        }

        void backendFailed() {
            lastAnswerFailed = true;
        }

        /** Null when ready, else why not, in words for the {@code /health/ready} response. */
        public String notReadyReason() {
            if (runningWorkers.get() <= 0) {
                return "no worker loop is running";
            }
            long last = lastAnswerNanos.get();
            if (last == Long.MIN_VALUE) {
                return "the backend has not answered yet";
            }
            if (lastAnswerFailed) {
                return "the backend's last answer was an error";
            }
            if (System.nanoTime() - last > READY_WINDOW.toNanos()) {
                return "the backend has not answered for more than " + READY_WINDOW.toSeconds() + " s";
            }
            return null;
        }

        /** Whether the worker is ready (see the class description). */
        public boolean ready() {
            return notReadyReason() == null;
        }
    }
}
