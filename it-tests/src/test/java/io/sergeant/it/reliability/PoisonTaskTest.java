package io.sergeant.it.reliability;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.testkit.servers.RedisServerProcess;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A poison task that kills its worker on every delivery ({@code Runtime.halt} in work) reaches the dead
 * letters after exactly {@code maxDeliveries} deliveries, while a producer keeps pushing and the other
 * tasks keep flowing. A task the dying worker had fetched ahead shares the crash's redelivery; it can
 * follow the poison to the dead letters only if it was held at every one of the crashes (at most one
 * task with a batch of one and one thread), and that collateral is reported. On SQLite, Redis and MongoDB
 * (the in-process wire-protocol server).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PoisonTaskTest {

    private static final int MAX_DELIVERIES = 3;

    @TempDir
    Path dir;

    private RedisServerProcess redis;
    private MongoServer mongo;

    @AfterEach
    void stopServers() {
        if (redis != null) {
            redis.close();
        }
        if (mongo != null) {
            mongo.shutdownNow();
        }
    }

    @Test
    @DisplayName("SQLite: the poison is dead-lettered after exactly maxDeliveries deliveries and the rest keeps flowing")
    void sqlite() throws Exception {
        run("sqlite", "sqlite:" + dir.resolve("queue.sqlite3"));
    }

    @Test
    @DisplayName("Redis: the poison is dead-lettered after exactly maxDeliveries deliveries and the rest keeps flowing")
    void redis() throws Exception {
        redis = RedisServerProcess.start();
        run("redis", redis.uri());
    }

    @Test
    @DisplayName("MongoDB (in-process wire-protocol server): the poison is dead-lettered after exactly maxDeliveries deliveries")
    void mongo() throws Exception {
        mongo = new MongoServer(new MemoryBackend());
        mongo.bind("127.0.0.1", 0);
        run("mongo", "mongodb://127.0.0.1:" + mongo.getLocalAddress().getPort());
    }

    private void run(String name, String backend) throws Exception {
        try (FaultRun run = new FaultRun(dir, backend, 7)) {
            DefaultBroker broker = run.broker(DeliveryMode.AT_LEAST_ONCE);
            run.startSupervisor(run.supervisorConfig(2, Map.of("delivery.mode", "at-least-once", "delivery.lease", "2s",
                    "delivery.reapInterval", "500ms", "delivery.maxDeliveries", Integer.toString(MAX_DELIVERIES),
                    "tasksPerTransaction", "1", "executor.kind", "thread", "executor.concurrency", "1")).build());
            Producer producer = run.startProducer(broker, new Producer.Plan("t", 1200, 10, 80, 4, 0));
            FaultRun.sleep(1_500);
            Task poisonTask = Task.of(Map.of("id", "poison", "action", "poison"));
            run.testLog().attempted(List.of(poisonTask), 0);
            broker.pushTask(HistoryWorker.QUEUE, poisonTask, Priority.NORMAL, null);
            run.testLog().pushed(List.of(poisonTask), 0);

            producer.await(60_000);
            // A liveness bound only (the drain normally ends within seconds): at load 14 the MongoDB run took more than 30 s.
            boolean drained = run.awaitCompleted(producer.acknowledged(), Duration.ofSeconds(120));
            boolean settled = run.awaitSettled(broker, Duration.ofSeconds(15));
            assertThat(run.stopSupervisors()).containsOnly(0);
            QueueStats stats = FaultRun.stats(broker);
            List<DeadLetter> deadLetters = broker.deadLetters(HistoryWorker.QUEUE, 100);
            Set<String> dead = FaultRun.deadLetterIds(broker);
            HistoryReport report = run.check(dead);
            Set<String> collateral = new HashSet<>(dead);
            collateral.remove("poison");
            DeadLetter poison = deadLetters.stream()
                    .filter(letter -> "poison".equals(broker.encoder().decode(letter.payload()).kwargs().get("id")))
                    .findFirst().orElseThrow(() -> new AssertionError("the poison is not in the dead letters: " + deadLetters));
            FaultRun.figures("poison " + name, "deliveries=" + report.startCounts().get("poison") + " dead-letter-count="
                    + poison.deliveryCount() + " reason='" + poison.reason() + "' collateral=" + collateral.size() + " "
                    + report.figures() + " stats=" + stats);

            assertThat(drained).as("the other tasks kept flowing: %s", report).isTrue();
            assertThat(settled).isTrue();
            assertThat(report.startCounts().get("poison")).as("deliveries of the poison").isEqualTo(MAX_DELIVERIES);
            assertThat(poison.deliveryCount()).isEqualTo(MAX_DELIVERIES);
            assertThat(poison.reason()).contains(Integer.toString(MAX_DELIVERIES));
            assertThat(report.kills()).as("each delivery killed a worker").isEqualTo(MAX_DELIVERIES);
            assertThat(report.inFlightAtKills()).as("the poison, unacknowledged at each kill it caused").contains("poison");
            assertThat(report.redeliveries()).as("what the dying workers held ran again").allMatch(HistoryReport.Redelivery::rerun);
            assertThat(collateral).as("tasks fetched ahead at every crash").hasSizeLessThanOrEqualTo(1);
            assertThat(report.lost()).isEmpty();
            assertThat(report.unexpected()).isEmpty();
            assertThat(report.overRun()).as("tasks run more than 1 + the faults that caught them running").isEmpty();
            assertThat(report.corrupted()).as("deliveries whose kwargs differ from the pushed ones").isEmpty();
            assertThat(report.duplicatesOutsideKills()).isEmpty();
            assertThat(stats).isEqualTo(new QueueStats(0, 0, 0, dead.size()));
        }
    }
}
