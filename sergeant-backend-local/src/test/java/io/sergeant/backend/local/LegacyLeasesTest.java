package io.sergeant.backend.local;

import io.sergeant.api.Priority;
import io.sergeant.backend.local.SqliteLeaseFixtures.MovableClock;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.sergeant.backend.local.SqliteLeaseFixtures.bytes;
import static io.sergeant.backend.local.SqliteLeaseFixtures.count;
import static io.sergeant.backend.local.SqliteLeaseFixtures.epoch;
import static io.sergeant.backend.local.SqliteLeaseFixtures.pythonPop;
import static io.sergeant.backend.local.SqliteLeaseFixtures.receipts;
import static io.sergeant.backend.local.SqliteLeaseFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Leases the previous version wrote in place (a leased row stayed in {@code task_queue} with its deadline
 * as priority, see {@link LegacyLeases}): a file upgraded with tasks in flight, or shared with a process of
 * that version, keeps settling them by their receipts, puts them back once expired, and counts them; and
 * the migrations of older layouts. Time moves by a clock of the test's own, never by sleeping.
 */
class LegacyLeasesTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    /** The previous version's leasing pop, verbatim (binds deadline, number, number, queue, now, max, maxBytes). */
    private static final String PREVIOUS_LEASE =
            "UPDATE task_queue SET lease_priority = priority, priority = ?,"
                    + " lease_token = (? | rowid) - (? & rowid), delivery_count = coalesce(delivery_count, 0) + 1"
                    + " WHERE rowid IN (SELECT rowid FROM task_queue"
                    + " WHERE queue_name = ? AND priority <= ? ORDER BY priority, rowid LIMIT ?)"
                    + " RETURNING rowid, lease_priority, CASE WHEN length(value) > ? THEN NULL ELSE value END,"
                    + " delivery_count, length(value)";

    @TempDir
    Path directory;

    private final MovableClock clock = new MovableClock(START);

    private LocalBackend open(Path file) {
        return LocalBackend.open(LocalSettings.from(new BackendSpec("sqlite:" + file, Map.of())), clock);
    }

    /**
     * What a process of the previous version's pop wrote: up to {@code max} rows leased in place for
     * {@code seconds}, plus its lease-deadline row; returns its deliveries in the order the rows were leased.
     */
    private List<Delivery> previousVersionPop(Connection other, int max, int seconds) throws SQLException {
        double now = epoch(clock.instant());
        double deadline = now + seconds;
        long number = new java.util.Random().nextLong() & Long.MAX_VALUE;
        List<Delivery> deliveries = new ArrayList<>();
        try (PreparedStatement lease = other.prepareStatement(PREVIOUS_LEASE)) {
            lease.setDouble(1, deadline);
            lease.setLong(2, number);
            lease.setLong(3, number);
            lease.setString(4, "q");
            lease.setDouble(5, now);
            lease.setInt(6, max);
            lease.setInt(7, 1 << 20);
            try (ResultSet rows = lease.executeQuery()) {
                while (rows.next()) {
                    long rowid = rows.getLong(1);
                    deliveries.add(new Delivery(rows.getBytes(3),
                            new Receipt(Long.toString(rowid), Long.toHexString(number ^ rowid), rows.getInt(4))));
                }
            }
        }
        try (PreparedStatement record = other.prepareStatement(
                "INSERT INTO sergeant_lease_deadlines (queue_name, deadline, pop_number) VALUES ('q', ?, ?)")) {
            record.setDouble(1, deadline);
            record.setLong(2, number);
            record.executeUpdate();
        }
        deliveries.sort(java.util.Comparator.comparingLong(d -> Long.parseLong(d.receipt().id())));
        return deliveries;
    }

    @Test
    @DisplayName("an in-place lease stays out of Python's pop until its deadline; Java counts it in flight and settles it with its receipt")
    void pythonNeverTakesAnInFlightTask() throws Exception {
        Path file = directory.resolve("python-view.db");
        try (LocalBackend backend = open(file);
             Connection python = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            backend.push("q", List.of(bytes("leased"), bytes("ready"), bytes("acked")), Priority.NORMAL, null);
            List<Delivery> leased = previousVersionPop(python, 1, 30);
            assertThat(leased).extracting(d -> text(d.payload())).containsExactly("leased");
            assertThat(pythonPop(python, epoch(START) + 29.9, 1)).as("before the deadline").containsExactly("ready");
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(1, 0, 1, 0));
            assertThat(backend.length("q", true)).isEqualTo(1);
            List<Delivery> second = previousVersionPop(python, 1, 30);
            assertThat(backend.leaseRole().orElseThrow().ack("q", receipts(second))).isEqualTo(SettleResult.all(1));
            assertThat(pythonPop(python, epoch(START) + 30, 10)).as("at the deadline").containsExactly("leased");
            assertThat(backend.leaseRole().orElseThrow().ack("q", receipts(leased)).refused()).as("Python took the expired task")
                    .containsExactly(leased.get(0).receipt());
        }
    }

    @Test
    @DisplayName("in-place leases settle by their receipts beside batch receipts in one call: extend, ack, release, hand back,"
            + " dead-letter; a stale or crossed one is refused")
    void inPlaceReceiptsStillSettle() throws Exception {
        Path file = directory.resolve("old-tokens.db");
        try (LocalBackend backend = open(file);
             Connection other = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            var leases = backend.leaseRole().orElseThrow();
            backend.push("q", List.of(bytes("a"), bytes("b"), bytes("c"), bytes("d"), bytes("e"), bytes("f")), Priority.NORMAL, null);
            List<Delivery> old = previousVersionPop(other, 5, 30);
            List<Delivery> current = backend.pop("q", 1, DeliveryOptions.leased(Duration.ofSeconds(30), 5));
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 6, 0));

            List<Receipt> mixed = new ArrayList<>(receipts(old.subList(0, 2)));
            mixed.addAll(receipts(current));
            Receipt crossed = new Receipt(old.get(0).receipt().id(), old.get(1).receipt().token(), 1);
            mixed.add(crossed);
            assertThat(leases.extend("q", mixed, Duration.ofSeconds(60))).isEqualTo(new SettleResult(3, List.of(crossed)));
            clock.advance(Duration.ofSeconds(31));
            assertThat(leases.reap("q", 5)).as("the three not extended").isEqualTo(new ReapResult(3, 0));
            assertThat(leases.ack("q", receipts(old.subList(2, 5))).refused()).containsExactlyElementsOf(receipts(old.subList(2, 5)));
            assertThat(leases.ack("q", mixed)).isEqualTo(new SettleResult(3, List.of(crossed)));
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(3, 0, 0, 0));

            List<Delivery> more = previousVersionPop(other, 3, 30);
            assertThat(more).extracting(d -> text(d.payload())).containsExactly("c", "d", "e");
            assertThat(leases.release("q", receipts(more.subList(0, 1)))).isEqualTo(SettleResult.all(1));
            assertThat(leases.handBack("q", receipts(more.subList(1, 2)))).isEqualTo(SettleResult.all(1));
            assertThat(backend.deadLetterRole().orElseThrow().deadLetter("q", more.get(2), "poison")).isTrue();
            assertThat(leases.ack("q", receipts(more)).refused()).containsExactlyElementsOf(receipts(more));
            List<Delivery> back = backend.pop("q", 10, DeliveryOptions.leased(Duration.ofSeconds(30), 5));
            assertThat(back).extracting(d -> text(d.payload())).containsExactly("c", "d");
            assertThat(back).extracting(d -> d.receipt().deliveryCount()).as("released counts, handed back does not")
                    .containsExactly(3, 2);
            assertThat(backend.deadLetterRole().orElseThrow().deadLetters("q", 10)).singleElement()
                    .satisfies(letter -> assertThat(text(letter.payload())).isEqualTo("e"));
            assertThat(leases.ack("q", receipts(back))).isEqualTo(SettleResult.all(2));
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(0, 0, 0, 1));
        }
    }

    @Test
    @DisplayName("expired in-place leases come back: a pop puts an expired HIGH task back first; a reap dead-letters one at maxDeliveries;"
            + " passed deadlines are dropped")
    void expiredInPlaceLeasesComeBack() throws Exception {
        Path file = directory.resolve("expired.db");
        try (LocalBackend backend = open(file);
             Connection other = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            var leases = backend.leaseRole().orElseThrow();
            backend.push("q", List.of(bytes("h")), Priority.HIGH, null);
            backend.push("q", List.of(bytes("n")), Priority.NORMAL, null);
            List<Delivery> old = previousVersionPop(other, 2, 10);
            assertThat(old).extracting(d -> text(d.payload())).containsExactly("h", "n");
            backend.push("q", List.of(bytes("n2")), Priority.NORMAL, null);
            clock.advance(Duration.ofSeconds(11));
            assertThat(backend.stats("q")).as("expired in-place leases are ready").isEqualTo(new QueueStats(3, 0, 0, 0));
            List<Delivery> first = backend.pop("q", 1, DeliveryOptions.leased(Duration.ofSeconds(10), 2));
            assertThat(first).extracting(d -> text(d.payload())).containsExactly("h");
            assertThat(first.get(0).receipt().deliveryCount()).isEqualTo(2);
            assertThat(count(other, "SELECT COUNT(*) FROM sergeant_lease_deadlines")).as("the passed one is dropped").isZero();
            assertThat(leases.ack("q", receipts(first))).isEqualTo(SettleResult.all(1));

            List<Delivery> again = previousVersionPop(other, 1, 10); // n, a second time
            assertThat(again.get(0).receipt().deliveryCount()).isEqualTo(2);
            clock.advance(Duration.ofSeconds(11));
            assertThat(leases.reap("q", 2)).isEqualTo(new ReapResult(0, 1));
            assertThat(backend.deadLetterRole().orElseThrow().deadLetters("q", 10)).singleElement().satisfies(letter -> {
                assertThat(text(letter.payload())).isEqualTo("n");
                assertThat(letter.reason()).isEqualTo("lease expired after 2 deliveries (maxDeliveries 2)");
            });
            assertThat(backend.stats("q")).isEqualTo(new QueueStats(1, 0, 0, 1));
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
}
