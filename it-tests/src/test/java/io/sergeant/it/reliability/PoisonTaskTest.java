package io.sergeant.it.reliability;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.core.internal.broker.DefaultBroker;
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
 * task with a batch of one and one thread), and that collateral is reported.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PoisonTaskTest {

    private static final int MAX_DELIVERIES = 3;

    @TempDir
    Path dir;

    @Test
    @DisplayName("SQLite: the poison is dead-lettered after exactly maxDeliveries deliveries and the rest keeps flowing")
    void poisonReachesTheDeadLettersAndTheRestFlows() throws Exception {
        try (FaultRun run = new FaultRun(dir, "sqlite:" + dir.resolve("queue.sqlite3"), 7)) {
            DefaultBroker broker = run.broker(DeliveryMode.AT_LEAST_ONCE);
            run.startSupervisor(run.supervisorConfig(2, Map.of("delivery.mode", "at-least-once", "delivery.lease", "2s",
                    "delivery.reapInterval", "500ms", "delivery.maxDeliveries", Integer.toString(MAX_DELIVERIES),
                    "tasksPerTransaction", "1", "executor.kind", "thread", "executor.concurrency", "1")).build());
            Producer producer = run.startProducer(broker, new Producer.Plan("t", 1200, 10, 80, 4, 0));
            FaultRun.sleep(1_500);
            run.testLog().attempted(List.of("poison"), 0);
            broker.pushTask(HistoryWorker.QUEUE, Task.of(Map.of("id", "poison", "action", "poison")), Priority.NORMAL, null);
            run.testLog().pushed(List.of("poison"), 0);

            producer.await(60_000);
            boolean drained = run.awaitCompleted(producer.acknowledged(), Duration.ofSeconds(30));
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
            FaultRun.figures("poison sqlite", "deliveries=" + report.startCounts().get("poison") + " dead-letter-count="
                    + poison.deliveryCount() + " reason='" + poison.reason() + "' collateral=" + collateral.size() + " "
                    + report.figures() + " stats=" + stats);

            assertThat(drained).as("the other tasks kept flowing: %s", report).isTrue();
            assertThat(settled).isTrue();
            assertThat(report.startCounts().get("poison")).as("deliveries of the poison").isEqualTo(MAX_DELIVERIES);
            assertThat(poison.deliveryCount()).isEqualTo(MAX_DELIVERIES);
            assertThat(poison.reason()).contains(Integer.toString(MAX_DELIVERIES));
            assertThat(report.kills()).as("each delivery killed a worker").isEqualTo(MAX_DELIVERIES);
            assertThat(collateral).as("tasks fetched ahead at every crash").hasSizeLessThanOrEqualTo(1);
            assertThat(report.lost()).isEmpty();
            assertThat(report.unexpected()).isEmpty();
            assertThat(report.duplicatesOutsideKills()).isEmpty();
            assertThat(stats).isEqualTo(new QueueStats(0, 0, 0, dead.size()));
        }
    }
}
