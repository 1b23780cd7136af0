package io.sergeant.backend.local;

import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Lease batches at their edges: a batch whose payloads together exceed what SQLite stores in one value,
 * and lease rows damaged or edited by hand (an error naming the row, never a silent loss or a busy loop).
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
    @DisplayName("a damaged lease row (a slot naming a deadline the row does not have, a deadline list cut short or"
            + " not finite, a tasks record cut short or of another size) fails with an error naming the table, the batch and what to"
            + " do, not with an index or buffer exception")
    void damagedRowsAreNamed() throws Exception {
        String[] damages = {
                "UPDATE sergeant_lease_batches SET slots = x'0901'",
                "UPDATE sergeant_lease_batches SET deadlines = x'0102'",
                "UPDATE sergeant_lease_batches SET deadlines = x'7FF8000000000000'",
                "UPDATE sergeant_lease_batches SET deadlines = x'7FF0000000000000'",
                "UPDATE sergeant_lease_tasks SET tasks = substr(tasks, 1, 20)",
                "UPDATE sergeant_lease_tasks SET tasks = x'00000001' || substr(tasks, 5)"};
        for (int i = 0; i < damages.length; i++) {
            Path file = directory.resolve("damaged-" + i + ".db");
            try (LocalBackend backend = open(file, Map.of())) {
                backend.push("q", List.of(new byte[] {1}, new byte[] {2}), Priority.NORMAL, null);
                List<Delivery> leased = backend.pop("q", 2, lease(30));
                String id = leased.get(0).receipt().id();
                String batch = id.substring(0, id.indexOf(':'));
                edit(file, damages[i]);
                assertThatThrownBy(() -> backend.leaseRole().orElseThrow().release("q", List.of(leased.get(1).receipt())))
                        .as(damages[i]).isInstanceOf(SergeantException.class)
                        .hasMessageContaining("lease batch " + batch).hasMessageContaining("sergeant_lease_")
                        .hasMessageContaining("restore");
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
