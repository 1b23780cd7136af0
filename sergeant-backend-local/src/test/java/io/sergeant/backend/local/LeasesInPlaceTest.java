package io.sergeant.backend.local;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lease layout (package documentation): leased rows stay in {@code task_queue} with their
 * deadline as priority, what a Python Sergeant pop sees of them, where a reap puts them back, and the
 * migration of the {@code sergeant_leases} table of earlier versions. Time moves by a clock of the
 * test's own, never by sleeping.
 */
class LeasesInPlaceTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    @TempDir
    Path directory;

    private final MovableClock clock = new MovableClock(START);

    private LocalBackend open(Path file) {
        return LocalBackend.open(LocalSettings.from(new BackendSpec("sqlite:" + file, Map.of())), clock);
    }

    @Test
    @DisplayName("a leased row stays in task_queue with its deadline as priority; a Python pop takes it only after the deadline")
    void pythonNeverTakesAnInFlightTask() throws Exception {
        Path file = directory.resolve("python-view.db");
        try (LocalBackend backend = open(file);
             Connection python = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            backend.push("q", List.of(bytes("leased"), bytes("ready")), Priority.NORMAL, null);
            List<Delivery> leased = backend.pop("q", 1, DeliveryOptions.leased(Duration.ofSeconds(30), 5));
            assertThat(leased).extracting(d -> text(d.payload())).containsExactly("leased");
            assertThat(column(python, "priority", leased.get(0))).isEqualTo(epoch(START) + 30);
            assertThat(column(python, "lease_priority", leased.get(0))).isEqualTo(1.0);
            assertThat(Long.toHexString(token(python, leased.get(0)))).isEqualTo(leased.get(0).receipt().token());

            assertThat(pythonPop(python, epoch(START) + 29.9)).as("before the deadline").containsExactly("ready");
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 1, 0));
            assertThat(pythonPop(python, epoch(START) + 30)).as("at the deadline").containsExactly("leased");
            assertThat(backend.leaseRole().orElseThrow().ack("q", receipts(leased)).refused()).as("Python took the expired task")
                    .containsExactly(leased.get(0).receipt());
        }
    }

    @Test
    @DisplayName("an expired lease is ready again: counted as ready, taken by the next pop with one more delivery")
    void expiredLeaseIsReadyWithoutReap() {
        try (LocalBackend backend = open(directory.resolve("expired.db"))) {
            backend.push("q", List.of(bytes("a")), Priority.NORMAL, null);
            Delivery first = backend.pop("q", 1, DeliveryOptions.leased(Duration.ofSeconds(10), 5)).get(0);
            assertThat(backend.length("q", true)).isZero();
            clock.advance(Duration.ofSeconds(11));
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(1, 0, 0, 0));
            assertThat(backend.length("q", false)).isEqualTo(1);

            Delivery second = backend.pop("q", 1, DeliveryOptions.leased(Duration.ofSeconds(10), 5)).get(0);
            assertThat(second.receipt().id()).as("the same row").isEqualTo(first.receipt().id());
            assertThat(second.receipt().deliveryCount()).isEqualTo(2);
            assertThat(backend.leaseRole().orElseThrow().ack("q", receipts(List.of(first))).refused()).containsExactly(first.receipt());
            assertThat(backend.leaseRole().orElseThrow().reap("q", 5)).as("the lease was taken again, nothing to reap").isEqualTo(ReapResult.NONE);
            assertThat(backend.leaseRole().orElseThrow().ack("q", receipts(List.of(second)))).isEqualTo(SettleResult.all(1));
        }
    }

    @Test
    @DisplayName("a reap puts an expired task back at its old place: a HIGH task ahead of NORMAL ones, a NORMAL one ahead of newer ones")
    void reapRestoresThePlace() {
        try (LocalBackend backend = open(directory.resolve("reap.db"))) {
            backend.push("q", List.of(bytes("n1")), Priority.NORMAL, null);
            backend.push("q", List.of(bytes("h1")), Priority.HIGH, null);
            List<Delivery> leased = backend.pop("q", 2, DeliveryOptions.leased(Duration.ofSeconds(10), 5));
            assertThat(leased).extracting(d -> text(d.payload())).containsExactly("h1", "n1");
            backend.push("q", List.of(bytes("n2")), Priority.NORMAL, null);
            backend.push("q", List.of(bytes("h2")), Priority.HIGH, null);

            clock.advance(Duration.ofSeconds(10));
            assertThat(backend.leaseRole().orElseThrow().reap("q", 5)).isEqualTo(new ReapResult(2, 0));
            assertThat(backend.leaseRole().orElseThrow().reap("q", 5)).isEqualTo(ReapResult.NONE);
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(4, 0, 0, 0));
            List<Delivery> again = backend.pop("q", 10, DeliveryOptions.leased(Duration.ofSeconds(10), 5));
            assertThat(again).extracting(d -> text(d.payload())).containsExactly("h1", "h2", "n1", "n2");
            assertThat(again).extracting(d -> d.receipt().deliveryCount()).containsExactly(2, 1, 2, 1);
            assertThat(backend.leaseRole().orElseThrow().ack("q", receipts(again))).isEqualTo(SettleResult.all(4));
        }
    }

    @Test
    @DisplayName("a HIGH task re-taken by a pop after its lease expired (no reap in between) keeps its HIGH place, and again after that")
    void expiredHighTaskKeepsItsPlaceWithoutReap() {
        try (LocalBackend backend = open(directory.resolve("retake.db"))) {
            backend.push("q", List.of(bytes("h1")), Priority.HIGH, null);
            assertThat(backend.pop("q", 1, DeliveryOptions.leased(Duration.ofSeconds(10), 5)))
                    .extracting(d -> text(d.payload())).containsExactly("h1");
            backend.push("q", List.of(bytes("n1"), bytes("n2")), Priority.NORMAL, null);
            backend.push("q", List.of(bytes("soon")), Priority.NORMAL, START.plusSeconds(5));

            clock.advance(Duration.ofSeconds(11));
            List<Delivery> first = backend.pop("q", 1, DeliveryOptions.leased(Duration.ofSeconds(10), 5));
            assertThat(first).extracting(d -> text(d.payload())).as("the expired HIGH task first").containsExactly("h1");
            assertThat(first.get(0).receipt().deliveryCount()).isEqualTo(2);

            clock.advance(Duration.ofSeconds(11)); // expired a second time: still HIGH
            List<Delivery> all = backend.pop("q", 10, DeliveryOptions.leased(Duration.ofSeconds(10), 5));
            assertThat(all).extracting(d -> text(d.payload())).containsExactly("h1", "n1", "n2", "soon");
            assertThat(all.get(0).receipt().deliveryCount()).isEqualTo(3);
            assertThat(backend.leaseRole().orElseThrow().ack("q", receipts(all))).isEqualTo(SettleResult.all(4));
        }
    }

    @Test
    @DisplayName("one random number per pop: tokens are unique per delivery (number XOR rowid); a receipt of a reaped, expired and re-taken or released lease is refused, also beside valid ones")
    void onePopOneToken() {
        try (LocalBackend backend = open(directory.resolve("batch-token.db"))) {
            var leases = backend.leaseRole().orElseThrow();
            backend.push("q", List.of(bytes("a"), bytes("b"), bytes("c"), bytes("d")), Priority.NORMAL, null);
            List<Delivery> first = backend.pop("q", 2, DeliveryOptions.leased(Duration.ofSeconds(10), 5));
            List<Delivery> second = backend.pop("q", 2, DeliveryOptions.leased(Duration.ofSeconds(20), 5));
            assertThat(first).extracting(d -> d.receipt().token()).doesNotHaveDuplicates();
            assertThat(first).extracting(LeasesInPlaceTest::popNumber).containsOnly(popNumber(first.get(0)));
            assertThat(second).extracting(LeasesInPlaceTest::popNumber).containsOnly(popNumber(second.get(0)))
                    .doesNotContain(popNumber(first.get(0)));
            // A receipt made with another pop's number is refused, even for a row of that pop.
            long rowid = Long.parseLong(first.get(0).receipt().id());
            Receipt crossed = new Receipt(first.get(0).receipt().id(), Long.toHexString(popNumber(second.get(0)) ^ rowid), 1);
            assertThat(leases.ack("q", List.of(crossed)).refused()).containsExactly(crossed);

            // The first pop's leases expire and a reap ends them; the second's run on.
            clock.advance(Duration.ofSeconds(11));
            assertThat(leases.reap("q", 5)).isEqualTo(new ReapResult(2, 0));
            List<Delivery> again = backend.pop("q", 1, DeliveryOptions.leased(Duration.ofSeconds(30), 5));
            assertThat(again).extracting(d -> d.receipt().id()).containsExactly(first.get(0).receipt().id());
            assertThat(again.get(0).receipt().token()).isNotEqualTo(first.get(0).receipt().token());

            // One ack with receipts of three pops: the stale ones (reaped; reaped and re-taken) are refused,
            // the others settle, the re-taken lease among them.
            List<Receipt> mixed = new ArrayList<>(receipts(first));
            mixed.addAll(receipts(second));
            mixed.addAll(receipts(again));
            SettleResult result = leases.ack("q", mixed);
            assertThat(result.settled()).isEqualTo(3);
            assertThat(result.refused()).containsExactlyElementsOf(receipts(first));
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(1, 0, 0, 0));

            // A released lease's receipt is refused; so is a second ack of an acked one.
            List<Delivery> last = backend.pop("q", 1, DeliveryOptions.leased(Duration.ofSeconds(30), 5));
            assertThat(leases.release("q", receipts(last))).isEqualTo(SettleResult.all(1));
            assertThat(leases.ack("q", receipts(last)).refused()).containsExactlyElementsOf(receipts(last));
            assertThat(leases.ack("q", receipts(second)).refused()).containsExactlyElementsOf(receipts(second));
            List<Delivery> retaken = backend.pop("q", 1, DeliveryOptions.leased(Duration.ofSeconds(30), 5));
            assertThat(leases.extend("q", receipts(last), Duration.ofSeconds(60)).refused()).containsExactlyElementsOf(receipts(last));
            assertThat(leases.extend("q", receipts(retaken), Duration.ofSeconds(60))).isEqualTo(SettleResult.all(1));
            assertThat(leases.ack("q", receipts(retaken))).isEqualTo(SettleResult.all(1));
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    @Test
    @DisplayName("a lease written by an earlier version (a random token per row) is settled by its receipt, in one ack with current ones")
    void earlierVersionReceiptsStillSettle() throws Exception {
        Path file = directory.resolve("old-tokens.db");
        try (LocalBackend backend = open(file);
             Connection other = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            var leases = backend.leaseRole().orElseThrow();
            backend.push("q", List.of(bytes("a"), bytes("b"), bytes("c")), Priority.NORMAL, null);
            List<Delivery> popped = backend.pop("q", 3, DeliveryOptions.leased(Duration.ofSeconds(30), 5));
            // What the earlier version's pop wrote: random() & 9223372036854775807 per row.
            long[] oldTokens = {0x5deece66dL, 0x7fffffffffffff01L};
            List<Receipt> mixed = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                try (PreparedStatement set = other.prepareStatement("UPDATE task_queue SET lease_token = ? WHERE rowid = ?")) {
                    set.setLong(1, oldTokens[i]);
                    set.setLong(2, Long.parseLong(popped.get(i).receipt().id()));
                    assertThat(set.executeUpdate()).isEqualTo(1);
                }
                mixed.add(new Receipt(popped.get(i).receipt().id(), Long.toHexString(oldTokens[i]), 1));
            }
            mixed.add(popped.get(2).receipt());
            assertThat(leases.extend("q", mixed, Duration.ofSeconds(60))).isEqualTo(SettleResult.all(3));
            assertThat(leases.ack("q", List.of(popped.get(0).receipt())).refused()).as("the token changed under it")
                    .containsExactly(popped.get(0).receipt());
            assertThat(leases.ack("q", mixed)).isEqualTo(SettleResult.all(3));
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    @Test
    @DisplayName("an extension moves the pop's lease deadline: a reap before it finds nothing; after it the lease is ended; passed deadlines are dropped")
    void extensionRecordsItsDeadline() throws Exception {
        Path file = directory.resolve("extend.db");
        try (LocalBackend backend = open(file);
             Connection check = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            var leases = backend.leaseRole().orElseThrow();
            backend.push("q", List.of(bytes("a"), bytes("b")), Priority.NORMAL, null);
            List<Delivery> popped = backend.pop("q", 2, DeliveryOptions.leased(Duration.ofSeconds(10), 5));
            assertThat(leases.extend("q", receipts(popped.subList(0, 1)), Duration.ofSeconds(60))).isEqualTo(SettleResult.all(1));
            assertThat(count(check, "SELECT COUNT(*) FROM sergeant_lease_deadlines")).as("the pop's and the extension's").isEqualTo(2);

            clock.advance(Duration.ofSeconds(11));
            assertThat(leases.reap("q", 5)).as("only the task not extended").isEqualTo(new ReapResult(1, 0));
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(1, 0, 1, 0));
            assertThat(count(check, "SELECT COUNT(*) FROM sergeant_lease_deadlines")).as("the passed one is dropped").isEqualTo(1);
            assertThat(leases.ack("q", receipts(popped.subList(1, 2))).refused()).containsExactly(popped.get(1).receipt());
            List<Delivery> again = backend.pop("q", 2, DeliveryOptions.leased(Duration.ofSeconds(10), 5));
            assertThat(again).extracting(d -> text(d.payload())).containsExactly("b");

            clock.advance(Duration.ofSeconds(50)); // 61 s: past the extension
            assertThat(leases.ack("q", receipts(again))).isEqualTo(SettleResult.all(1));
            List<Delivery> extendedThenExpired = backend.pop("q", 2, DeliveryOptions.leased(Duration.ofSeconds(10), 5));
            assertThat(extendedThenExpired).extracting(d -> text(d.payload())).containsExactly("a");
            assertThat(extendedThenExpired.get(0).receipt().deliveryCount()).isEqualTo(2);
            assertThat(leases.ack("q", receipts(popped.subList(0, 1))).refused()).containsExactly(popped.get(0).receipt());
            assertThat(leases.ack("q", receipts(extendedThenExpired))).isEqualTo(SettleResult.all(1));

            clock.advance(Duration.ofSeconds(11));
            assertThat(leases.reap("q", 5)).as("every lease was settled").isEqualTo(ReapResult.NONE);
            assertThat(count(check, "SELECT COUNT(*) FROM sergeant_lease_deadlines")).isZero();
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    @Test
    @DisplayName("a file of the version with a partial index on leased rows: the index is dropped, its leases get deadline rows and keep working")
    void migratesThePartialLeaseIndex() throws Exception {
        Path file = directory.resolve("partial-index.db");
        double now = epoch(START);
        try (Connection old = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = old.createStatement()) {
            for (String ddl : List.of(
                    "CREATE TABLE task_queue (queue_name TEXT, priority REAL, value BLOB,"
                            + " delivery_count INTEGER, lease_token INTEGER, lease_priority REAL)",
                    "CREATE INDEX queue_by_priority ON task_queue (queue_name, priority)",
                    "CREATE INDEX sergeant_task_leases_by_deadline ON task_queue (queue_name, priority)"
                            + " WHERE lease_token IS NOT NULL")) {
                statement.execute(ddl);
            }
            statement.execute("INSERT INTO task_queue VALUES ('q', 1.0, X'7265616479', NULL, NULL, NULL)"); // ready
            statement.execute("INSERT INTO task_queue VALUES ('q', " + (now + 60) + ", X'72756E6E696E67', 1, "
                    + 0x1234abcdL + ", 1.0)"); // running
            statement.execute("INSERT INTO task_queue VALUES ('q', " + (now - 1) + ", X'65787069726564', 1, "
                    + 0x7fffffff00000001L + ", 0.0)"); // expired, HIGH before its lease
        }
        try (LocalBackend backend = open(file);
             Connection check = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            var leases = backend.leaseRole().orElseThrow();
            assertThat(count(check, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sergeant_task_leases_by_deadline'")).isZero();
            assertThat(count(check, "SELECT COUNT(*) FROM sergeant_lease_deadlines")).isEqualTo(2);
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(2, 0, 1, 0));

            List<Delivery> popped = backend.pop("q", 10, DeliveryOptions.leased(Duration.ofSeconds(30), 5));
            assertThat(popped).extracting(d -> text(d.payload())).as("the expired HIGH task first").containsExactly("expired", "ready");
            assertThat(popped).extracting(d -> d.receipt().deliveryCount()).containsExactly(2, 1);
            Receipt running = new Receipt("2", Long.toHexString(0x1234abcdL), 1);
            assertThat(leases.ack("q", List.of(running, popped.get(0).receipt(), popped.get(1).receipt())))
                    .isEqualTo(SettleResult.all(3));
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
        try (LocalBackend reopened = open(file)) {
            assertThat(reopened.stats("q")).as("opening again changes nothing").isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    @Test
    @DisplayName("purge keeps running leases and deletes expired ones; length(true) leaves running leases out")
    void purgeAndLength() {
        try (LocalBackend backend = open(directory.resolve("purge.db"))) {
            backend.push("q", List.of(bytes("short"), bytes("long"), bytes("ready")), Priority.NORMAL, null);
            backend.push("q", List.of(bytes("later")), Priority.NORMAL, START.plusSeconds(3600));
            Delivery shortLease = backend.pop("q", 1, DeliveryOptions.leased(Duration.ofSeconds(5), 5)).get(0);
            Delivery longLease = backend.pop("q", 1, DeliveryOptions.leased(Duration.ofSeconds(60), 5)).get(0);
            assertThat(backend.length("q", true)).isEqualTo(2);
            clock.advance(Duration.ofSeconds(6));
            assertThat(backend.length("q", true)).as("the expired lease is ready again").isEqualTo(3);
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(2, 1, 1, 0));

            assertThat(backend.purge("q")).isTrue();
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 1, 0));
            assertThat(backend.leaseRole().orElseThrow().ack("q", List.of(shortLease.receipt())).refused()).containsExactly(shortLease.receipt());
            assertThat(backend.leaseRole().orElseThrow().ack("q", List.of(longLease.receipt()))).isEqualTo(SettleResult.all(1));
        }
    }

    @Test
    @DisplayName("a dead-letter table of an earlier version (payload before the reason) is rebuilt with the payload last, ids and letters kept")
    void rebuildsTheOldDeadLetterTableWithThePayloadLast() throws Exception {
        Path file = directory.resolve("old-dead.db");
        try (Connection old = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = old.createStatement()) {
            statement.execute("CREATE TABLE sergeant_dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, queue_name TEXT NOT NULL,"
                    + " value BLOB NOT NULL, reason TEXT NOT NULL, delivery_count INTEGER NOT NULL, dead_at REAL NOT NULL)");
            statement.execute("INSERT INTO sergeant_dead_letters VALUES (7, 'q', X'6F6C64', 'old reason', 3, 12.5)");
        }

        try (LocalBackend backend = open(file);
             Connection check = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = check.createStatement();
             ResultSet columns = statement.executeQuery("SELECT name FROM pragma_table_info('sergeant_dead_letters') ORDER BY cid")) {
            List<String> names = new java.util.ArrayList<>();
            while (columns.next()) {
                names.add(columns.getString(1));
            }
            assertThat(names).containsExactly("id", "queue_name", "reason", "delivery_count", "dead_at", "value");
            var role = backend.deadLetterRole().orElseThrow();
            assertThat(role.deadLetters("q", 10)).singleElement().satisfies(letter -> {
                assertThat(letter.id()).isEqualTo("7");
                assertThat(text(letter.payload())).isEqualTo("old");
                assertThat(letter.reason()).isEqualTo("old reason");
                assertThat(letter.deliveryCount()).isEqualTo(3);
            });
            assertThat(role.deadLetter("q", new Delivery("new".getBytes(java.nio.charset.StandardCharsets.UTF_8), null), "new"))
                    .isTrue();
            assertThat(role.deadLetterInfos("q", 10)).extracting(io.sergeant.api.DeadLetterInfo::id)
                    .as("AUTOINCREMENT goes on above the kept ids").containsExactly("7", "8");
        }
    }

    @Test
    @DisplayName("a file with the sergeant_leases table of an earlier version: its leases move into task_queue and the table is dropped")
    void migratesTheOldLeasesTable() throws Exception {
        Path file = directory.resolve("old.db");
        double now = epoch(START);
        try (Connection old = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = old.createStatement()) {
            for (String ddl : List.of(
                    "CREATE TABLE task_queue (queue_name TEXT, priority REAL, value BLOB)",
                    "CREATE INDEX queue_by_priority ON task_queue (queue_name, priority)",
                    "ALTER TABLE task_queue ADD COLUMN delivery_count INTEGER",
                    "CREATE TABLE sergeant_leases (id INTEGER PRIMARY KEY, queue_name TEXT NOT NULL,"
                            + " priority REAL NOT NULL, value BLOB NOT NULL, token INTEGER NOT NULL,"
                            + " delivery_count INTEGER NOT NULL, lease_until REAL NOT NULL)",
                    "CREATE INDEX sergeant_leases_by_expiry ON sergeant_leases (queue_name, lease_until)")) {
                statement.execute(ddl);
            }
            statement.execute("INSERT INTO task_queue (queue_name, priority, value) VALUES ('q', 1.0, X'7175657565')");
            statement.execute("INSERT INTO sergeant_leases VALUES (1, 'q', 1.0, X'72756E6E696E67', 11, 1, " + (now + 60) + ")");
            statement.execute("INSERT INTO sergeant_leases VALUES (2, 'q', 0.0, X'6578706972656420', 22, 2, " + (now - 1) + ")");
        }

        try (LocalBackend backend = open(file);
             Connection check = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = check.createStatement();
             ResultSet tables = statement.executeQuery("SELECT name FROM sqlite_schema WHERE name LIKE 'sergeant_leases%'")) {
            assertThat(tables.next()).as("the old table and its index are gone").isFalse();
            assertThat(backend.stats("q")).as("one running lease, one expired").isEqualTo(new QueueStats(2, 0, 1, 0));

            assertThat(backend.leaseRole().orElseThrow().reap("q", 5)).isEqualTo(new ReapResult(1, 0));
            List<Delivery> popped = backend.pop("q", 10, DeliveryOptions.leased(Duration.ofSeconds(30), 5));
            assertThat(popped).extracting(d -> text(d.payload())).as("the reaped HIGH task first")
                    .containsExactly("expired ", "queue");
            assertThat(popped).extracting(d -> d.receipt().deliveryCount()).containsExactly(3, 1);
            assertThat(backend.leaseRole().orElseThrow().ack("q", receipts(popped))).isEqualTo(SettleResult.all(2));

            clock.advance(Duration.ofSeconds(61));
            List<Delivery> running = backend.pop("q", 10, DeliveryOptions.leased(Duration.ofSeconds(30), 5));
            assertThat(running).extracting(d -> text(d.payload())).containsExactly("running");
            assertThat(running.get(0).receipt().deliveryCount()).isEqualTo(2);
            assertThat(backend.leaseRole().orElseThrow().ack("q", receipts(running))).isEqualTo(SettleResult.all(1));
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
        try (LocalBackend reopened = open(file)) {
            assertThat(reopened.stats("q")).as("opening again changes nothing").isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    private static double column(Connection python, String column, Delivery delivery) throws SQLException {
        try (PreparedStatement query = python.prepareStatement("SELECT " + column + " FROM task_queue WHERE rowid = ?")) {
            query.setLong(1, Long.parseLong(delivery.receipt().id()));
            try (ResultSet row = query.executeQuery()) {
                assertThat(row.next()).isTrue();
                return row.getDouble(1);
            }
        }
    }

    private static long count(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            assertThat(row.next()).isTrue();
            return row.getLong(1);
        }
    }

    /** The random number of the pop that delivered {@code delivery}: its token XOR its rowid. */
    private static long popNumber(Delivery delivery) {
        return Long.parseUnsignedLong(delivery.receipt().token(), 16) ^ Long.parseLong(delivery.receipt().id());
    }

    private static long token(Connection python, Delivery delivery) throws SQLException {
        try (PreparedStatement query = python.prepareStatement("SELECT lease_token FROM task_queue WHERE rowid = ?")) {
            query.setLong(1, Long.parseLong(delivery.receipt().id()));
            try (ResultSet row = query.executeQuery()) {
                assertThat(row.next()).isTrue();
                return row.getLong(1);
            }
        }
    }

    /** Python Sergeant's pop (docs/python-compat.md §3.4) at time {@code now}. */
    private static List<String> pythonPop(Connection python, double now) throws SQLException {
        List<String> result = new ArrayList<>();
        try (PreparedStatement pop = python.prepareStatement("DELETE FROM task_queue WHERE rowid in "
                + "(SELECT rowid FROM task_queue WHERE queue_name = ? AND priority <= ? LIMIT ?) RETURNING value")) {
            pop.setString(1, "q");
            pop.setDouble(2, now);
            pop.setInt(3, 10);
            try (ResultSet rows = pop.executeQuery()) {
                while (rows.next()) {
                    result.add(text(rows.getBytes(1)));
                }
            }
        }
        return result;
    }

    private static List<Receipt> receipts(List<Delivery> deliveries) {
        return deliveries.stream().map(Delivery::receipt).toList();
    }

    private static double epoch(Instant instant) {
        return instant.toEpochMilli() / 1000.0;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] payload) {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** A clock the test moves forward by hand. Not thread safe (one test thread). */
    private static final class MovableClock extends Clock {
        private Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
