package io.sergeant.it.reliability;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pushes {@code count} tasks in batches on a thread of its own, recording each batch in the history
 * before the push ({@code A}) and after push() returned ({@code P}). A failed push (the backend is
 * down) is not retried with the same ids: those stay attempted-only, and the next batch gets new ids,
 * so a producer's retry can never be mistaken for a duplicate delivery.
 *
 * <p>Kwargs: {@code id}, {@code ms} (random work time up to {@code maxWorkMillis}), {@code salt} (random
 * letters, so that every task's {@link TaskDigest} differs). With
 * {@code maxDelayMillis > 0} every batch is delayed by a random time up to that bound.
 * Thread safe: its getters may be called while it runs.
 */
final class Producer implements AutoCloseable {

    /**
     * What to push.
     *
     * @param prefix         id prefix, unique per producer
     * @param count          how many tasks
     * @param batch          tasks per push
     * @param pauseMillis    pause between pushes
     * @param maxWorkMillis  largest work time of a task (random, at least 1)
     * @param maxDelayMillis largest delay of a batch, or 0 for immediate tasks
     */
    record Plan(String prefix, int count, int batch, long pauseMillis, int maxWorkMillis, long maxDelayMillis) {

        Plan {
            Objects.requireNonNull(prefix, "prefix is null");
        }
    }

    private final Broker broker;
    private final HistoryLog log;
    private final Plan plan;
    private final Random random;
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicInteger failedPushes = new AtomicInteger();
    private final Thread thread;
    private volatile boolean stop;
    private volatile Throwable error;

    Producer(Broker broker, HistoryLog log, Plan plan, long seed) {
        this.broker = Objects.requireNonNull(broker, "broker is null");
        this.log = Objects.requireNonNull(log, "log is null");
        this.plan = Objects.requireNonNull(plan, "plan is null");
        this.random = new Random(seed);
        this.thread = new Thread(this::run, "producer-" + plan.prefix());
        this.thread.setDaemon(true);
    }

    Producer start() {
        thread.start();
        return this;
    }

    private void run() {
        try {
            int next = 0;
            while (next < plan.count() && !stop) {
                int size = Math.min(plan.batch(), plan.count() - next);
                List<String> ids = new ArrayList<>(size);
                List<Task> tasks = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    String id = String.format("%s-%06d", plan.prefix(), next++);
                    ids.add(id);
                    tasks.add(Task.of(Map.of("id", id, "ms", 1 + random.nextInt(Math.max(1, plan.maxWorkMillis())),
                            "salt", salt())));
                }
                long due = plan.maxDelayMillis() > 0 ? System.currentTimeMillis() + 1 + (long) (random.nextDouble() * plan.maxDelayMillis()) : 0;
                log.attempted(tasks, due);
                try {
                    broker.pushTasks(HistoryWorker.QUEUE, tasks, Priority.NORMAL, due > 0 ? Instant.ofEpochMilli(due) : null);
                    log.pushed(tasks, due);
                    acknowledged.addAll(ids);
                } catch (SergeantException e) {
                    failedPushes.incrementAndGet();
                }
                if (plan.pauseMillis() > 0) {
                    Thread.sleep(plan.pauseMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            error = e;
        }
    }

    /** A random string, so that each task's kwargs digest is its own. */
    private String salt() {
        char[] chars = new char[12];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = (char) ('a' + random.nextInt(26));
        }
        return new String(chars);
    }

    /** Waits for the producer to finish its plan. */
    void await(long millis) throws InterruptedException {
        thread.join(millis);
        if (thread.isAlive()) {
            throw new IllegalStateException("producer " + plan.prefix() + " did not finish within " + millis + " ms");
        }
        if (error != null) {
            throw new IllegalStateException("producer " + plan.prefix() + " failed: " + error, error);
        }
    }

    /** Whether the plan is done. */
    boolean done() {
        return !thread.isAlive();
    }

    /** Ids whose push was acknowledged so far. */
    Set<String> acknowledged() {
        return Set.copyOf(acknowledged);
    }

    /** Pushes that failed (their ids stay attempted-only). */
    int failedPushes() {
        return failedPushes.get();
    }

    @Override
    public void close() {
        stop = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
