package io.sergeant.it.reliability;

import io.sergeant.api.QueueStats;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.core.supervisor.Supervisor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several processes on one SQLite file (three producer JVMs and two worker JVMs) killed at random with
 * SIGKILL, at-least-once: no acknowledged push is lost, nothing unexpected runs, duplicates only of tasks
 * a killed worker held, and {@code PRAGMA integrity_check} is {@code ok} afterwards. A killed producer is
 * replaced by a new one with fresh ids; what it pushed but had not recorded as acknowledged may still run
 * (counted as unacknowledged-but-delivered).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SqliteMultiProcessTest {

    private static final int PRODUCERS = 3;

    @TempDir
    Path dir;

    private final List<Process> producers = new ArrayList<>();

    @AfterEach
    void killProducers() {
        producers.forEach(Process::destroyForcibly);
    }

    @Test
    @DisplayName("producers and workers on one SQLite file, killed at random: nothing acknowledged is lost and the file stays intact")
    void killedAtRandom() throws Exception {
        Path file = dir.resolve("shared.sqlite3");
        String backend = "sqlite:" + file;
        Random random = new Random(17);
        try (FaultRun run = new FaultRun(dir, backend, 17)) {
            DefaultBroker broker = run.broker(DeliveryMode.AT_LEAST_ONCE);
            Supervisor supervisor = run.startSupervisor(run.supervisorConfig(2, Map.of("delivery.mode", "at-least-once",
                    "delivery.lease", "6s", "delivery.reapInterval", "500ms", "tasksPerTransaction", "10",
                    "executor.kind", "thread", "executor.concurrency", "4")).build());
            for (int i = 0; i < PRODUCERS; i++) {
                producers.add(startProducer(backend, run.history(), "p" + i, 1200));
            }
            int producerKills = 0;
            int workerKills = 0;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
            FaultRun.sleep(2_000);
            while (System.nanoTime() - end < 0) {
                List<Long> victims = new ArrayList<>(supervisor.workerPids());
                producers.stream().filter(Process::isAlive).forEach(process -> victims.add(process.pid()));
                long victim = victims.get(random.nextInt(victims.size()));
                int index = indexOf(victim);
                run.kill(victim);
                if (index >= 0) {
                    producerKills++;
                    producers.get(index).waitFor(10, TimeUnit.SECONDS);
                    producers.set(index, startProducer(backend, run.history(), "p" + index + "-r" + producerKills, 600));
                } else {
                    workerKills++;
                }
                FaultRun.sleep(1_500 + random.nextInt(1_000));
            }
            // The random worker kills (if any) may all have fallen between tasks, and a worker seen running a
            // task may finish it before the kill lands: push more and kill a worker seen running one, for at
            // most KillNineRuns.MAX_EXTRA_ROUNDS rounds (the assertion below then says whether one caught a task).
            for (int extra = 1; extra <= KillNineRuns.MAX_EXTRA_ROUNDS && run.check(Set.of()).inFlightAtKills().isEmpty(); extra++) {
                producers.add(startProducer(backend, run.history(), "extra" + extra, 600));
                run.killOneRunning(supervisor, Duration.ofSeconds(20));
            }
            for (Process producer : producers) {
                assertThat(producer.waitFor(60, TimeUnit.SECONDS)).as("a producer finished").isTrue();
            }
            Set<String> acknowledged = acknowledged(run.history());
            boolean drained = run.awaitCompleted(acknowledged, Duration.ofSeconds(30));
            boolean settled = run.awaitSettled(broker, Duration.ofSeconds(15));
            assertThat(run.stopSupervisors()).containsOnly(0);
            QueueStats stats = FaultRun.stats(broker);
            HistoryReport report = run.check(Set.of());
            String integrity = integrityCheck(file);
            FaultRun.figures("sqlite multi-process random kill-9", "producer-kills=" + producerKills + " worker-kills="
                    + workerKills + " integrity=" + integrity + " " + report.figures() + " stats=" + stats);

            assertThat(drained).as("every acknowledged push completed: %s", report).isTrue();
            assertThat(settled).isTrue();
            assertThat(report.lost()).isEmpty();
            assertThat(report.unexpected()).isEmpty();
            assertThat(report.overRun()).as("tasks run more than 1 + the faults that caught them running").isEmpty();
            assertThat(report.corrupted()).as("deliveries whose kwargs differ from the pushed ones").isEmpty();
            assertThat(report.duplicatesOutsideKills()).isEmpty();
            assertThat(report.pushed()).isGreaterThan(2000);
            assertThat(report.inFlightAtKills()).as("tasks a worker kill caught unacknowledged: %s", report).isNotEmpty();
            assertThat(integrity).isEqualTo("ok");
            assertThat(stats).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    private int indexOf(long pid) {
        for (int i = 0; i < producers.size(); i++) {
            if (producers.get(i).pid() == pid) {
                return i;
            }
        }
        return -1;
    }

    private static Set<String> acknowledged(Path history) {
        Set<String> ids = new java.util.HashSet<>();
        History.read(history).records().stream().filter(record -> record.kind() == HistoryRecord.Kind.PUSHED)
                .forEach(record -> ids.add(record.id()));
        return ids;
    }

    private static Process startProducer(String backend, Path history, String prefix, int count) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(FaultRun.WORKER_JVM);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ProducerMain.class.getName(),
                backend, history.toString(), prefix, Integer.toString(count), "10", "40"));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static String integrityCheck(Path file) throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("PRAGMA integrity_check")) {
            StringBuilder text = new StringBuilder();
            while (result.next()) {
                text.append(text.length() > 0 ? "; " : "").append(result.getString(1));
            }
            return text.toString();
        }
    }
}
