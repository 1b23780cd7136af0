package io.sergeant.it.pickup;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.WorkerRuntime;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stop that lands while the worker goes idle is never missed (CI failure of 6 December 2026:
 * {@code IdlePickupTest.tearDown} waited 30 s for a worker to stop). A worker with a 30 s poll interval
 * runs one task, and the stop is requested at a moment swept across the loop's way into its idle wait
 * (0 to 6 ms after the task ran, in 0.1 ms steps), so some rounds land between the loop's
 * last look at its stop flag and the start of its wait on the backend. Before the fix such a stop's
 * {@code wakeUp()} found no wait to end and the wait ran its full 30 s. Each stop must end well
 * within 10 s (a stop normally takes a few ms; the bound only separates "woken" from "waited out").
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class StopRaceTest {

    private static final int ROUNDS = 60;
    private static final long STOP_BOUND_MILLIS = 10_000;

    private static RedisServerProcess redis;
    private final Sergeant sergeant = Sergeant.create();

    @TempDir
    Path dir;

    @BeforeAll
    static void startRedis() {
        redis = RedisServerProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"redis", "sqlite"})
    @DisplayName("a stop requested while the loop goes idle ends the worker at once, whenever it lands")
    void aStopRacingTheIdleWaitIsNeverMissed(String backend) throws Exception {
        String uri = backend.equals("redis") ? redis.uri() : "sqlite:" + dir.resolve("race.db");
        List<Long> stops = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            WorkerConfig config = WorkerConfig.builder("race-" + backend).backend(uri)
                    .delivery(round % 2 == 0 ? DeliveryMode.AT_LEAST_ONCE : DeliveryMode.AT_MOST_ONCE)
                    .executor("thread", 1).pollInterval(Duration.ofSeconds(30)).build();
            CountDownLatch ran = new CountDownLatch(1);
            Worker worker = new TaskRecorder(config, task -> ran.countDown());
            try (WorkerRuntime runtime = new WorkerRuntime(worker, config, sergeant, List.of());
                 Broker broker = sergeant.broker(config)) {
                CompletableFuture<?> running = CompletableFuture.runAsync(runtime::run);
                broker.pushTask(config.name(), Task.of(Map.of("round", round)), Priority.NORMAL, null);
                assertThat(ran.await(30, TimeUnit.SECONDS)).as("round %d: the task ran", round).isTrue();
                // Sweep the stop across the loop's way from the task's end into its idle wait.
                long delayNanos = (round % 60) * 100_000L;
                long until = System.nanoTime() + delayNanos;
                while (System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
                long stopAt = System.nanoTime();
                runtime.requestStop();
                try {
                    running.get(STOP_BOUND_MILLIS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    running.get(60, TimeUnit.SECONDS); // let it end before the runtime closes
                    throw new AssertionError("round " + round + " (" + backend + ", stop " + delayNanos / 1000
                            + " µs after the task ran): the worker took over " + STOP_BOUND_MILLIS / 1000
                            + " s to stop; the stop's wake-up was missed", e);
                }
                stops.add((System.nanoTime() - stopAt) / 1_000_000);
            }
        }
        stops.sort(null);
        System.out.printf("[stop race] %s: %d stops, median %d ms, max %d ms%n", backend, stops.size(),
                stops.get(stops.size() / 2), stops.get(stops.size() - 1));
        assertThat(stops).hasSize(ROUNDS);
    }
}
