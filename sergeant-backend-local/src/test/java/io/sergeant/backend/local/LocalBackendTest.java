package io.sergeant.backend.local;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Local-specific behaviour: URIs, options, file errors, busy files, and sharing the file with Python Sergeant. */
class LocalBackendTest {

    @TempDir
    Path directory;

    private Backend open(String uri, Map<String, String> options) {
        return new LocalBackendFactory().create(new BackendSpec(uri, options), PluginContext.defaults());
    }

    private Backend open(Path file) {
        return open("sqlite:" + file, Map.of());
    }

    @Test
    @DisplayName("the factory is found by the service loader under name 'local' and scheme 'sqlite'")
    void factoryIsDiscoverable() {
        List<BackendFactory> factories = new ArrayList<>();
        ServiceLoader.load(BackendFactory.class).forEach(factories::add);
        assertThat(factories).anySatisfy(f -> {
            assertThat(f).isInstanceOf(LocalBackendFactory.class);
            assertThat(f.name()).isEqualTo("local");
            assertThat(f.schemes()).containsExactly("sqlite");
        });
    }

    @Test
    @DisplayName("sqlite:relative, sqlite:/abs and sqlite:///abs name the expected files")
    void uriForms() {
        assertThat(LocalSettings.parseUri("sqlite:data/q.db")).isEqualTo(Path.of("data/q.db").toAbsolutePath());
        assertThat(LocalSettings.parseUri("sqlite:/var/tmp/q.db")).isEqualTo(Path.of("/var/tmp/q.db"));
        assertThat(LocalSettings.parseUri("sqlite:///var/tmp/q.db")).isEqualTo(Path.of("/var/tmp/q.db"));
        assertThat(LocalSettings.parseUri("SQLITE:///var/tmp/../tmp/q.db")).isEqualTo(Path.of("/var/tmp/q.db"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis://localhost:6379", "sqlite:", "sqlite:  ", "sqlite://host/q.db",
            "sqlite:q.db?mode=ro", "sqlite::memory:", "sqlite:file:q.db"})
    @DisplayName("a bad URI is an INVALID_CONFIGURATION error quoting it")
    void badUri(String uri) {
        assertThatThrownBy(() -> open(uri, Map.of()))
                .isInstanceOfSatisfying(SergeantException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION))
                .hasMessageContaining("'" + uri + "'");
    }

    @Test
    @DisplayName("an unknown or invalid option is rejected naming the key and what is accepted")
    void badOptions() {
        String uri = "sqlite:" + directory.resolve("options.db");
        assertThatThrownBy(() -> open(uri, Map.of("busyTimout", "5s")))
                .isInstanceOfSatisfying(SergeantException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION))
                .hasMessageContaining("busyTimout").hasMessageContaining("busyTimeout");
        assertThatThrownBy(() -> open(uri, Map.of("synchronous", "sometimes")))
                .isInstanceOfSatisfying(SergeantException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION))
                .hasMessageContaining("sometimes").hasMessageContaining("NORMAL");
        assertThatThrownBy(() -> open(uri, Map.of("connections", "0")))
                .isInstanceOf(SergeantException.class).hasMessageContaining("connections");
    }

    @Test
    @DisplayName("valid options are accepted and the backend works with them")
    void validOptions() {
        try (Backend backend = open("sqlite:" + directory.resolve("full.db"), Map.of("busyTimeout", "2s",
                "synchronous", "full", "journalMode", "DELETE", "connections", "2"))) {
            backend.push("q", List.of(bytes("x")), Priority.NORMAL, null);
            assertThat(backend.pop("q", 5, DeliveryOptions.AT_MOST_ONCE)).hasSize(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"WAL", "wal", "DELETE", "TRUNCATE", "PERSIST"})
    @DisplayName("half pops cost about half a whole one (the split-pop hint) in WAL mode only, not with a rollback journal")
    void popsSplitCheaplyInWalModeOnly(String journalMode) {
        try (Backend backend = open("sqlite:" + directory.resolve(journalMode + ".db"), Map.of("journalMode", journalMode))) {
            assertThat(backend.popsSplitCheaply()).isEqualTo(journalMode.equalsIgnoreCase("WAL"));
        }
        try (Backend backend = open(directory.resolve("default.db"))) {
            assertThat(backend.popsSplitCheaply()).as("the default journal (DELETE)").isFalse();
        }
    }

    @Test
    @DisplayName("a file in a missing directory is created with its directories")
    void missingDirectoryIsCreated() {
        Path file = directory.resolve("a/b/c/queue.db");
        try (Backend backend = open(file)) {
            backend.push("q", List.of(bytes("x")), Priority.NORMAL, null);
            assertThat(backend.length("q", true)).isEqualTo(1);
        }
        assertThat(file).isRegularFile();
    }

    @Test
    @DisplayName("a directory that cannot be created is a BACKEND_UNAVAILABLE error naming it")
    void directoryCannotBeCreated() throws Exception {
        Path blocker = Files.writeString(directory.resolve("blocker"), "not a directory");
        assertThatThrownBy(() -> open(blocker.resolve("sub/queue.db")))
                .isInstanceOfSatisfying(SergeantException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE))
                .hasMessageContaining(blocker.resolve("sub").toString());
    }

    @Test
    @DisplayName("a file that is not a SQLite database is a BACKEND_REFUSED error")
    void notADatabase() throws Exception {
        Path garbage = directory.resolve("garbage.db");
        Files.write(garbage, "this is certainly not a sqlite database, it is just text ".repeat(100)
                .getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> open(garbage))
                .isInstanceOfSatisfying(SergeantException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_REFUSED))
                .hasMessageContaining("garbage.db");
    }

    @Test
    @DisplayName("a file locked by another writer past busyTimeout is BACKEND_UNAVAILABLE, and works again after")
    void busyFile() throws Exception {
        Path file = directory.resolve("busy.db");
        try (Backend backend = open("sqlite:" + file, Map.of("busyTimeout", "200ms"));
             Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = other.createStatement()) {
            statement.execute("BEGIN IMMEDIATE");
            long started = System.nanoTime();
            assertThatThrownBy(() -> backend.push("q", List.of(bytes("x")), Priority.NORMAL, null))
                    .isInstanceOfSatisfying(SergeantException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE))
                    .hasMessageContaining("busyTimeout");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
            assertThat(backend.length("q", true)).as("reads still work while another process writes").isZero();
            statement.execute("ROLLBACK");
            backend.push("q", List.of(bytes("x")), Priority.NORMAL, null);
            assertThat(backend.length("q", true)).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("a closed backend refuses work with ILLEGAL_ACTION")
    void closedBackend() {
        Backend backend = open(directory.resolve("closed.db"));
        backend.close();
        assertThatThrownBy(() -> backend.length("q", true))
                .isInstanceOfSatisfying(SergeantException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.ILLEGAL_ACTION));
    }

    @Test
    @DisplayName("a file created by Python Sergeant is upgraded in place and shared both ways in at-most-once mode")
    void sharesTheFileWithPythonSergeant() throws Exception {
        Path file = directory.resolve("python.db");
        try (Connection python = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = python.createStatement()) {
            // Python Sergeant's connector, docs/python-compat.md §3.4, verbatim.
            for (String ddl : List.of(
                    "CREATE TABLE IF NOT EXISTS task_queue (queue_name TEXT, priority REAL, value BLOB)",
                    "CREATE INDEX IF NOT EXISTS queue_by_priority ON task_queue (queue_name, priority)",
                    "CREATE TABLE IF NOT EXISTS keys (name TEXT, value BLOB)",
                    "CREATE UNIQUE INDEX IF NOT EXISTS key_by_name ON keys (name)",
                    "CREATE TABLE IF NOT EXISTS locks (name TEXT, expireAt REAL)",
                    "CREATE UNIQUE INDEX IF NOT EXISTS lock_by_name ON locks (name)",
                    "CREATE INDEX IF NOT EXISTS lock_by_expireAt ON locks (expireAt)")) {
                statement.execute(ddl);
            }
            pythonPush(python, "q", 1.0, "from-python");
            double now = Instant.now().toEpochMilli() / 1000.0;
            statement.execute("INSERT INTO locks (name, expireAt) VALUES ('held', " + (now + 60) + ")");
            statement.execute("INSERT INTO locks (name, expireAt) VALUES ('stale', " + (now - 60) + ")");
            statement.execute("INSERT INTO keys (name, value) VALUES ('k', X'0102')");
        }

        try (Backend backend = open(file);
             Connection python = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            assertThat(backend.keyRole().orElseThrow().keyGet("k")).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2));
            assertThat(backend.lockRole().orElseThrow().lockIsLocked("held")).isTrue();
            assertThat(backend.lockRole().orElseThrow().lockAcquire("held", "java", Duration.ofSeconds(5))).isFalse();
            assertThat(backend.lockRole().orElseThrow().lockAcquire("stale", "java", Duration.ofSeconds(5))).as("expired Python lock").isTrue();

            List<Delivery> popped = backend.pop("q", 10, DeliveryOptions.leased(Duration.ofSeconds(30), 3));
            assertThat(popped).extracting(d -> text(d.payload())).containsExactly("from-python");
            assertThat(backend.leaseRole().orElseThrow().ack("q", List.of(popped.get(0).receipt())).settled()).isEqualTo(1);

            Instant later = Instant.now().plusSeconds(3600);
            backend.push("q", List.of(bytes("normal")), Priority.NORMAL, null);
            backend.push("q", List.of(bytes("high")), Priority.HIGH, null);
            backend.push("q", List.of(bytes("delayed")), Priority.HIGH, later);
            assertThat(priorities(python)).containsExactly(1.0, 0.0, later.getEpochSecond() + later.getNano() / 1e9);
            assertThat(pythonPop(python, "q", 10)).containsExactlyInAnyOrder("normal", "high");
            assertThat(backend.length("q", true)).isEqualTo(1);
            assertThat(backend.length("q", false)).isZero();
        }
    }

    @Test
    @DisplayName("by default a Python Sergeant connection can join while the backend has the file open")
    void pythonJoinsWithTheDefaultJournal() throws Exception {
        Path file = directory.resolve("shared-with-python.db");
        try (Backend backend = open("sqlite:" + file, Map.of())) {
            backend.push("q", List.of(bytes("a"), bytes("b")), Priority.NORMAL, null);
            try (Connection python = DriverManager.getConnection("jdbc:sqlite:" + file);
                 Statement statement = python.createStatement()) {
                // What Python Sergeant's connector runs when it connects (docs/python-compat.md §3.4).
                statement.execute("PRAGMA journal_mode = OFF");
                statement.execute("PRAGMA synchronous = FULL");
                assertThat(pythonPop(python, "q", 1)).containsExactly("a");
                pythonPush(python, "q", 0.0, "python-high");
            }
            assertThat(backend.pop("q", 10, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .containsExactly("python-high", "b");
        }
    }

    @Test
    @DisplayName("the default settings are a rollback journal with synchronous FULL; WAL is one option away, with NORMAL")
    void defaultSettingsShareTheFileWithPython() throws Exception {
        LocalSettings defaults = LocalSettings.from(new BackendSpec("sqlite:" + directory.resolve("d.db"), Map.of()));
        assertThat(defaults.journalMode()).isEqualTo("DELETE");
        assertThat(defaults.synchronous()).isEqualTo("FULL");
        LocalSettings wal = LocalSettings.from(new BackendSpec("sqlite:" + directory.resolve("w.db"), Map.of("journalMode", "wal")));
        assertThat(wal.journalMode()).isEqualTo("WAL");
        assertThat(wal.synchronous()).isEqualTo("NORMAL");

        Path file = directory.resolve("wal.db");
        try (Backend backend = open("sqlite:" + file, Map.of("journalMode", "WAL"))) {
            backend.push("q", List.of(bytes("a")), Priority.NORMAL, null);
            try (Connection python = DriverManager.getConnection("jdbc:sqlite:" + file);
                 Statement statement = python.createStatement()) {
                statement.execute("PRAGMA busy_timeout = 200");
                // Python's first statement on the file fails while a WAL-mode holder keeps it open.
                assertThatThrownBy(() -> statement.execute("PRAGMA journal_mode = OFF"))
                        .isInstanceOf(SQLException.class).hasMessageContaining("locked");
            }
        }
    }

    @Test
    @DisplayName("a python3 process doing what Python Sergeant's SQLite connector does shares the file with a running backend")
    void realPythonSharesTheDefaultFile() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(python3() != null, "python3 is not installed");
        Path file = directory.resolve("python-and-java.db");
        try (Backend backend = open("sqlite:" + file, Map.of())) {
            backend.push("q", List.of(bytes("java-1"), bytes("java-2")), Priority.NORMAL, null);
            // Python Sergeant's connector (docs/python-compat.md §3.4): connect with timeout 10 in
            // autocommit, journal OFF, synchronous FULL, its CREATE statements, then a pop and a push.
            String script = String.join("\n",
                    "import sqlite3, sys, time",
                    "c = sqlite3.connect(sys.argv[1], check_same_thread=False, isolation_level=None, timeout=10.0)",
                    "c.execute('PRAGMA journal_mode = OFF')",
                    "c.execute('PRAGMA synchronous = FULL')",
                    "c.execute('CREATE TABLE IF NOT EXISTS task_queue (queue_name TEXT, priority REAL, value BLOB)')",
                    "c.execute('CREATE INDEX IF NOT EXISTS queue_by_priority ON task_queue (queue_name, priority)')",
                    "c.execute('CREATE TABLE IF NOT EXISTS keys (name TEXT, value BLOB)')",
                    "c.execute('CREATE UNIQUE INDEX IF NOT EXISTS key_by_name ON keys (name)')",
                    "c.execute('CREATE TABLE IF NOT EXISTS locks (name TEXT, expireAt REAL)')",
                    "c.execute('CREATE UNIQUE INDEX IF NOT EXISTS lock_by_name ON locks (name)')",
                    "c.execute('CREATE INDEX IF NOT EXISTS lock_by_expireAt ON locks (expireAt)')",
                    "rows = c.execute('DELETE FROM task_queue WHERE rowid in (SELECT rowid FROM task_queue WHERE queue_name = ?"
                            + " AND priority <= ? LIMIT ?) RETURNING value', ('q', time.time(), 1)).fetchall()",
                    "print(rows[0][0].decode())",
                    "c.execute('INSERT INTO task_queue (queue_name, priority, value) VALUES(?,?,?)',"
                            + " ('q', 0.0, b'python-high'))",
                    "c.close()");
            Process python = new ProcessBuilder(python3(), "-c", script, file.toString()).redirectErrorStream(true).start();
            String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertThat(python.waitFor()).as("python3 output: " + output).isZero();
            assertThat(output).isEqualTo("java-1");
            assertThat(backend.pop("q", 10, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .containsExactly("python-high", "java-2");
        }
    }

    @Test
    @DisplayName("a python3 process doing what Python Sergeant's SQLite connector does never sees Java's in-flight tasks (length,"
            + " pop, delete) and takes them after a Java reap put them back; Java acks what it kept")
    void realPythonBesideJavaLeases() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(python3() != null, "python3 is not installed");
        Path file = directory.resolve("python-and-leases.db");
        try (Backend backend = open("sqlite:" + file, Map.of())) {
            backend.push("q", List.of(bytes("kept"), bytes("expires"), bytes("ready")), Priority.NORMAL, null);
            List<Delivery> kept = backend.pop("q", 1, DeliveryOptions.leased(Duration.ofSeconds(60), 5));
            List<Delivery> expiring = backend.pop("q", 1, DeliveryOptions.leased(Duration.ofMillis(200), 5));
            // Python Sergeant's connector (docs/python-compat.md §3.4): length with delayed, then a pop of 10.
            String script = String.join("\n",
                    "import sqlite3, sys, time",
                    "c = sqlite3.connect(sys.argv[1], check_same_thread=False, isolation_level=None, timeout=10.0)",
                    "c.execute('PRAGMA journal_mode = OFF')",
                    "c.execute('PRAGMA synchronous = FULL')",
                    "n = c.execute('SELECT COUNT(*) FROM task_queue WHERE queue_name = ?', ('q',)).fetchone()[0]",
                    "rows = c.execute('DELETE FROM task_queue WHERE rowid in (SELECT rowid FROM task_queue WHERE queue_name = ?"
                            + " AND priority <= ? LIMIT ?) RETURNING value', ('q', time.time(), 10)).fetchall()",
                    "print(n, ','.join(sorted(r[0].decode() for r in rows)))",
                    "c.close()");
            assertThat(runPython(script, file)).as("Python sees the ready task only").isEqualTo("1 ready");
            Thread.sleep(400); // the short lease expires: still out of Python's sight until Java puts it back
            assertThat(runPython(script, file)).isEqualTo("0");
            assertThat(backend.leaseRole().orElseThrow().reap("q", 5).redelivered()).isEqualTo(1);
            assertThat(runPython(script, file)).as("back in task_queue after the reap").isEqualTo("1 expires");
            assertThat(backend.leaseRole().orElseThrow().ack("q", List.of(kept.get(0).receipt())).settled()).isEqualTo(1);
            assertThat(backend.leaseRole().orElseThrow().ack("q", List.of(expiring.get(0).receipt())).refused())
                    .containsExactly(expiring.get(0).receipt());
            assertThat(backend.length("q", true)).isZero();
        }
    }

    private static String runPython(String script, Path file) throws Exception {
        Process python = new ProcessBuilder(python3(), "-c", script, file.toString()).redirectErrorStream(true).start();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(python.waitFor()).as("python3 output: " + output).isZero();
        return output;
    }

    private static String python3() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "python3");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    private static void pythonPush(Connection python, String queue, double priority, String value) throws SQLException {
        try (PreparedStatement insert = python.prepareStatement(
                "INSERT INTO task_queue (queue_name, priority, value) VALUES(?,?,?)")) {
            insert.setString(1, queue);
            insert.setDouble(2, priority);
            insert.setBytes(3, bytes(value));
            insert.executeUpdate();
        }
    }

    private static List<String> pythonPop(Connection python, String queue, int n) throws SQLException {
        List<String> result = new ArrayList<>();
        try (PreparedStatement pop = python.prepareStatement("DELETE FROM task_queue WHERE rowid in "
                + "(SELECT rowid FROM task_queue WHERE queue_name = ? AND priority <= ? LIMIT ?) RETURNING value")) {
            pop.setString(1, queue);
            pop.setDouble(2, Instant.now().toEpochMilli() / 1000.0);
            pop.setInt(3, n);
            try (ResultSet rows = pop.executeQuery()) {
                while (rows.next()) {
                    result.add(text(rows.getBytes(1)));
                }
            }
        }
        return result;
    }

    private static List<Double> priorities(Connection python) throws SQLException {
        List<Double> result = new ArrayList<>();
        try (Statement statement = python.createStatement();
             ResultSet rows = statement.executeQuery("SELECT priority FROM task_queue ORDER BY rowid")) {
            while (rows.next()) {
                result.add(rows.getDouble(1));
            }
        }
        return result;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] payload) {
        return new String(payload, StandardCharsets.UTF_8);
    }
}
