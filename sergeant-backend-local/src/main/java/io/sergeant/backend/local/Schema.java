package io.sergeant.backend.local;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Creates and upgrades the tables of a local backend file; see the package documentation for the
 * layout. Idempotent, and safe when several processes open the same new file at once: it runs in one
 * {@code BEGIN IMMEDIATE} transaction, so only one process creates or alters at a time.
 */
final class Schema {

    /** Python Sergeant's own statements (docs/python-compat.md §3.4), unchanged. */
    private static final List<String> PYTHON_TABLES = List.of(
            "CREATE TABLE IF NOT EXISTS task_queue (queue_name TEXT, priority REAL, value BLOB)",
            "CREATE INDEX IF NOT EXISTS queue_by_priority ON task_queue (queue_name, priority)",
            "CREATE TABLE IF NOT EXISTS keys (name TEXT, value BLOB)",
            "CREATE UNIQUE INDEX IF NOT EXISTS key_by_name ON keys (name)",
            "CREATE TABLE IF NOT EXISTS locks (name TEXT, expireAt REAL)",
            "CREATE UNIQUE INDEX IF NOT EXISTS lock_by_name ON locks (name)",
            "CREATE INDEX IF NOT EXISTS lock_by_expireAt ON locks (expireAt)");

    /**
     * The dead letters, the payload ({@code value}) last: SQLite keeps a long payload in a chain of
     * overflow pages, and reading any column stored after it walks that chain; with the payload last, a
     * listing reads the other columns and {@code length(value)} (the record header's size) without
     * reading one payload page.
     */
    private static final String DEAD_LETTERS_TABLE = "CREATE TABLE IF NOT EXISTS %s ("
            + "id INTEGER PRIMARY KEY AUTOINCREMENT, queue_name TEXT NOT NULL, reason TEXT NOT NULL,"
            + " delivery_count INTEGER NOT NULL, dead_at REAL NOT NULL, value BLOB NOT NULL)";

    /** Tables only Sergeant for Java uses. */
    private static final List<String> JAVA_TABLES = List.of(
            DEAD_LETTERS_TABLE.formatted("sergeant_dead_letters"),
            "CREATE INDEX IF NOT EXISTS sergeant_dead_letters_by_queue ON sergeant_dead_letters (queue_name, id)",
            // The worker registry (monitoring role): one row per live worker, dropped when expires_at passed.
            "CREATE TABLE IF NOT EXISTS sergeant_workers (id TEXT PRIMARY KEY, record BLOB NOT NULL, expires_at REAL NOT NULL)",
            // One row per leased batch (BatchLeases): its state, then its tasks in a table of their own, written
            // once by the pop and deleted with the batch, so settling part of a batch rewrites only the state.
            "CREATE TABLE IF NOT EXISTS sergeant_lease_batches (id INTEGER PRIMARY KEY, queue_name TEXT NOT NULL,"
                    + " deadline REAL NOT NULL, token INTEGER NOT NULL, pending INTEGER NOT NULL, slots BLOB NOT NULL,"
                    + " deadlines BLOB NOT NULL)",
            "CREATE INDEX IF NOT EXISTS sergeant_lease_batches_by_deadline ON sergeant_lease_batches (queue_name, deadline)",
            "CREATE TABLE IF NOT EXISTS sergeant_lease_tasks (batch_id INTEGER PRIMARY KEY, tasks BLOB NOT NULL)",
            // The previous version's leases in place (LegacyLeases): one row per leasing pop (and per extension),
            // where its leases sit in task_queue. Kept while such leases may exist; new pops add none.
            "CREATE TABLE IF NOT EXISTS sergeant_lease_deadlines (queue_name TEXT NOT NULL, deadline REAL NOT NULL,"
                    + " pop_number INTEGER NOT NULL)",
            "CREATE INDEX IF NOT EXISTS sergeant_lease_deadlines_by_queue ON sergeant_lease_deadlines (queue_name, deadline)");

    private Schema() {
    }

    /**
     * The leases table of earlier versions, which moved leased rows out of {@code task_queue}. Its rows
     * go back into {@code task_queue}, still leased until their deadline under the same token, and
     * the table is dropped.
     */
    private static final String OLD_LEASES = "sergeant_leases";
    /**
     * The partial index on leased rows of earlier versions ({@code WHERE lease_token IS NOT NULL}), one
     * entry per leased row, replaced by {@code sergeant_lease_deadlines}.
     */
    private static final String OLD_LEASE_INDEX = "sergeant_task_leases_by_deadline";
    /**
     * A lease-deadline row for each lease that has none: every leased row of a file written by an earlier
     * version (each with a random token of its own, so its own pop number, token XOR rowid; XOR written
     * {@code (a | b) - (a & b)}). A duplicate row is harmless: it is dropped with the other when its
     * deadline passed.
     */
    private static final String RECORD_OLD_LEASES =
            "INSERT INTO sergeant_lease_deadlines (queue_name, deadline, pop_number)"
                    + " SELECT DISTINCT queue_name, priority, (lease_token | rowid) - (lease_token & rowid) FROM task_queue"
                    + " WHERE lease_token IS NOT NULL";
    private static final String MOVE_OLD_LEASES =
            "INSERT INTO task_queue (queue_name, priority, value, delivery_count, lease_token, lease_priority)"
                    + " SELECT queue_name, lease_until, value, delivery_count, token, priority FROM " + OLD_LEASES
                    + " ORDER BY id";

    /**
     * Creates what is missing; adds the nullable Java columns to Python's tables if absent; moves the
     * leases of a file written by an earlier version back into {@code task_queue}; replaces the partial
     * index on leased rows of earlier versions by lease-deadline rows.
     */
    static void apply(PooledConnection connection) throws SQLException {
        connection.begin();
        boolean done = false;
        try {
            for (String ddl : PYTHON_TABLES) {
                connection.execute(ddl);
            }
            addColumnIfMissing(connection, "task_queue", "delivery_count", "INTEGER");
            addColumnIfMissing(connection, "task_queue", "lease_token", "INTEGER");
            addColumnIfMissing(connection, "task_queue", "lease_priority", "REAL");
            addColumnIfMissing(connection, "locks", "owner", "TEXT");
            putDeadLetterPayloadsLast(connection);
            for (String ddl : JAVA_TABLES) {
                connection.execute(ddl);
            }
            boolean oldLeases = false;
            if (tableExists(connection, OLD_LEASES)) {
                connection.execute(MOVE_OLD_LEASES);
                connection.execute("DROP TABLE " + OLD_LEASES);
                oldLeases = true;
            }
            // Also when a process of the earlier version created the index again: its leases get rows too.
            if (exists(connection, "index", OLD_LEASE_INDEX)) {
                connection.execute("DROP INDEX " + OLD_LEASE_INDEX);
                oldLeases = true;
            }
            if (oldLeases) {
                connection.execute(RECORD_OLD_LEASES);
            }
            connection.commit();
            done = true;
        } finally {
            if (!done) {
                connection.rollbackQuietly();
            }
        }
    }

    /**
     * Rebuilds a dead-letter table of earlier versions, whose payload came before the reason, count and
     * time, with the payload last (see {@link #DEAD_LETTERS_TABLE}); ids are kept, and AUTOINCREMENT goes
     * on above the highest. The index is created again by {@link #JAVA_TABLES}.
     */
    private static void putDeadLetterPayloadsLast(PooledConnection connection) throws SQLException {
        if (!tableExists(connection, "sergeant_dead_letters")) {
            return;
        }
        String last = null;
        PreparedStatement info = connection.prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid");
        info.setString(1, "sergeant_dead_letters");
        try (ResultSet rows = info.executeQuery()) {
            while (rows.next()) {
                last = rows.getString(1);
            }
        }
        if ("value".equals(last)) {
            return;
        }
        connection.execute(DEAD_LETTERS_TABLE.formatted("sergeant_dead_letters_rebuilt"));
        connection.execute("INSERT INTO sergeant_dead_letters_rebuilt (id, queue_name, reason, delivery_count, dead_at, value)"
                + " SELECT id, queue_name, reason, delivery_count, dead_at, value FROM sergeant_dead_letters");
        connection.execute("DROP TABLE sergeant_dead_letters");
        connection.execute("ALTER TABLE sergeant_dead_letters_rebuilt RENAME TO sergeant_dead_letters");
    }

    private static boolean tableExists(PooledConnection connection, String table) throws SQLException {
        return exists(connection, "table", table);
    }

    private static boolean exists(PooledConnection connection, String type, String name) throws SQLException {
        PreparedStatement query = connection.prepare("SELECT 1 FROM sqlite_schema WHERE type = ? AND name = ?");
        query.setString(1, type);
        query.setString(2, name);
        try (ResultSet rows = query.executeQuery()) {
            return rows.next();
        }
    }

    private static void addColumnIfMissing(PooledConnection connection, String table, String column, String type)
            throws SQLException {
        Set<String> columns = new HashSet<>();
        PreparedStatement info = connection.prepare("SELECT name FROM pragma_table_info(?)");
        info.setString(1, table);
        try (ResultSet rows = info.executeQuery()) {
            while (rows.next()) {
                columns.add(rows.getString(1));
            }
        }
        if (!columns.contains(column)) {
            connection.execute("ALTER TABLE " + table + " ADD COLUMN " + column + " " + type);
        }
    }
}
