package io.sergeant.it.reliability;

import io.sergeant.api.Task;
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
        assertThat(report.overRun()).as("each run beyond the first was caught in flight by the kill").isEmpty();
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
    @DisplayName("multiplicity: a task completed three times after one kill that caught it is over-run; twice is not")
    void tripleCompletionAfterOneKill() throws IOException {
        write("producer", line('P', "triple", PRODUCER, 1, 1000, 0), line('P', "double", PRODUCER, 1, 1000, 0));
        write("test", line('X', "-", WORKER_A, 0, 5000, 0));
        write("worker-a", line('S', "triple", WORKER_A, 1, 4900, 0), line('S', "double", WORKER_A, 1, 4900, 0));
        write("worker-b", line('S', "triple", WORKER_B, 1, 7000, 0), line('C', "triple", WORKER_B, 1, 7100, 0),
                line('S', "triple", WORKER_B, 1, 7200, 0), line('C', "triple", WORKER_B, 1, 7300, 0),
                line('S', "triple", WORKER_B, 1, 7400, 0), line('C', "triple", WORKER_B, 1, 7500, 0),
                line('S', "double", WORKER_B, 1, 7000, 0), line('C', "double", WORKER_B, 1, 7100, 0));

        HistoryReport report = checker.check(History.read(dir));

        assertThat(report.inFlightAtKills()).containsExactlyInAnyOrder("triple", "double");
        assertThat(report.duplicatesOutsideKills()).as("the old check excuses any count once a kill caught the task")
                .isEmpty();
        assertThat(report.overRun()).as("1 + 1 kill allows two runs; triple ran four times (3 completions)")
                .containsExactlyEntriesOf(Map.of("triple", 4));
    }

    @Test
    @DisplayName("a task the victim fetched but had not started is held: its redelivery delay is measured from the kill")
    void fetchedButNotStarted() throws IOException {
        write("producer", line('P', "f", PRODUCER, 1, 1000, 0), line('P', "done", PRODUCER, 1, 1000, 0),
                line('P', "gone", PRODUCER, 1, 1000, 0), line('P', "handed", PRODUCER, 1, 1000, 0));
        write("test", line('X', "-", WORKER_A, 0, 5000, 0));
        // f: fetched by A, never started there; B runs it 3.2 s after the kill
        // done: fetched, started and completed by A long before the kill: not held
        // gone: fetched by A and never run anywhere: held and never re-run
        // handed: fetched by A, handed back and run by B before the kill: not held
        write("worker-a", line('F', "f", WORKER_A, 1, 4000, 0), line('F', "done", WORKER_A, 1, 1500, 0),
                line('S', "done", WORKER_A, 1, 1600, 0), line('C', "done", WORKER_A, 1, 1700, 0),
                line('F', "gone", WORKER_A, 1, 4500, 0), line('F', "handed", WORKER_A, 1, 2000, 0));
        write("worker-b", line('S', "f", WORKER_B, 1, 8200, 0), line('C', "f", WORKER_B, 1, 8300, 0),
                line('S', "handed", WORKER_B, 1, 3000, 0), line('C', "handed", WORKER_B, 1, 3100, 0));

        HistoryReport report = checker.check(History.read(dir));

        assertThat(report.redeliveries()).extracting(HistoryReport.Redelivery::id).containsExactly("f", "gone");
        assertThat(report.rerunRedeliveries()).singleElement().satisfies(redelivery -> {
            assertThat(redelivery.started()).isFalse();
            assertThat(redelivery.delayMillis()).isEqualTo(3200);
        });
        assertThat(report.rerunFetchedOnly()).isEqualTo(1);
        assertThat(report.rerunStarted()).isZero();
        assertThat(report.maxRedeliveryMillis()).isEqualTo(3200);
        assertThat(report.lost()).containsExactly("gone");
        assertThat(report.inFlightAtKills()).as("nothing had started on the victim").isEmpty();
        assertThat(checker.check(History.read(dir), Set.of("gone")).redeliveries())
                .as("a dead-lettered task is not expected to run again").extracting(HistoryReport.Redelivery::id)
                .containsExactly("f");
    }

    @Test
    @DisplayName("a delivery whose kwargs digest differs from the pushed one is corrupted")
    void digests() throws IOException {
        String pushed = TaskDigest.of(Map.of("id", "d", "n", 1));
        write("producer", line('P', "d", PRODUCER, 1, 1000, 0, pushed), line('P', "ok", PRODUCER, 1, 1000, 0,
                TaskDigest.of(Map.of("id", "ok"))));
        write("worker", line('S', "d", WORKER_A, 1, 2000, 0, TaskDigest.of(Map.of("id", "d", "n", 2))),
                line('C', "d", WORKER_A, 1, 2001, 0),
                line('S', "ok", WORKER_A, 1, 2000, 0, TaskDigest.of(Map.of("id", "ok"))), line('C', "ok", WORKER_A, 1, 2001, 0));

        HistoryReport report = checker.check(History.read(dir));

        assertThat(report.corrupted()).containsExactly("d");
        assertThat(TaskDigest.of(Map.of("a", 1, "b", "x"))).isEqualTo(TaskDigest.of(Map.of("b", "x", "a", 1L)))
                .isNotEqualTo(TaskDigest.of(Map.of("a", "1", "b", "x")));
    }

    @Test
    @DisplayName("a pause (SIGSTOP) is a fault: the paused worker's late completion and the re-run elsewhere are explained")
    void pause() throws IOException {
        write("producer", line('P', "p", PRODUCER, 1, 1000, 0));
        write("test", line('Z', "-", WORKER_A, 0, 2000, 0));
        write("worker-a", line('S', "p", WORKER_A, 1, 1900, 0), line('C', "p", WORKER_A, 1, 9000, 0));
        write("worker-b", line('S', "p", WORKER_B, 1, 4400, 0), line('C', "p", WORKER_B, 1, 4500, 0));

        HistoryReport report = checker.check(History.read(dir));

        assertThat(report.pauses()).isEqualTo(1);
        assertThat(report.kills()).isZero();
        assertThat(report.inFlightAtKills()).containsExactly("p");
        assertThat(report.duplicatesOutsideKills()).isEmpty();
        assertThat(report.overRun()).isEmpty();
        assertThat(report.rerunRedeliveries()).singleElement().satisfies(redelivery ->
                assertThat(redelivery.delayMillis()).isEqualTo(2400));
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
        Task x = Task.of(Map.of("id", "x", "ms", 1));
        Task y = Task.of(Map.of("id", "y", "ms", 2));
        // As the recording backend hands them over: the same kwargs plus each delivery's token.
        Task xDelivered = Task.of(Map.of("id", "x", "ms", 1, HistoryRecord.DELIVERY_KWARG, "l7.1"));
        Task yDelivered = Task.of(Map.of("id", "y", "ms", 2, HistoryRecord.DELIVERY_KWARG, "l7.2"));
        try (HistoryLog producer = HistoryLog.open(dir, "producer"); HistoryLog worker = HistoryLog.open(dir, "worker")) {
            producer.attempted(List.of(x, y), 0);
            producer.pushed(List.of(x, y), 0);
            worker.fetched(List.of(new HistoryLog.Delivered("x", "l7.1"), new HistoryLog.Delivered("y", "l7.2")));
            worker.started(xDelivered);
            worker.completed(xDelivered);
            worker.started(yDelivered);
            worker.completed(yDelivered);
            worker.acked(List.of(new HistoryLog.Delivered("x", "l7.1"), new HistoryLog.Delivered("y", "l7.2")));
            worker.started(Task.of(Map.of("id", "y", "ms", 2L)));
            worker.completed(Task.of(Map.of("id", "y", "ms", 2L)));
        }

        HistoryReport report = checker.check(History.read(dir));

        assertThat(report.pushed()).isEqualTo(2);
        assertThat(report.completed()).isEqualTo(2);
        assertThat(report.duplicated()).containsExactlyEntriesOf(Map.of("y", 2));
        assertThat(report.overRun()).as("two runs without a fault").containsExactlyEntriesOf(Map.of("y", 2));
        assertThat(report.corrupted()).as("an int and a long of the same value digest alike").isEmpty();
        assertThat(report.figures()).contains("lost=0").contains("duplicated=1").contains("over-run=1");
        assertThat(History.read(dir).records()).allSatisfy(record -> assertThat(record.pid()).isEqualTo(HistoryLog.pid()));
        assertThat(History.read(dir).records()).filteredOn(record -> record.id().equals("x") && record.kind() != HistoryRecord.Kind.ATTEMPTED
                        && record.kind() != HistoryRecord.Kind.PUSHED).as("x's fetch, start, completion and ack name its delivery")
                .hasSize(4).allSatisfy(record -> assertThat(record.delivery()).isEqualTo("l7.1"));
    }

    @Test
    @DisplayName("fetches of a pipelined pop's deliveries (u<pid>.p<n>) are counted; a plain pop's (u<pid>.<n>) and a"
            + " leased one's are not, and in flight at a kill is judged alike for both; pops sent (Q) are counted,"
            + " those written ahead apart, and name no task")
    void pipelinedFetchesAreCounted() throws IOException {
        write("producer", line('P', "plain", PRODUCER, 1, 1000, 0), line('P', "piped", PRODUCER, 1, 1000, 0),
                line('P', "running", PRODUCER, 1, 1000, 0), line('P', "held", PRODUCER, 1, 1000, 0));
        write("worker-a", fetchedAndRan("plain", WORKER_A, 1000, "u200.1"),
                line('Q', HistoryRecord.SENT_DEFERRED, WORKER_A, 1, 1002, 0), fetchedAndRan("piped", WORKER_A, 1003, "u200.p2"),
                line('Q', HistoryRecord.SENT_AHEAD, WORKER_A, 1, 1005, 0),
                identified('F', "running", WORKER_A, 1, 1006, "u200.p3"), identified('F', "held", WORKER_A, 1, 1006, "u200.p4"),
                line('Q', HistoryRecord.SENT_AHEAD, WORKER_A, 1, 1006, 0), identified('S', "running", WORKER_A, 1, 1007, "u200.p3"));
        write("worker-b", identified('F', "leased", WORKER_B, 1, 1000, "l300.1"));
        write("test", line('X', "-", WORKER_A, 0, 1100, 0));

        HistoryReport report = checker.check(History.read(dir));

        assertThat(report.pipelinedFetches()).isEqualTo(3);
        assertThat(report.figures()).contains("pipelined-fetches=3");
        assertThat(report.popsSent()).isEqualTo(3);
        assertThat(report.popsSentAhead()).isEqualTo(2);
        assertThat(report.figures()).contains("pops-sent=3 (ahead 2)");
        assertThat(report.unexpected()).as("a pop sent names no task").isEmpty();
        assertThat(report.pushed()).isEqualTo(4);
        assertThat(report.inFlightAtKills()).as("started, not completed, by the victim").containsExactly("running");
        assertThat(report.lost()).containsExactlyInAnyOrder("running", "held");
        assertThat(report.judgedByTime()).isEmpty();
        assertThat(HistoryRecord.parse("F\tx\t1\t0\t1\t0\t-\tu1.p2").pipelined()).isTrue();
        assertThat(HistoryRecord.parse("F\tx\t1\t0\t1\t0\t-\tu1.2").pipelined()).isFalse();
        assertThat(HistoryRecord.parse("F\tx\t1\t0\t1\t0\t-").pipelined()).as("no delivery").isFalse();
    }

    @Test
    @DisplayName("a lease that lapsed with no fault (completed, never acknowledged, fetched again a lease later) allows"
            + " one run more when the checker knows the lease; sooner than the lease, or after an ack, it does not")
    void aLapsedLeaseAllowsARunMore() throws IOException {
        write("producer", line('P', "lapsed", PRODUCER, 1, 1000, 0), line('P', "early", PRODUCER, 1, 1000, 0),
                line('P', "acked", PRODUCER, 1, 1000, 0));
        // Worker A fetched all three at 1000 and completed them; only "acked" was acknowledged (the others' acks were
        // refused). Worker B fetched "lapsed" 2.1 s later (lease 2 s), "early" after 0.3 s, "acked" after 2.1 s.
        write("worker-a",
                identified('F', "lapsed", WORKER_A, 1, 1000, "l200.1"), identified('S', "lapsed", WORKER_A, 1, 1001, "l200.1"),
                identified('C', "lapsed", WORKER_A, 1, 1002, "l200.1"),
                identified('F', "early", WORKER_A, 1, 1000, "l200.2"), identified('S', "early", WORKER_A, 1, 1001, "l200.2"),
                identified('C', "early", WORKER_A, 1, 1002, "l200.2"),
                identified('F', "acked", WORKER_A, 1, 1000, "l200.3"), identified('S', "acked", WORKER_A, 1, 1001, "l200.3"),
                identified('C', "acked", WORKER_A, 1, 1002, "l200.3"), identified('K', "acked", WORKER_A, 1, 1003, "l200.3"));
        write("worker-b",
                identified('F', "lapsed", WORKER_B, 1, 3100, "l300.1"), identified('S', "lapsed", WORKER_B, 1, 3101, "l300.1"),
                identified('C', "lapsed", WORKER_B, 1, 3102, "l300.1"), identified('K', "lapsed", WORKER_B, 1, 3103, "l300.1"),
                identified('F', "early", WORKER_B, 1, 1300, "l300.2"), identified('S', "early", WORKER_B, 1, 1301, "l300.2"),
                identified('C', "early", WORKER_B, 1, 1302, "l300.2"), identified('K', "early", WORKER_B, 1, 1303, "l300.2"),
                identified('F', "acked", WORKER_B, 1, 3100, "l300.3"), identified('S', "acked", WORKER_B, 1, 3101, "l300.3"),
                identified('C', "acked", WORKER_B, 1, 3102, "l300.3"), identified('K', "acked", WORKER_B, 1, 3103, "l300.3"));

        HistoryReport withLease = new HistoryChecker(HistoryChecker.DEFAULT_ACK_WINDOW_MILLIS, 2_000).check(History.read(dir));
        HistoryReport without = checker.check(History.read(dir));

        assertThat(withLease.lapsedLeases()).containsExactlyEntriesOf(Map.of("lapsed", 1));
        assertThat(withLease.overRun()).as("refetched sooner than the lease, or after an ack: the queue's fault")
                .containsOnlyKeys("early", "acked");
        assertThat(withLease.duplicatesOutsideKills()).containsExactlyInAnyOrder("acked", "early");
        assertThat(withLease.figures()).contains("lapsed-leases=1");
        assertThat(without.lapsedLeases()).as("no lease given: nothing is judged lapsed").isEmpty();
        assertThat(without.overRun()).containsOnlyKeys("lapsed", "early", "acked");
    }

    @Test
    @DisplayName("by identity, an ack of the victim's very delivery settles it whatever the stamps say (the kill stamped a"
            + " millisecond before it); the same history without identities is judged by time, and the other way")
    void identityDecidesWhatWasInFlightNotTheClock() throws IOException {
        write("producer", line('P', "t", PRODUCER, 1, 1000, 0));
        // The kill's stamp comes out a millisecond before the ack the victim wrote before it died (a clock step, or
        // two processes' stamps in the same instant): by time the ack came after the kill.
        write("test", line('X', "-", WORKER_A, 0, 1999, 0));
        write("worker-a", identified('S', "t", WORKER_A, 1, 1000, "l200.1"), identified('C', "t", WORKER_A, 1, 1001, "l200.1"),
                identified('K', "t", WORKER_A, 1, 2000, "l200.1"));
        write("worker-b", identified('S', "t", WORKER_B, 1, 3000, "l300.1"), identified('C', "t", WORKER_B, 1, 3001, "l300.1"),
                identified('K', "t", WORKER_B, 1, 3002, "l300.1"));

        HistoryReport byIdentity = checker.check(History.read(dir));

        assertThat(byIdentity.judgedByTime()).isEmpty();
        assertThat(byIdentity.inFlightAtKills()).as("acknowledged by the victim before it died").isEmpty();
        assertThat(byIdentity.duplicatesOutsideKills()).as("acknowledged, yet run again: the queue's fault").containsExactly("t");
        assertThat(byIdentity.overRun()).containsOnlyKeys("t");

        write("worker-a", line('S', "t", WORKER_A, 1, 1000, 0), line('C', "t", WORKER_A, 1, 1001, 0), line('K', "t", WORKER_A, 1, 2000, 0));
        write("worker-b", line('S', "t", WORKER_B, 1, 3000, 0), line('C', "t", WORKER_B, 1, 3001, 0), line('K', "t", WORKER_B, 1, 3002, 0));

        HistoryReport byTime = checker.check(History.read(dir));

        assertThat(byTime.judgedByTime()).as("the old estimate, and it is listed").containsExactly("t");
        assertThat(byTime.inFlightAtKills()).as("by the stamps the ack came after the kill").containsExactly("t");
        assertThat(byTime.duplicatesOutsideKills()).as("the duplicate hidden by the clock").isEmpty();
    }

    @Test
    @DisplayName("by identity, an ack of another delivery of the same task by the victim does not settle the delivery it"
            + " held, however the stamps interleave; at-most-once, a delivery is settled by its own completion")
    void anAckOfAnotherDeliveryDoesNotSettleThisOne() throws IOException {
        write("producer", line('P', "t", PRODUCER, 1, 1000, 0), line('P', "u", PRODUCER, 1, 1000, 0),
                line('P', "v", PRODUCER, 1, 1000, 0));
        write("test", line('X', "-", WORKER_A, 0, 5000, 0));
        // Two deliveries of t to the victim: the first lost its lease; the victim's ack of the first was refused and
        // wrote nothing, its ack of the second went out; both starts are stamped the same millisecond.
        write("worker-a", identified('S', "t", WORKER_A, 1, 2000, "l200.1"), identified('S', "t", WORKER_A, 1, 2000, "l200.2"),
                identified('C', "t", WORKER_A, 1, 2001, "l200.2"), identified('K', "t", WORKER_A, 1, 2002, "l200.2"),
                identified('S', "u", WORKER_A, 1, 4000, "u200.3"), identified('C', "u", WORKER_A, 1, 4001, "u200.3"),
                identified('S', "v", WORKER_A, 1, 4990, "u200.4"));
        write("worker-b", identified('S', "t", WORKER_B, 1, 6000, "l300.1"), identified('C', "t", WORKER_B, 1, 6001, "l300.1"),
                identified('K', "t", WORKER_B, 1, 6002, "l300.1"));

        HistoryReport report = checker.check(History.read(dir));

        assertThat(report.judgedByTime()).isEmpty();
        assertThat(report.inFlightAtKills()).as("t's first delivery was never acknowledged; v was running unfinished")
                .containsExactlyInAnyOrder("t", "v");
        assertThat(report.overRun()).as("three runs of t: two deliveries to the victim, one caught by the kill, and the"
                + " re-run after it").containsOnlyKeys("t");
    }

    @Test
    @DisplayName("with acks recorded, a task completed long before the kill but never acknowledged was in flight; an acknowledged one was not")
    void acksDecideWhatWasInFlight() throws IOException {
        write("producer", line('P', "unacked", PRODUCER, 1, 1000, 0), line('P', "acked", PRODUCER, 1, 1000, 0));
        write("test", line('X', "-", WORKER_A, 0, 5000, 0));
        // The victim's JVM stalled: "unacked" completed 2 s before the kill and its ack never went out.
        write("worker-a", line('S', "unacked", CHILD_OF_A, WORKER_A, 2900, 0), line('C', "unacked", CHILD_OF_A, WORKER_A, 3000, 0),
                line('S', "acked", WORKER_A, 1, 4800, 0), line('C', "acked", WORKER_A, 1, 4850, 0),
                line('K', "acked", WORKER_A, 1, 4900, 0));
        write("worker-b", line('S', "unacked", WORKER_B, 1, 7000, 0), line('C', "unacked", WORKER_B, 1, 7100, 0),
                line('S', "acked", WORKER_B, 1, 7000, 0), line('C', "acked", WORKER_B, 1, 7100, 0));

        HistoryReport report = checker.check(History.read(dir));

        assertThat(report.inFlightAtKills()).containsExactly("unacked");
        assertThat(report.duplicatesOutsideKills()).as("acknowledged, yet run again: the queue's fault").containsExactly("acked");
        assertThat(report.overRun()).containsOnlyKeys("acked");
        assertThat(report.redeliveries()).extracting(HistoryReport.Redelivery::id).containsExactly("unacked");
    }

    @Test
    @DisplayName("a worker that re-runs a task whose lease it lost acknowledges the later delivery only: the first one was still in flight at its kill")
    void sameWorkerReRunsTheStalledHog() throws IOException {
        // The open memoryLimitKill failure at load ~18 (hog run twice and over-run, tasks in flight, no
        // redelivery): the hog's JVM stalls in GC, its lease expires, and its own reaper and fetcher give it
        // the hog again; the second delivery completes at once and is acknowledged, then the supervisor kills it.
        write("producer", line('P', "hog", PRODUCER, 1, 1000, 0), line('P', "t", PRODUCER, 1, 1000, 0));
        write("worker-a", line('F', "hog", WORKER_A, 1, 1100, 0), line('S', "hog", WORKER_A, 1, 1110, 0),
                line('F', "t", WORKER_A, 1, 1150, 0), line('S', "t", WORKER_A, 1, 1160, 0), line('C', "t", WORKER_A, 1, 1170, 0),
                line('R', "-", WORKER_A, 1, 3100, 0), line('F', "hog", WORKER_A, 1, 3200, 0),
                line('S', "hog", WORKER_A, 1, 3210, 0), line('C', "hog", WORKER_A, 1, 3220, 0),
                line('K', "hog", WORKER_A, 1, 3230, 0));
        write("test", line('X', "-", WORKER_A, 0, 4000, 0));
        // "t" was completed and never acknowledged: B runs it again after the kill.
        write("worker-b", line('F', "t", WORKER_B, 1, 6100, 0), line('S', "t", WORKER_B, 1, 6110, 0),
                line('C', "t", WORKER_B, 1, 6120, 0), line('K', "t", WORKER_B, 1, 6130, 0));

        HistoryReport report = checker.check(History.read(dir));

        assertThat(report.startCounts()).containsEntry("hog", 2);
        assertThat(report.inFlightAtKills()).as("the hog's first delivery was never acknowledged").containsExactlyInAnyOrder("hog", "t");
        assertThat(report.overRun()).as("two runs, one kill caught the first: allowed").isEmpty();
        assertThat(report.duplicatesOutsideKills()).isEmpty();
        assertThat(report.activeAfterKill()).isEmpty();
        assertThat(report.redeliveries()).extracting(HistoryReport.Redelivery::id).as("the hog completed on A; t ran again")
                .containsExactly("t");

        // An ack of the first delivery itself (before the second start) still settles it.
        write("worker-a", line('F', "hog", WORKER_A, 1, 1100, 0), line('S', "hog", WORKER_A, 1, 1110, 0),
                line('C', "hog", WORKER_A, 1, 1120, 0), line('K', "hog", WORKER_A, 1, 1130, 0),
                line('F', "hog", WORKER_A, 1, 3200, 0), line('S', "hog", WORKER_A, 1, 3210, 0),
                line('C', "hog", WORKER_A, 1, 3220, 0), line('K', "hog", WORKER_A, 1, 3230, 0));
        write("worker-b");

        HistoryReport acked = checker.check(History.read(dir));

        assertThat(acked.inFlightAtKills()).isEmpty();
        assertThat(acked.overRun()).as("acknowledged, then run again by the same worker: the queue's fault").containsOnlyKeys("hog");
    }

    @Test
    @DisplayName("an X for a worker that lived on (the hog's re-runner, which acknowledged it first) shows as the hog over-run and as that worker active after its kill; the X for the hog's first runner accounts for both runs")
    void killRecordedForAWorkerThatLivedOn() throws IOException {
        // What the test would record if it named the wrong worker (the suspected cause of the open memoryLimitKill
        // failure, before the real one was found: see sameWorkerReRunsTheStalledHog).
        write("producer", line('P', "hog", PRODUCER, 1, 1000, 0), line('P', "t", PRODUCER, 1, 1000, 0));
        // A starts the hog and stalls; its lease expires and B runs the hog again (at once) and acknowledges it.
        write("worker-a", line('F', "hog", WORKER_A, 1, 1100, 0), line('S', "hog", WORKER_A, 1, 1110, 0));
        write("worker-b", line('F', "hog", WORKER_B, 1, 3200, 0), line('S', "hog", WORKER_B, 1, 3210, 0),
                line('C', "hog", WORKER_B, 1, 3220, 0), line('K', "hog", WORKER_B, 1, 3230, 0),
                line('F', "t", WORKER_B, 1, 3900, 0), line('S', "t", WORKER_B, 1, 3910, 0),
                line('C', "t", WORKER_B, 1, 3950, 0), line('K', "t", WORKER_B, 1, 4100, 0));
        write("test", line('X', "-", WORKER_B, 0, 4000, 0));

        HistoryReport wrong = checker.check(History.read(dir));

        assertThat(wrong.overRun()).containsOnlyKeys("hog");
        assertThat(wrong.inFlightAtKills()).as("acknowledged after the 'kill'").containsExactly("t");
        assertThat(wrong.redeliveries()).isEmpty();
        assertThat(wrong.activeAfterKill()).containsExactly(WORKER_B);

        write("test", line('X', "-", WORKER_A, 0, 4000, 0));

        HistoryReport right = checker.check(History.read(dir));

        assertThat(right.overRun()).isEmpty();
        assertThat(right.activeAfterKill()).isEmpty();
        assertThat(right.inFlightAtKills()).containsExactly("hog");
        assertThat(right.redeliveries()).as("re-run before the kill was recorded: held, not measured").singleElement()
                .satisfies(redelivery -> assertThat(redelivery.rerun()).isFalse());
    }

    @Test
    @DisplayName("a redelivery is measured in reaps a live worker began after the lease expired and before the task was fetched again")
    void redeliveryInReapCycles() throws IOException {
        long workerC = 400;
        write("producer", line('P', "prompt", PRODUCER, 1, 1000, 0), line('P', "late", PRODUCER, 1, 1000, 0),
                line('P', "orphan", PRODUCER, 1, 1000, 0), line('P', "warm", PRODUCER, 1, 1000, 0));
        // A (lease 2 s) is killed at 5000, so its leases have expired by 7000.
        write("test", line('X', "-", WORKER_A, 0, 5000, 0), line('X', "-", WORKER_B, 0, 10_000, 0));
        write("worker-a", line('R', "-", WORKER_A, 1, 4500, 0), line('S', "prompt", WORKER_A, 1, 4800, 0),
                line('S', "late", WORKER_A, 1, 4800, 0));
        // B reaps every 500 ms from 6500; it fetches "prompt" after its first reap past 7000 and "late" after
        // five; it starts "orphan" and is killed at 10000 with it.
        write("worker-b", line('F', "warm", WORKER_B, 1, 6000, 0), line('S', "warm", WORKER_B, 1, 6010, 0),
                line('C', "warm", WORKER_B, 1, 6020, 0), line('K', "warm", WORKER_B, 1, 6030, 0),
                line('R', "-", WORKER_B, 1, 6500, 0), line('R', "-", WORKER_B, 1, 7100, 0),
                line('F', "prompt", WORKER_B, 1, 7150, 0), line('S', "prompt", WORKER_B, 1, 7400, 0),
                line('C', "prompt", WORKER_B, 1, 7450, 0), line('K', "prompt", WORKER_B, 1, 7500, 0),
                line('R', "-", WORKER_B, 1, 7600, 0), line('R', "-", WORKER_B, 1, 8100, 0),
                line('R', "-", WORKER_B, 1, 8600, 0), line('R', "-", WORKER_B, 1, 9100, 0),
                line('F', "late", WORKER_B, 1, 9200, 0), line('S', "late", WORKER_B, 1, 9250, 0),
                line('C', "late", WORKER_B, 1, 9300, 0), line('K', "late", WORKER_B, 1, 9350, 0),
                line('S', "orphan", WORKER_B, 1, 9500, 0));
        // No worker is alive until C starts (a slow JVM start): late in milliseconds, prompt in reaps. C reaps
        // from 19000 but takes its first task at 20100: a worker still starting does not count.
        write("worker-c", line('R', "-", workerC, 1, 19_000, 0), line('R', "-", workerC, 1, 19_500, 0),
                line('R', "-", workerC, 1, 20_000, 0), line('F', "orphan", workerC, 1, 20_100, 0),
                line('S', "orphan", workerC, 1, 20_200, 0), line('C', "orphan", workerC, 1, 20_300, 0));

        HistoryReport report = checker.check(History.read(dir));

        assertThat(report.reapCount()).as("B's six reaps; A's and C's came before they took a task").isEqualTo(6);
        Map<String, Integer> reapsBefore = new java.util.TreeMap<>();
        report.rerunRedeliveries().forEach(redelivery -> reapsBefore.put(redelivery.id(),
                report.reapsBeforeRedelivery(redelivery, 2_000)));
        assertThat(reapsBefore).containsExactlyInAnyOrderEntriesOf(Map.of("prompt", 1, "late", 5, "orphan", 0));
        assertThat(report.rerunRedeliveries()).filteredOn(redelivery -> redelivery.id().equals("late")).singleElement()
                .satisfies(redelivery -> assertThat(redelivery.refetchedAtMillis()).isEqualTo(9200));
        assertThat(report.maxReapsBeforeRedelivery(2_000)).isEqualTo(5);
        assertThat(report.redeliveries()).allMatch(HistoryReport.Redelivery::rerun);
        assertThat(report.maxRedeliveryMillis()).as("the orphan waited for a worker to start").isEqualTo(10_200);
        assertThat(report.maxReapsBeforeRedelivery(5_000)).as("a 5 s lease expired at 10000, after both re-fetches").isZero();
    }

    private void write(String name, String... lines) throws IOException {
        Files.writeString(dir.resolve(name + History.SUFFIX), String.join("", lines), StandardCharsets.UTF_8);
    }

    private static String line(char kind, String id, long pid, long ppid, long millis, long due) {
        return line(kind, id, pid, ppid, millis, due, HistoryRecord.NO_DIGEST);
    }

    /** A record naming its delivery, as the recording backend's workers write them. */
    private static String identified(char kind, String id, long pid, long ppid, long millis, String delivery) {
        return kind + "\t" + id + "\t" + pid + "\t" + ppid + "\t" + millis + "\t0\t" + HistoryRecord.NO_DIGEST + "\t" + delivery + "\n";
    }

    /** A delivery's fetch, start and completion by {@code pid}, a millisecond apart from {@code millis} on. */
    private static String fetchedAndRan(String id, long pid, long millis, String delivery) {
        return identified('F', id, pid, 1, millis, delivery) + identified('S', id, pid, 1, millis + 1, delivery)
                + identified('C', id, pid, 1, millis + 2, delivery);
    }

    private static String line(char kind, String id, long pid, long ppid, long millis, long due, String digest) {
        return kind + "\t" + id + "\t" + pid + "\t" + ppid + "\t" + millis + "\t" + due + "\t" + digest + "\n";
    }
}
