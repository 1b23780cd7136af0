package io.sergeant.backend.local;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.Receipt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Several processes share one file: concurrent pops and pushes, and kill -9 at any moment loses nothing. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalMultiProcessTest {

    @TempDir
    Path directory;

    private Path file;
    private Backend backend;
    private final List<Child> children = new ArrayList<>();

    @BeforeEach
    void open() {
        file = directory.resolve("shared.db");
        backend = new LocalBackendFactory().create(new BackendSpec("sqlite:" + file, Map.of()), PluginContext.defaults());
    }

    @AfterEach
    void close() {
        for (Child child : children) {
            child.process.destroyForcibly();
        }
        backend.close();
    }

    @Test
    @DisplayName("two processes draining one queue together get every task exactly once")
    void twoProcessesDrainTogether() throws Exception {
        int total = 30_000;
        backend.push("q", payloads("t", total), Priority.NORMAL, null);
        Child child = start("drain");
        child.awaitLine("ready");
        // The child has taken tasks before this process starts competing, so the check below holds on any machine.
        child.awaitLineStartingWith("t-");

        Map<String, Integer> seen = new HashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            List<Delivery> batch = SecondProcessMain.whileBusy(() -> backend.pop("q", 10, DeliveryOptions.AT_MOST_ONCE));
            if (batch.isEmpty()) {
                break;
            }
            for (Delivery d : batch) {
                seen.merge(new String(d.payload(), StandardCharsets.UTF_8), 1, Integer::sum);
            }
        }
        assertThat(child.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.process.exitValue()).as(child.stderr()).isZero();
        int fromChild = 0;
        for (String line : child.lines()) {
            if (line.startsWith("t-")) {
                seen.merge(line, 1, Integer::sum);
                fromChild++;
            }
        }
        assertThat(fromChild).as("the second process took some tasks").isPositive();
        assertThat(seen).hasSize(total);
        assertThat(seen.values()).containsOnly(1);
        assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    @DisplayName("tasks pushed by another process while this one pops arrive once each, in order")
    void pushFromAnotherProcessWhilePopping() throws Exception {
        int total = 5_000;
        Child child = start("push", Integer.toString(total));
        List<String> popped = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (popped.size() < total && System.nanoTime() < deadline) {
            List<Delivery> batch = backend.pop("q", 50, DeliveryOptions.leased(Duration.ofSeconds(60), 5));
            for (Delivery d : batch) {
                popped.add(new String(d.payload(), StandardCharsets.UTF_8));
            }
            assertThat(backend.leaseRole().orElseThrow().ack("q", receipts(batch)).settled()).isEqualTo(batch.size());
            if (batch.isEmpty()) {
                Thread.sleep(5);
            }
        }
        assertThat(child.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.process.exitValue()).as(child.stderr()).isZero();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            expected.add("child-" + i);
        }
        assertThat(popped).containsExactlyElementsOf(expected);
    }

    @Test
    @DisplayName("kill -9 of a process in the middle of leased pops loses nothing: reap brings every task back")
    void killDuringLeasedPops() throws Exception {
        int total = 100_000;
        backend.push("q", payloads("t", total), Priority.NORMAL, null);
        Child child = start("lease-forever");
        child.awaitLine("ready");
        child.awaitLine("leased");
        Thread.sleep(300);
        child.process.destroyForcibly();
        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(integrityCheck()).isEqualTo("ok");
        // Counted in the file, not with stats(): stats counts unexpired leases only, and the child's 1 s leases
        // may expire before this line on a loaded machine; a lease batch keeps its tasks until reaped or acked.
        assertThat(leasedRows()).as("the killed process held leases").isPositive();

        Map<String, Integer> seen = new HashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (seen.size() < total && System.nanoTime() < deadline) {
            backend.leaseRole().orElseThrow().reap("q", 100);
            List<Delivery> batch = backend.pop("q", 1000, DeliveryOptions.leased(Duration.ofSeconds(60), 100));
            for (Delivery d : batch) {
                seen.merge(new String(d.payload(), StandardCharsets.UTF_8), 1, Integer::sum);
            }
            assertThat(backend.leaseRole().orElseThrow().ack("q", receipts(batch)).settled()).isEqualTo(batch.size());
            if (batch.isEmpty()) {
                Thread.sleep(50);
            }
        }
        assertThat(seen).hasSize(total);
        assertThat(seen.values()).containsOnly(1);
        assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @Test
    @DisplayName("kill -9 of a process in the middle of pushes leaves only whole batches and a sound file")
    void killDuringPushes() throws Exception {
        Child child = start("push-forever");
        child.awaitLine("ready");
        child.awaitLine("pushed");
        Thread.sleep(300);
        child.process.destroyForcibly();
        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(integrityCheck()).isEqualTo("ok");

        long length = backend.length("q", true);
        assertThat(length).isPositive();
        assertThat(length % 100).as("batches are all or nothing").isZero();
        Map<String, Integer> perBatch = new HashMap<>();
        for (Delivery d : backend.pop("q", (int) length, DeliveryOptions.AT_MOST_ONCE)) {
            String text = new String(d.payload(), StandardCharsets.UTF_8);
            perBatch.merge(text.substring(0, text.lastIndexOf('-')), 1, Integer::sum);
        }
        assertThat(perBatch.values()).containsOnly(100);
    }

    private String integrityCheck() throws SQLException {
        return scalar("PRAGMA integrity_check");
    }

    /** Tasks under a lease, expired or not: they stay in their lease batch until a reap, a pop, an ack or a release. */
    private long leasedRows() throws SQLException {
        return Long.parseLong(scalar("SELECT coalesce(SUM(pending), 0) FROM sergeant_lease_batches"));
    }

    /** The first column of the first row of a query on the shared file, through a connection of its own. */
    private String scalar(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getString(1);
        }
    }

    private static List<byte[]> payloads(String prefix, int n) {
        List<byte[]> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            items.add((prefix + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return items;
    }

    private static List<Receipt> receipts(List<Delivery> batch) {
        List<Receipt> receipts = new ArrayList<>(batch.size());
        for (Delivery d : batch) {
            receipts.add(d.receipt());
        }
        return receipts;
    }

    private Child start(String... roleAndArgs) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                SecondProcessMain.class.getName(), file.toString(), "q"));
        command.addAll(List.of(roleAndArgs));
        Path stderr = directory.resolve("child-" + children.size() + ".err");
        Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        Child child = new Child(process, stderr);
        children.add(child);
        return child;
    }

    /** A started second process whose stdout lines are collected by a reader thread. */
    private static final class Child {
        final Process process;
        final Path stderrFile;
        final BlockingQueue<String> pending = new LinkedBlockingQueue<>();
        final List<String> all = java.util.Collections.synchronizedList(new ArrayList<>());
        final Thread reader;

        Child(Process process, Path stderrFile) {
            this.process = process;
            this.stderrFile = stderrFile;
            this.reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        all.add(line);
                        pending.add(line);
                    }
                } catch (IOException ignored) {
                    // The process was killed.
                }
            }, "child-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        void awaitLine(String expected) throws InterruptedException {
            awaitMatching(expected::equals, "'" + expected + "'");
        }

        void awaitLineStartingWith(String prefix) throws InterruptedException {
            awaitMatching(line -> line.startsWith(prefix), "a line starting with '" + prefix + "'");
        }

        private void awaitMatching(java.util.function.Predicate<String> wanted, String what) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                String line = pending.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && wanted.test(line)) {
                    return;
                }
                if (line == null && !process.isAlive()) {
                    throw new AssertionError("the second process exited with " + process.exitValue() + ": " + stderr());
                }
            }
            throw new AssertionError("the second process did not print " + what + ": " + stderr());
        }

        List<String> lines() throws InterruptedException {
            reader.join(TimeUnit.SECONDS.toMillis(30));
            synchronized (all) {
                return new ArrayList<>(all);
            }
        }

        String stderr() {
            try {
                return java.nio.file.Files.readString(stderrFile);
            } catch (IOException e) {
                return "(no stderr: " + e + ")";
            }
        }
    }
}
