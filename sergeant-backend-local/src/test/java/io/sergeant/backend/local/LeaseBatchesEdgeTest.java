package io.sergeant.backend.local;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.DeadLetter;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteLimits;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lease batches at their edges: a batch whose payloads together exceed what SQLite stores in one value,
 * and lease rows damaged or edited by hand (moved to the dead letters, named, never a silent loss, a stuck queue
 * or a busy loop).
 */
class LeaseBatchesEdgeTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    @TempDir
    Path directory;

    private LocalBackend open(Path file, Map<String, String> options) {
        return LocalBackend.open(LocalSettings.from(new BackendSpec("sqlite:" + file, options)),
                Clock.fixed(START, ZoneOffset.UTC));
    }

    private static DeliveryOptions lease(int seconds) {
        return DeliveryOptions.leased(Duration.ofSeconds(seconds), 5);
    }

    @Test
    @DisplayName("a leased batch whose payloads together exceed SQLite's longest value is kept in several records:"
            + " the pop succeeds (it failed on every try, so the queue was stuck) and every receipt settles")
    void batchLargerThanOneSqliteValue() throws Exception {
        Path file = directory.resolve("big.db");
        // One connection, so that the limit set here is the one every statement of the backend meets. SQLite's
        // own limit is 1,000,000,000 bytes (100 tasks of 10 MB); the test lowers it to 1 MB to stay small.
        try (LocalBackend backend = open(file, Map.of("connections", "1"))) {
            file(backend).inConnection("lower the limit", connection -> {
                rawConnection(connection).setLimit(SQLiteLimits.SQLITE_LIMIT_LENGTH, 1_000_000);
                return null;
            });
            List<byte[]> payloads = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                byte[] payload = new byte[200_000];
                Arrays.fill(payload, (byte) ('a' + i));
                payloads.add(payload);
            }
            backend.push("q", payloads, Priority.NORMAL, null);
            List<Delivery> leased = backend.pop("q", 12, lease(30));
            assertThat(leased).hasSize(12);
            for (int i = 0; i < 12; i++) {
                assertThat(leased.get(i).payload()).isEqualTo(payloads.get(i));
            }
            assertThat(backend.length("q", true)).isZero();
            assertThat(backend.leaseRole().orElseThrow().release("q", List.of(leased.get(11).receipt())))
                    .isEqualTo(SettleResult.all(1));
            assertThat(backend.leaseRole().orElseThrow().ack("q", leased.subList(0, 11).stream().map(Delivery::receipt).toList()))
                    .isEqualTo(SettleResult.all(11));
            List<Delivery> again = backend.pop("q", 12, lease(30));
            assertThat(again).hasSize(1);
            assertThat(again.get(0).payload()).isEqualTo(payloads.get(11));
        }
        try (Connection check = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            assertThat(count(check, "SELECT COUNT(*) FROM sergeant_lease_batches")).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("a lease row whose deadline column was edited by hand to a past time is corrected by the next pop:"
            + " before, it stayed so and woke every idle worker of the queue at once, again and again (a busy loop)")
    void editedDeadlineIsCorrected() throws Exception {
        Path file = directory.resolve("deadline.db");
        try (LocalBackend backend = open(file, Map.of())) {
            backend.push("q", List.of(new byte[] {1}), Priority.NORMAL, null);
            Delivery leased = backend.pop("q", 1, lease(30)).get(0);
            edit(file, "UPDATE sergeant_lease_batches SET deadline = 0");
            assertThat(backend.pop("q", 1, lease(30))).as("the task's own deadline is ahead").isEmpty();
            assertThat(backend.wakeupRole().orElseThrow().awaitTasks("q", Duration.ofMillis(300)))
                    .as("nothing is due before the lease's deadline").isFalse();
            assertThat(backend.leaseRole().orElseThrow().ack("q", List.of(leased.receipt()))).isEqualTo(SettleResult.all(1));
        }
    }

    @Test
    @DisplayName("a lease row whose pending count was edited lower than its leased slots keeps every slot: an ack no"
            + " longer deletes the record (and with it the other leased tasks) when the count reaches zero")
    void editedPendingCountLosesNothing() throws Exception {
        Path file = directory.resolve("pending.db");
        try (LocalBackend backend = open(file, Map.of())) {
            backend.push("q", List.of(new byte[] {1}, new byte[] {2}, new byte[] {3}), Priority.NORMAL, null);
            List<Delivery> leased = backend.pop("q", 3, lease(30));
            edit(file, "UPDATE sergeant_lease_batches SET pending = 1");
            assertThat(backend.leaseRole().orElseThrow().ack("q", List.of(leased.get(0).receipt()))).isEqualTo(SettleResult.all(1));
            assertThat(backend.stats("q").inFlight()).isEqualTo(2);
            assertThat(backend.leaseRole().orElseThrow().release("q", List.of(leased.get(1).receipt(), leased.get(2).receipt())))
                    .isEqualTo(SettleResult.all(2));
            assertThat(backend.pop("q", 3, lease(30))).extracting(d -> d.payload()[0]).containsExactly((byte) 2, (byte) 3);
        }
    }

    @Test
    @DisplayName("oversized payloads one behind the other at the head of the queue all go to the dead letters before a"
            + " pop of one task: the pop never returns one (at-most-once returned the second one, which moved into the"
            + " window its check had cleared)")
    void oversizedPayloadsBehindTheWindowAreNeverPopped() throws Exception {
        for (boolean leased : new boolean[] {true, false}) {
            Path file = directory.resolve("oversized-" + leased + ".db");
            try (LocalBackend backend = open(file, Map.of("maxPayloadSize", "100"))) {
                backend.push("q", List.of(new byte[101], new byte[102], new byte[] {7}), Priority.NORMAL, null);
                List<Delivery> popped = backend.pop("q", 1, leased ? lease(30) : DeliveryOptions.AT_MOST_ONCE);
                assertThat(popped).as("leased " + leased).extracting(d -> d.payload().length).containsExactly(1);
                assertThat(backend.deadLetterRole().orElseThrow().deadLetters("q", 10))
                        .extracting(letter -> letter.payload().length).containsExactly(101, 102);
            }
        }
    }

    /** A damage done with plain SQL, and what of the batch's two tasks ({1} and {2}) the dead letters must hold. */
    private record Damage(String sql, String kept) {
    }

    /** Every way a lease row can be damaged that the backend detects; "tasks": both payloads, else a reason's words. */
    private static final List<Damage> DAMAGES = List.of(
            new Damage("UPDATE sergeant_lease_batches SET slots = x'0901'", "tasks"),
            new Damage("UPDATE sergeant_lease_batches SET deadlines = x'0102'", "tasks"),
            new Damage("UPDATE sergeant_lease_batches SET deadlines = x'7FF8000000000000'", "tasks"),
            new Damage("UPDATE sergeant_lease_batches SET deadlines = x'7FF0000000000000'", "tasks"),
            new Damage("UPDATE sergeant_lease_tasks SET tasks = substr(tasks, 1, 20)", "whole tasks record (20 bytes)"),
            new Damage("UPDATE sergeant_lease_tasks SET tasks = x'00000001' || substr(tasks, 5)", "lease state unknown"),
            new Damage("DELETE FROM sergeant_lease_tasks", "no tasks record"));

    @Test
    @DisplayName("a damaged lease batch whose lease expired does not stop the queue: the next pop (leased or not) moves"
            + " what can be read of it to the dead letters with a reason naming the batch and the damage, deletes it"
            + " and pops on (before, every pop of the queue failed for ever); stats count it until then")
    void damagedExpiredBatchDoesNotBlockPops() throws Exception {
        for (int i = 0; i < DAMAGES.size(); i++) {
            Damage damage = DAMAGES.get(i);
            for (boolean leasedPop : new boolean[] {true, false}) {
                Path file = directory.resolve("expired-" + i + "-" + leasedPop + ".db");
                SqliteLeaseFixtures.MovableClock clock = new SqliteLeaseFixtures.MovableClock(START);
                try (LocalBackend backend = LocalBackend.open(LocalSettings.from(new BackendSpec("sqlite:" + file, Map.of())),
                        clock)) {
                    Leased batch = damagedBatch(backend, file, damage);
                    clock.advance(Duration.ofSeconds(60));
                    QueueStats before = backend.stats("q"); // read only: counts the batch, in flight if its state is damaged
                    assertThat(before.ready() + before.inFlight()).as(damage.sql()).isEqualTo(2);
                    backend.push("q", List.of(new byte[] {3}), Priority.NORMAL, null);
                    List<Delivery> popped = backend.pop("q", 10, leasedPop ? lease(30) : DeliveryOptions.AT_MOST_ONCE);
                    assertThat(popped).as(damage.sql()).extracting(d -> d.payload()[0]).containsExactly((byte) 3);
                    assertDamageKept(backend, batch, damage);
                    assertLeaseRows(file, leasedPop ? 1 : 0);
                    assertThat(backend.stats("q").inFlight()).isEqualTo(leasedPop ? 1 : 0);
                    backend.push("q", List.of(new byte[] {4}), Priority.NORMAL, null);
                    assertThat(backend.pop("q", 10, lease(30))).extracting(d -> d.payload()[0]).containsExactly((byte) 4);
                }
            }
        }
    }

    @Test
    @DisplayName("the reap of a damaged expired batch quarantines it the same way instead of failing every reap cycle")
    void damagedExpiredBatchIsReaped() throws Exception {
        for (int i = 0; i < DAMAGES.size(); i++) {
            Damage damage = DAMAGES.get(i);
            Path file = directory.resolve("reaped-" + i + ".db");
            SqliteLeaseFixtures.MovableClock clock = new SqliteLeaseFixtures.MovableClock(START);
            try (LocalBackend backend = LocalBackend.open(LocalSettings.from(new BackendSpec("sqlite:" + file, Map.of())),
                    clock)) {
                Leased batch = damagedBatch(backend, file, damage);
                clock.advance(Duration.ofSeconds(60));
                assertThat(backend.leaseRole().orElseThrow().reap("q", 5).deadLettered()).as(damage.sql()).isPositive();
                assertDamageKept(backend, batch, damage);
                assertThat(backend.length("q", true)).isZero();
                assertThat(backend.stats("q").inFlight()).isZero();
                assertLeaseRows(file, 0);
            }
        }
    }

    @Test
    @DisplayName("settling a receipt of a damaged batch (release, hand back, dead letter, and ack or extension when the"
            + " state row is damaged) refuses the batch's receipts as lost leases and quarantines the batch instead of"
            + " failing the call (an ack-and-pop that failed so was retried with the same receipts for ever)")
    void settlingADamagedBatchQuarantinesIt() throws Exception {
        for (int i = 0; i < DAMAGES.size(); i++) {
            Damage damage = DAMAGES.get(i);
            boolean stateDamaged = damage.sql().contains("sergeant_lease_batches");
            for (String action : List.of("release", "hand back", "dead letter", "ack and pop", "extend")) {
                Path file = directory.resolve("settle-" + i + "-" + action.replace(' ', '-') + ".db");
                boolean readsTasks = !action.equals("ack and pop") && !action.equals("extend");
                if (!readsTasks && !stateDamaged) {
                    continue; // an ack or extension reads only the state row, which is intact here
                }
                try (LocalBackend backend = open(file, Map.of())) {
                    Leased batch = damagedBatch(backend, file, damage);
                    var leases = backend.leaseRole().orElseThrow();
                    List<Receipt> receipts = batch.deliveries().stream().map(Delivery::receipt).toList();
                    backend.push("q", List.of(new byte[] {3}), Priority.NORMAL, null);
                    SettleResult result;
                    switch (action) {
                        case "release" -> result = leases.release("q", receipts);
                        case "hand back" -> result = leases.handBack("q", receipts);
                        case "extend" -> result = leases.extend("q", receipts, Duration.ofSeconds(30));
                        case "dead letter" -> {
                            boolean done = backend.deadLetterRole().orElseThrow().deadLetter("q", batch.deliveries().get(1), "boom");
                            result = new SettleResult(done ? 1 : 0, done ? List.of() : List.of(receipts.get(1)));
                        }
                        default -> {
                            var settled = leases.ackAndPop(backend, "q", receipts, 10, lease(30));
                            assertThat(settled.deliveries()).as(damage.sql() + " / " + action)
                                    .extracting(d -> d.payload()[0]).containsExactly((byte) 3);
                            result = settled.acked();
                        }
                    }
                    assertThat(result.settled()).as(damage.sql() + " / " + action).isZero();
                    assertDamageKept(backend, batch, damage);
                    assertLeaseRows(file, action.equals("ack and pop") ? 1 : 0);
                    assertThat(backend.stats("q").inFlight()).isEqualTo(action.equals("ack and pop") ? 1 : 0);
                    if (!action.equals("ack and pop")) {
                        assertThat(backend.pop("q", 10, lease(30))).extracting(d -> d.payload()[0]).containsExactly((byte) 3);
                    }
                }
            }
        }
    }

    @Test
    @DisplayName("a tasks record left behind by a batch row deleted by hand does not block the pops that reuse its"
            + " id (before, every leasing pop of the file failed on the unique batch id)")
    void orphanTasksRowDoesNotBlockPops() throws Exception {
        Path file = directory.resolve("orphan.db");
        try (LocalBackend backend = open(file, Map.of())) {
            backend.push("q", List.of(new byte[] {1}), Priority.NORMAL, null);
            List<Delivery> first = backend.pop("q", 1, lease(30));
            edit(file, "DELETE FROM sergeant_lease_batches");
            backend.push("q", List.of(new byte[] {2}), Priority.NORMAL, null);
            List<Delivery> second = backend.pop("q", 1, lease(30));
            assertThat(second).extracting(d -> d.payload()[0]).containsExactly((byte) 2);
            assertThat(backend.leaseRole().orElseThrow().ack("q", List.of(first.get(0).receipt())).refused()).hasSize(1);
            assertThat(backend.leaseRole().orElseThrow().ack("q", List.of(second.get(0).receipt()))).isEqualTo(SettleResult.all(1));
        }
    }

    @Test
    @DisplayName("a task_queue row with no value (NULL, written outside Sergeant) at the head of a queue goes to the dead"
            + " letters: before, a leasing pop of one task left it in place and returned nothing for ever, and an"
            + " at-most-once pop failed on it every time")
    void rowWithoutValueDoesNotBlockTheQueue() throws Exception {
        for (boolean leased : new boolean[] {true, false}) {
            Path file = directory.resolve("null-" + leased + ".db");
            try (LocalBackend backend = open(file, Map.of())) {
                edit(file, "INSERT INTO task_queue (queue_name, priority, value) VALUES ('q', 1.0, NULL)");
                backend.push("q", List.of(new byte[] {7}), Priority.NORMAL, null);
                List<Delivery> popped = leased ? backend.pop("q", 1, lease(30)) : backend.pop("q", 1, DeliveryOptions.AT_MOST_ONCE);
                assertThat(popped).as("leased " + leased).extracting(d -> d.payload()[0]).containsExactly((byte) 7);
                assertThat(backend.deadLetterRole().orElseThrow().deadLetters("q", 10)).singleElement()
                        .satisfies(dead -> assertThat(dead.reason()).contains("NULL"));
                assertThat(backend.length("q", true)).isZero();
            }
        }
    }

    /** A leased batch of the test: its id and its deliveries. */
    private record Leased(String id, List<Delivery> deliveries) {
    }

    /** Leases the two tasks {1} and {2} for 30 s as one batch, then damages its rows with the damage's SQL. */
    private static Leased damagedBatch(LocalBackend backend, Path file, Damage damage) throws SQLException {
        backend.push("q", List.of(new byte[] {1}, new byte[] {2}), Priority.NORMAL, null);
        List<Delivery> leased = backend.pop("q", 2, lease(30));
        assertThat(leased).hasSize(2);
        String id = leased.get(0).receipt().id();
        edit(file, damage.sql());
        return new Leased(id.substring(0, id.indexOf(':')), leased);
    }

    /** The dead letters hold what the damage left of the batch, each with a reason naming the batch and the damage. */
    private static void assertDamageKept(LocalBackend backend, Leased batch, Damage damage) {
        List<DeadLetter> dead = backend.deadLetterRole().orElseThrow().deadLetters("q", 10);
        assertThat(dead).as(damage.sql()).isNotEmpty().allSatisfy(letter -> assertThat(letter.reason())
                .startsWith("lease batch " + batch.id() + " was damaged outside Sergeant ("));
        if (damage.kept().equals("tasks")) {
            assertThat(dead).as(damage.sql()).extracting(letter -> letter.payload()[0]).containsExactly((byte) 1, (byte) 2);
            assertThat(dead).allSatisfy(letter -> assertThat(letter.reason()).contains("still leased"));
        } else {
            assertThat(dead).as(damage.sql()).singleElement()
                    .satisfies(letter -> assertThat(letter.reason()).contains(damage.kept()));
        }
    }

    /**
     * The damaged batch (two slots) is gone, state and tasks: only {@code batches} batches of one task each are
     * left (SQLite may give a new batch the damaged one's id again).
     */
    private static void assertLeaseRows(Path file, int batches) throws SQLException {
        try (Connection check = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            assertThat(count(check, "SELECT COUNT(*) FROM sergeant_lease_batches")).isEqualTo(batches);
            assertThat(count(check, "SELECT COUNT(*) FROM sergeant_lease_batches WHERE length(slots) = 1")).isEqualTo(batches);
            assertThat(count(check, "SELECT COUNT(*) FROM sergeant_lease_tasks")).isEqualTo(batches);
        }
    }

    private static void edit(Path file, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = connection.createStatement()) {
            statement.executeUpdate(sql);
        }
    }

    private static SqliteFile file(LocalBackend backend) throws ReflectiveOperationException {
        Field field = LocalBackend.class.getDeclaredField("file");
        field.setAccessible(true);
        return (SqliteFile) field.get(backend);
    }

    private static SQLiteConnection rawConnection(PooledConnection connection) {
        try {
            Field field = PooledConnection.class.getDeclaredField("connection");
            field.setAccessible(true);
            return (SQLiteConnection) field.get(connection);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static long count(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            assertThat(row.next()).isTrue();
            return row.getLong(1);
        }
    }
}
