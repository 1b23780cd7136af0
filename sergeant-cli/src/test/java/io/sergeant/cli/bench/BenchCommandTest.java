package io.sergeant.cli.bench;

import io.sergeant.cli.SergeantCommand;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BenchCommandTest {

    @TempDir
    Path directory;

    private record Run(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    private static Run bench(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "bench";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = SergeantCommand.execute(all, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    @DisplayName("on SQLite: prints every measure with its raw limit and ratio, and checks delivery in both modes")
    void sqliteTableWithDeliveryChecks() throws IOException {
        Path report = directory.resolve("reports/bench.md");

        Run run = bench("--backend", "sqlite:" + directory.resolve("bench.db"), "--tasks", "300", "--single", "50",
                "--batch", "40", "--push-chunk", "100", "--threads", "2", "--latency-seconds", "0.3",
                "--latency-rate", "500", "--rounds", "2", "--pickup-seconds", "0.3", "--pickup-rate", "200",
                "--out", report.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        List<String> rows = run.out().lines().filter(line -> line.startsWith("| sqlite")).toList();
        assertThat(rows).as(run.toString()).hasSize(10);
        assertThat(rows).filteredOn(line -> line.contains("| drain ")).hasSize(4)
                .allSatisfy(line -> assertThat(line).containsPattern(" \\d+% \\|"));
        assertThat(rows).filteredOn(line -> line.contains("at-most-once")).hasSize(4)
                .allSatisfy(line -> assertThat(line).contains("exactly once ✓"));
        assertThat(rows).filteredOn(line -> line.contains("at-least-once")).hasSize(4)
                .allSatisfy(line -> assertThat(line).contains("at least once ✓"));
        assertThat(rows).filteredOn(line -> line.contains("| push ")).hasSize(2)
                .allSatisfy(line -> assertThat(line).contains("stored ✓").containsPattern(" \\d+% \\|"));
        assertThat(rows).filteredOn(line -> line.contains("| latency ") || line.contains("| pickup ")).hasSize(4)
                .allSatisfy(line -> assertThat(line).containsPattern("\\d+\\.\\d\\d / \\d+\\.\\d\\d ms"));
        assertThat(run.out()).contains("Python Sergeant for comparison (computed, not run)");
        // Each latency window says how noisy the machine was meanwhile (a probe thread's lateness, the GCs).
        assertThat(run.out().lines().filter(line -> line.contains("machine noise in the same window")).toList())
                .as(run.toString()).hasSize(4)
                .allSatisfy(line -> assertThat(line).containsPattern("woke p50 \\d+\\.\\d\\d / p99 \\d+\\.\\d\\d / max")
                        .containsPattern("\\d+ garbage collection\\(s\\), \\d+ ms"));
        assertThat(rows).filteredOn(line -> line.contains("| drain ")).allSatisfy(line -> assertThat(line).containsPattern("\\| +2 \\|")
                .containsPattern("\\d – \\d"));
        assertThat(run.out()).contains("all delivery checks passed").containsPattern("sqlite: load average (unknown|\\d+\\.\\d\\d) at the start");
        assertThat(run.err()).contains("raw limit: sqlite-jdbc").contains("executed");
        assertThat(Files.readString(report)).contains("| sqlite  | drain ").contains("Machine: ").contains("Command: `sergeant bench --backend sqlite:").doesNotContain("bench bench");
    }

    @Test
    @DisplayName("on Redis: pickup rows for both modes, and the idle worker's commands counted with INFO commandstats")
    void redisPickupAndIdleCommands() {
        try (io.sergeant.testkit.servers.RedisServerProcess redis = io.sergeant.testkit.servers.RedisServerProcess.start()) {
            Run run = bench("--backend", redis.uri(), "--tasks", "300", "--single", "50", "--batch", "40", "--push-chunk", "100",
                    "--threads", "2", "--latency-seconds", "0", "--rounds", "1", "--pickup-seconds", "0.5",
                    "--pickup-rate", "200", "--idle-seconds", "5");

            assertThat(run.exitCode()).as(run.toString()).isZero();
            List<String> pickups = run.out().lines().filter(line -> line.startsWith("| redis") && line.contains("| pickup ")).toList();
            assertThat(pickups).as(run.toString()).hasSize(2)
                    .allSatisfy(line -> assertThat(line).containsPattern("\\d+\\.\\d\\d / \\d+\\.\\d\\d ms").contains(" 100 |")
                            // each compared with the raw floor of the same run
                            .containsPattern("\\(×\\d+\\.\\d / ×\\d+\\.\\d raw\\)"));
            // The raw floor: a Jedis BLPOP woken by an RPUSH under the same producer, every item taken once.
            assertThat(run.out().lines().filter(line -> line.startsWith("| redis") && line.contains("| raw pickup ")).toList())
                    .as(run.toString()).hasSize(1)
                    .allSatisfy(line -> assertThat(line).containsPattern("\\d+\\.\\d\\d / \\d+\\.\\d\\d ms")
                            .contains("taken once ✓").contains(" 100 |"));
            assertThat(run.out().lines().filter(line -> line.contains("machine noise in the same window")).toList())
                    .as("the raw floor's window and both pickups'").hasSize(3);
            assertThat(run.out().lines().filter(line -> line.startsWith("- redis: idle ")).toList()).as(run.toString()).hasSize(2)
                    // A BLPOP is counted when it ends: a 5 s window holds at least one of the 2 s fallback waits.
                    .allSatisfy(line -> assertThat(line).containsPattern("\\d+\\.\\d scripts and blocking waits per second")
                            .contains("blpop="));
        }
    }

    @Test
    @DisplayName("the idle note counts the worker's round trips and every command over the window, never INFO")
    void idleNote() {
        String note = BackendBench.idleNote("redis", "at-most-once",
                java.util.Map.of("evalsha", 10L, "blpop", 1L, "type", 100L, "info", 3L),
                java.util.Map.of("evalsha", 12L, "blpop", 3L, "type", 126L, "info", 9L, "time", 2L), 2.0);

        assertThat(note).contains("over 2.0 s: 2.0 scripts and blocking waits per second")
                .contains("16.0 commands per second").contains("{blpop=2, evalsha=2, time=2, type=26}");
    }

    @Test
    @DisplayName("rejects bad sizes and a MongoDB URI without --all as usage errors")
    void usageErrors() {
        Run zero = bench("--tasks", "0");
        Run mongo = bench("--mongo-uri", "mongodb://127.0.0.1:1");

        assertThat(zero.exitCode()).as(zero.toString()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(zero.err()).contains("--tasks must be at least 1");
        assertThat(mongo.exitCode()).as(mongo.toString()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(mongo.err()).contains("--mongo-uri goes with --all");
    }

    @Test
    @DisplayName("the ledger tells exactly-once from at-least-once and counts missing, duplicate and unexpected runs")
    void ledgerVerdicts() {
        DeliveryLedger ledger = new DeliveryLedger(4);
        ledger.record(0, -1);
        ledger.record(1, 5);
        ledger.record(1, 7);
        ledger.record(2, 3);
        ledger.record(9, -1);

        DeliveryLedger.Verdict verdict = ledger.verdict(4);

        assertThat(verdict).isEqualTo(new DeliveryLedger.Verdict(4, 1, 1, 1));
        assertThat(verdict.exactlyOnce()).isFalse();
        assertThat(verdict.atLeastOnce()).isFalse();
        assertThat(ledger.sortedLatencies(0, 4)).containsExactly(0, 3, 5);
        assertThat(ledger.sortedLatencies(1, 4)).as("the warm-up id 0 left out").containsExactly(3, 5);
        assertThat(ledger.total()).isEqualTo(5);
    }

    @Test
    @DisplayName("the table shows the median of the rounds with their spread and per-CPU rate, and leaves the ratio empty without a raw limit")
    void markdownTable() {
        String table = ResultTable.markdown(List.of(
                new ResultRow("redis", "drain", "at-most-once", 4, 1_000_000,
                        new long[] {4_000_000_000L, 2_000_000_000L, 1_000_000_000L}, 3_500_000_000L, 4_000_000, "",
                        "exactly once ✓", true),
                new ResultRow("redis", "latency", "at-least-once", 1, 100, 1_000_000_000L, -1, "0.50 / 1.00 ms", "ok", true)));

        List<String> lines = table.lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(1)).startsWith("|:--").contains("--:|");
        assertThat(lines.get(2)).contains(" 1,000,000 |").contains(" 500,000 |").contains(" 4,000,000 |").contains(" 13% |")
                .contains(" 3 |").contains(" 250,000 – 1,000,000 |").contains(" 857,143 |");
        assertThat(lines.get(3)).contains("| 0.50 / 1.00 ms ").doesNotContain("%");
    }
}
