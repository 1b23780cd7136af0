package io.sergeant.backend.local;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * One SQLite connection with its prepared statements, reused for its whole life. Not thread safe:
 * exactly one thread uses it at a time (the pool guarantees this).
 */
final class PooledConnection implements AutoCloseable {

    private final Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private boolean inTransaction;

    PooledConnection(Connection connection) {
        this.connection = connection;
    }

    /** The statement for {@code sql}, prepared once per connection. */
    PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement statement = statements.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            statements.put(sql, statement);
        }
        return statement;
    }

    /**
     * The statement for {@code sql} (prepared once per connection) with {@code parameters} bound in order
     * from 1, each by its type ({@link PreparedStatement#setObject(int, Object)}: String, Integer, Long,
     * Double, byte[], null).
     */
    PreparedStatement prepare(String sql, Object... parameters) throws SQLException {
        PreparedStatement statement = prepare(sql);
        for (int i = 0; i < parameters.length; i++) {
            statement.setObject(i + 1, parameters[i]);
        }
        return statement;
    }

    /**
     * The longest string or blob SQLite stores on this connection ({@code SQLITE_LIMIT_LENGTH}: 1,000,000,000
     * bytes unless lowered).
     */
    long longestValue() throws SQLException {
        return ((org.sqlite.SQLiteConnection) connection).getDatabase().limit(org.sqlite.SQLiteLimits.SQLITE_LIMIT_LENGTH.getId(), -1);
    }

    /** Runs a statement that returns nothing (PRAGMA, DDL). */
    void execute(String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** Starts a write transaction, taking the database's write lock now (waiting up to the busy timeout). */
    void begin() throws SQLException {
        prepare("BEGIN IMMEDIATE").executeUpdate();
        inTransaction = true;
    }

    void commit() throws SQLException {
        prepare("COMMIT").executeUpdate();
        inTransaction = false;
    }

    /** Rolls back if a transaction is open; never throws (the original failure matters more). */
    void rollbackQuietly() {
        if (!inTransaction) {
            return;
        }
        inTransaction = false;
        try (Statement statement = connection.createStatement()) {
            statement.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // Nothing open any more (SQLite may roll back by itself after some errors).
        }
    }

    @Override
    public void close() {
        for (PreparedStatement statement : statements.values()) {
            try {
                statement.close();
            } catch (SQLException ignored) {
                // Closing anyway.
            }
        }
        statements.clear();
        try {
            connection.close();
        } catch (SQLException ignored) {
            // Closing anyway.
        }
    }
}
