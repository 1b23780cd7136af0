package com.example.welcome;

import io.sergeant.api.Broker;
import io.sergeant.api.QueueStats;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.core.worker.WorkerRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The producer and two workers on one temporary SQLite file: every e-mail is sent exactly once. */
class WelcomeEmailsTest {

    private static final int USERS = 200;

    @TempDir
    Path dir;

    private final Sergeant sergeant = Sergeant.create();

    private WorkerConfig config() {
        return WelcomeEmails.config("sqlite:" + dir.resolve("queue.db")).toBuilder().pollInterval(Duration.ofMillis(50)).build();
    }

    @Test
    void everyQueuedWelcomeEmailIsSentExactlyOnceByTwoWorkersSharingTheQueue() throws Exception {
        WorkerConfig config = config();
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            addresses.add("user" + i + "@example.com");
        }
        try (Broker broker = sergeant.broker(config)) {
            new WelcomeEmailProducer(broker).enqueue(addresses);
            assertThat(broker.numberOfEnqueuedTasks(WelcomeEmails.QUEUE, false)).isEqualTo(USERS);
        }

        ConcurrentMap<String, AtomicInteger> sent = new ConcurrentHashMap<>();
        Outbox outbox = (to, subject) -> sent.computeIfAbsent(to, key -> new AtomicInteger()).incrementAndGet();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (WorkerRuntime first = new WorkerRuntime(new WelcomeEmailWorker(config, outbox), sergeant, List.of());
             WorkerRuntime second = new WorkerRuntime(new WelcomeEmailWorker(config, outbox), sergeant, List.of())) {
            CompletableFuture<RunSummary> firstRun = CompletableFuture.supplyAsync(first::run, threads);
            CompletableFuture<RunSummary> secondRun = CompletableFuture.supplyAsync(second::run, threads);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sent.size() < USERS && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            first.requestStop();
            second.requestStop();
            long succeeded = firstRun.get(30, TimeUnit.SECONDS).outcomes().getOrDefault("success", 0L)
                    + secondRun.get(30, TimeUnit.SECONDS).outcomes().getOrDefault("success", 0L);
            assertThat(succeeded).isEqualTo(USERS);
        } finally {
            threads.shutdownNow();
        }

        assertThat(sent.keySet()).containsExactlyInAnyOrderElementsOf(addresses);
        assertThat(sent).allSatisfy((address, times) -> assertThat(times.get()).as(address).isEqualTo(1));
        try (Broker broker = sergeant.broker(config)) {
            assertThat(broker.stats(WelcomeEmails.QUEUE)).as("nothing left, nothing in flight, nothing dead")
                    .isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    @Test
    void aTaskWithoutAnAddressFailsAndIsRetriedUntilMaxRetries() {
        WorkerConfig config = config().toBuilder().maxRetries(2).maxTasksPerRun(3).build();
        try (Broker broker = sergeant.broker(config)) {
            broker.pushTask(WelcomeEmails.QUEUE, Map.of("name", "no address"));
        }

        RunSummary summary;
        try (WorkerRuntime runtime = new WorkerRuntime(new WelcomeEmailWorker(config, (to, subject) -> { }), sergeant, List.of())) {
            summary = runtime.run();
        }

        assertThat(summary.outcomes()).containsEntry("retry", 2L).containsEntry("max_retries", 1L);
        try (Broker broker = sergeant.broker(config)) {
            assertThat(broker.stats(WelcomeEmails.QUEUE)).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }
}
