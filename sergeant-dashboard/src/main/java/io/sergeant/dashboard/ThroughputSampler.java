package io.sergeant.dashboard;

import io.sergeant.api.Broker;
import io.sergeant.api.QueueStats;
import io.sergeant.api.WorkerStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Samples, every period, each queue's sizes and how many tasks its workers finished since the last
 * sample (from the worker registry's done and failed counters), and keeps the last few samples for
 * the overview's charts. Throughput is therefore "tasks the live workers reported done or failed",
 * per minute; a worker that dies between two samples loses its last few tasks from the chart. Thread
 * safe: {@link #sample()} runs on the server's sampling thread, readers take snapshots.
 */
final class ThroughputSampler {

    private static final Logger log = LoggerFactory.getLogger(ThroughputSampler.class);

    /** One sample: when, and per queue its sizes and tasks finished per minute since the previous sample. */
    record Sample(Instant at, Map<String, QueueStats> sizes, Map<String, Double> perMinute) {
    }

    private final Broker broker;
    private final int kept;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private Map<String, Long> lastCounters = Map.of();
    private Instant lastAt;
    private volatile boolean stopped;

    ThroughputSampler(Broker broker, int kept) {
        this.broker = broker;
        this.kept = kept;
    }

    /** Takes one sample; a backend failure is logged and the sample skipped. */
    void sample() {
        try {
            Instant now = Instant.now();
            List<WorkerStatus> workers = DashboardData.workersOrEmpty(broker);
            Map<String, QueueStats> sizes = new TreeMap<>();
            for (String queue : DashboardData.queueNames(broker, workers)) {
                sizes.put(queue, broker.stats(queue));
            }
            Map<String, Long> counters = new HashMap<>();
            Map<String, Double> perMinute = new TreeMap<>();
            for (WorkerStatus worker : workers) {
                long finished = worker.tasksDone() + worker.tasksFailed();
                counters.put(worker.id(), finished);
                Long before = lastCounters.get(worker.id());
                long delta;
                if (before != null) {
                    delta = Math.max(0, finished - before);
                } else {
                    // A worker that started since the last sample: everything it finished is new.
                    delta = lastAt != null && worker.startedAt().isAfter(lastAt) ? finished : 0;
                }
                perMinute.merge(worker.queue(), (double) delta, Double::sum);
            }
            if (lastAt != null) {
                double minutes = Math.max(1e-3, Duration.between(lastAt, now).toMillis() / 60_000.0);
                perMinute.replaceAll((queue, delta) -> delta / minutes);
                for (String queue : sizes.keySet()) {
                    perMinute.putIfAbsent(queue, 0.0);
                }
                synchronized (samples) {
                    samples.addLast(new Sample(now, Map.copyOf(sizes), Map.copyOf(perMinute)));
                    while (samples.size() > kept) {
                        samples.removeFirst();
                    }
                }
            }
            lastCounters = counters;
            lastAt = now;
        } catch (RuntimeException e) {
            if (stopped) {
                return; // the dashboard is closing: an interrupted read is expected
            }
            log.warn("dashboard: sampling the backend failed, this sample is skipped: {}", e.getMessage());
        }
    }

    /** Marks the sampler stopped: a sample interrupted from now on is not reported. */
    void stop() {
        stopped = true;
    }

    /** The samples kept, oldest first. */
    List<Sample> samples() {
        synchronized (samples) {
            return new ArrayList<>(samples);
        }
    }

    /** Per queue, its throughput series (tasks per minute, oldest first), for every queue seen in the samples. */
    Map<String, List<Double>> series() {
        List<Sample> all = samples();
        TreeSet<String> queues = new TreeSet<>();
        all.forEach(sample -> queues.addAll(sample.perMinute().keySet()));
        Map<String, List<Double>> series = new TreeMap<>();
        for (String queue : queues) {
            List<Double> points = new ArrayList<>(all.size());
            for (Sample sample : all) {
                points.add(sample.perMinute().getOrDefault(queue, 0.0));
            }
            series.put(queue, points);
        }
        return series;
    }
}
