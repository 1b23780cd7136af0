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

    /** Python Sergeant's own statements (reference §3.4), unchanged. */
    private static final List<String> PYTHON_TABLES = List.of(
            "CREATE TABLE IF NOT EXISTS task_queue (queue_name TEXT, priority REAL, value BLOB)",
            "CREATE INDEX IF NOT EXISTS queue_by_priority ON task_queue (queue_name, priority)",
            "CREATE TABLE IF NOT EXISTS keys (name TEXT, value BLOB)",
            "CREATE UNIQUE INDEX IF NOT EXISTS key_by_name ON keys (name)",
            "CREATE TABLE IF NOT EXISTS locks (name TEXT, expireAt REAL)",
            "CREATE UNIQUE INDEX IF NOT EXISTS lock_by_name ON locks (name)",
            "CREATE INDEX IF NOT EXISTS lock_by_expireAt ON locks (expireAt)");

    /** Tables only Sergeant for Java uses. */
    private static final List<String> JAVA_TABLES = List.of(
            "CREATE TABLE IF NOT EXISTS sergeant_leases ("
                    + "id INTEGER PRIMARY KEY, queue_name TEXT NOT NULL, priority REAL NOT NULL, value BLOB NOT NULL,"
                    + " token INTEGER NOT NULL, delivery_count INTEGER NOT NULL, lease_until REAL NOT NULL)",
            "CREATE INDEX IF NOT EXISTS sergeant_leases_by_expiry ON sergeant_leases (queue_name, lease_until)",
            "CREATE TABLE IF NOT EXISTS sergeant_dead_letters ("
                    + "id INTEGER PRIMARY KEY AUTOINCREMENT, queue_name TEXT NOT NULL, value BLOB NOT NULL,"
                    + " reason TEXT NOT NULL, delivery_count INTEGER NOT NULL, dead_at REAL NOT NULL)",
            "CREATE INDEX IF NOT EXISTS sergeant_dead_letters_by_queue ON sergeant_dead_letters (queue_name, id)");

    private Schema() {
    }

    /** Creates what is missing; adds the nullable Java columns to Python's tables if absent. */
    static void apply(PooledConnection connection) throws SQLException {
        connection.begin();
        boolean done = false;
        try {
            for (String ddl : PYTHON_TABLES) {
                connection.execute(ddl);
            }
            addColumnIfMissing(connection, "task_queue", "delivery_count", "INTEGER");
            addColumnIfMissing(connection, "locks", "owner", "TEXT");
            for (String ddl : JAVA_TABLES) {
                connection.execute(ddl);
            }
            connection.commit();
            done = true;
        } finally {
            if (!done) {
                connection.rollbackQuietly();
            }
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
