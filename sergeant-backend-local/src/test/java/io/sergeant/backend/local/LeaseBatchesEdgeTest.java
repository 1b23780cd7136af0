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
