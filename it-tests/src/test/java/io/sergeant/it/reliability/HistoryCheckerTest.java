package io.sergeant.it.reliability;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The history format and checker on hand-written histories, so the fault tests can trust their verdicts. */
class HistoryCheckerTest {

    private static final long PRODUCER = 100;
    private static final long WORKER_A = 200;
    private static final long WORKER_B = 300;
    private static final long CHILD_OF_A = 201;

    @TempDir
    Path dir;

    private final HistoryChecker checker = new HistoryChecker();

    @Test
    @DisplayName("a clean run: every acknowledged push completed once, nothing else")
    void cleanRun() throws IOException {
        write("producer", line('A', "t1", PRODUCER, 1, 1000, 0), line('A', "t2", PRODUCER, 1, 1000, 0),
                line('P', "t1", PRODUCER, 1, 1001, 0), line('P', "t2", PRODUCER, 1, 1001, 0));
        write("worker", line('S', "t1", WORKER_A, 1, 1002, 0), line('C', "t1", WORKER_A, 1, 1003, 0),
                line('S', "t2", WORKER_A, 1, 1004, 0), line('C', "t2", WORKER_A, 1, 1005, 0));

        HistoryReport report = checker.check(History.read(dir));

        assertThat(report.pushed()).isEqualTo(2);
        assertThat(report.completed()).isEqualTo(2);
        assertThat(report.lost()).isEmpty();
        assertThat(report.duplicated()).isEmpty();
        assertThat(report.unexpected()).isEmpty();
        assertThat(report.redeliveries()).isEmpty();
        assertThat(report.files()).isEqualTo(2);
    }

    @Test
    @DisplayName("lost, duplicated, unexpected and unacknowledged-but-delivered tasks are told apart")
    void classifies() throws IOException {
        write("producer",
                line('A', "lost", PRODUCER, 1, 1000, 0), line('P', "lost", PRODUCER, 1, 1001, 0),
                line('A', "dup", PRODUCER, 1, 1000, 0), line('P', "dup", PRODUCER, 1, 1001, 0),
                line('A', "unacked", PRODUCER, 1, 1000, 0),
                line('A', "dead", PRODUCER, 1, 1000, 0), line('P', "dead", PRODUCER, 1, 1001, 0));
        write("worker",
                line('S', "dup", WORKER_A, 1, 1002, 0), line('C', "dup", WORKER_A, 1, 1003, 0),
                line('S', "dup", WORKER_B, 1, 1004, 0), line('C', "dup", WORKER_B, 1, 1005, 0),
                line('S', "ghost", WORKER_A, 1, 1006, 0), line('C', "ghost", WORKER_A, 1, 1007, 0),
                line('S', "unacked", WORKER_A, 1, 1008, 0), line('C', "unacked", WORKER_A, 1, 1009, 0),
                line('S', "dead", WORKER_A, 1, 1010, 0));

        HistoryReport report = checker.check(History.read(dir), Set.of("dead"));

        assertThat(report.lost()).containsExactly("lost");
        assertThat(report.duplicated()).containsExactlyEntriesOf(Map.of("dup", 2));
        assertThat(report.extraCompletions()).isEqualTo(1);
        assertThat(report.duplicatesOutsideKills()).containsExactly("dup");
        assertThat(report.unexpected()).containsExactly("ghost");
        assertThat(report.unacknowledgedDelivered()).containsExactly("unacked");
        assertThat(report.startCounts()).containsEntry("dup", 2).containsEntry("dead", 1);
    }

    @Test
    @DisplayName("a kill: duplicates of tasks the victim held are explained, and redelivery delays are measured from the kill")
    void killsAndRedeliveries() throws IOException {
        write("producer", line('P', "a", PRODUCER, 1, 1000, 0), line('P', "b", PRODUCER, 1, 1000, 0),
                line('P', "c", PRODUCER, 1, 1000, 0), line('P', "d", PRODUCER, 1, 1000, 0));
        write("test", line('X', "-", WORKER_A, 0, 5000, 0));
        // a: started by A, killed, re-run by B 2.5 s after the kill
        // b: completed by A but not acknowledged before the kill: re-run and duplicated
        // c: started in a child process of A (process executor), never re-run: lost
        // d: completed by A long before the kill, so acknowledged: no redelivery
        write("worker-a", line('S', "a", WORKER_A, 1, 4000, 0), line('S', "b", WORKER_A, 1, 4100, 0),
                line('C', "b", WORKER_A, 1, 4800, 0), line('S', "d", WORKER_A, 1, 2000, 0), line('C', "d", WORKER_A, 1, 2100, 0));
        write("child-of-a", line('S', "c", CHILD_OF_A, WORKER_A, 4500, 0));
        write("worker-b", line('S', "a", WORKER_B, 1, 7500, 0), line('C', "a", WORKER_B, 1, 7600, 0),
                line('S', "b", WORKER_B, 1, 7000, 0), line('C', "b", WORKER_B, 1, 7100, 0));

        HistoryReport report = checker.check(History.read(dir));

        assertThat(report.kills()).isEqualTo(1);
        assertThat(report.touchedByKills()).containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(report.inFlightAtKills()).as("d completed more than the ack window before the kill")
                .containsExactlyInAnyOrder("a", "b", "c");
        assertThat(report.duplicated()).containsOnlyKeys("b");
        assertThat(report.duplicatesOutsideKills()).isEmpty();
        assertThat(report.lost()).containsExactly("c");
        assertThat(report.redeliveries()).extracting(HistoryReport.Redelivery::id).containsExactly("a", "b", "c");
        assertThat(report.rerunRedeliveries()).extracting(HistoryReport.Redelivery::delayMillis).containsExactly(2500L, 2000L);
        assertThat(report.maxRedeliveryMillis()).isEqualTo(2500);
        assertThat(report.redeliveryPercentileMillis(50)).isEqualTo(2000);
        assertThat(report.redeliveries().get(2).rerun()).isFalse();
    }

    @Test
    @DisplayName("a task completed by the victim long before the kill and run again elsewhere is a duplicate outside kills")
    void duplicateLongBeforeAKill() throws IOException {
        write("producer", line('P', "e", PRODUCER, 1, 1000, 0));
        write("test", line('X', "-", WORKER_A, 0, 9000, 0));
        write("worker-a", line('S', "e", WORKER_A, 1, 2000, 0), line('C', "e", WORKER_A, 1, 2100, 0));
        write("worker-b", line('S', "e", WORKER_B, 1, 3000, 0), line('C', "e", WORKER_B, 1, 3100, 0));

        HistoryReport report = checker.check(History.read(dir));

        assertThat(report.duplicatesOutsideKills()).containsExactly("e");
        assertThat(new HistoryChecker(10_000).check(History.read(dir)).duplicatesOutsideKills())
                .as("within a 10 s ack window it counts as in flight").isEmpty();
    }

    @Test
    @DisplayName("a delayed task started before its due time is an early run")
    void earlyRuns() throws IOException {
        write("producer", line('P', "early", PRODUCER, 1, 1000, 9000), line('P', "ontime", PRODUCER, 1, 1000, 9000));
        write("worker", line('S', "early", WORKER_A, 1, 8999, 0), line('C', "early", WORKER_A, 1, 9001, 0),
                line('S', "ontime", WORKER_A, 1, 9000, 0), line('C', "ontime", WORKER_A, 1, 9002, 0));

        HistoryReport report = checker.check(History.read(dir));

        assertThat(report.earlyRuns()).containsExactly(new HistoryReport.EarlyRun("early", 9000, 8999));
    }

    @Test
    @DisplayName("a torn last line (a writer killed mid-write) is skipped and counted; a torn line elsewhere is corruption")
    void tornLines() throws IOException {
        Files.writeString(dir.resolve("w1" + History.SUFFIX), line('P', "t1", PRODUCER, 1, 1000, 0) + "S\tt1\t20", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("w2" + History.SUFFIX), line('P', "t2", PRODUCER, 1, 1000, 0) + "S\tt2\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("ignored.txt"), "not a history", StandardCharsets.UTF_8);

        History history = History.read(dir);

        assertThat(history.records()).hasSize(2);
        assertThat(history.tornLines()).isEqualTo(2);
        assertThat(history.files()).isEqualTo(2);

        Files.writeString(dir.resolve("w3" + History.SUFFIX), "garbage\n" + line('P', "t3", PRODUCER, 1, 1000, 0), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> History.read(dir)).isInstanceOf(IllegalStateException.class).hasMessageContaining("corrupt history");
    }

    @Test
    @DisplayName("HistoryLog writes records the reader reads back, one file per writer")
    void logRoundTrip() {
        try (HistoryLog producer = HistoryLog.open(dir, "producer"); HistoryLog worker = HistoryLog.open(dir, "worker")) {
            producer.attempted(List.of("x", "y"), 0);
            producer.pushed(List.of("x", "y"), 0);
            worker.started("x");
            worker.completed("x");
            worker.started("y");
            worker.completed("y");
            worker.started("y");
            worker.completed("y");
        }

        HistoryReport report = checker.check(History.read(dir));

        assertThat(report.pushed()).isEqualTo(2);
        assertThat(report.completed()).isEqualTo(2);
        assertThat(report.duplicated()).containsExactlyEntriesOf(Map.of("y", 2));
        assertThat(report.figures()).contains("lost=0").contains("duplicated=1");
        assertThat(History.read(dir).records()).allSatisfy(record -> assertThat(record.pid()).isEqualTo(HistoryLog.pid()));
    }

    private void write(String name, String... lines) throws IOException {
        Files.writeString(dir.resolve(name + History.SUFFIX), String.join("", lines), StandardCharsets.UTF_8);
    }

    private static String line(char kind, String id, long pid, long ppid, long millis, long due) {
        return kind + "\t" + id + "\t" + pid + "\t" + ppid + "\t" + millis + "\t" + due + "\n";
    }
}
