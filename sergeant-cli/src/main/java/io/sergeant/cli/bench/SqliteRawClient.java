package io.sergeant.cli.bench;

import org.sqlite.SQLiteConfig;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * SQLite's raw limit with sqlite-jdbc on the benchmarked file and its {@code task_queue} table (Python
 * Sergeant's layout, the backend's journal mode and its {@code synchronous} for that mode): one
 * autocommit {@code INSERT} per item; batched {@code INSERT}s in one {@code BEGIN IMMEDIATE}
 * transaction per chunk; and the backend's own pop statement, {@code DELETE ... LIMIT batch
 * RETURNING}, in a loop.
 */
final class SqliteRawClient implements RawClient {

    private static final String INSERT = "INSERT INTO task_queue (queue_name, priority, value) VALUES (?, 1.0, ?)";
    private static final String POP = "DELETE FROM task_queue WHERE rowid IN (SELECT rowid FROM task_queue"
            + " WHERE queue_name = ? AND priority <= ? ORDER BY priority, rowid LIMIT ?)"
            + " RETURNING rowid, priority, value";

    private final Connection connection;
    private final PreparedStatement insert;
    private final PreparedStatement pop;


    /** Opens the file with {@code journalMode} ({@code WAL} or a rollback journal such as {@code DELETE}). */
    SqliteRawClient(Path file, String journalMode) {
        try {
            SQLiteConfig config = new SQLiteConfig();
            config.setBusyTimeout(10_000);
            this.connection = config.createConnection("jdbc:sqlite:" + file);
            try (Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA journal_mode = " + journalMode);
                statement.execute("PRAGMA synchronous = " + (journalMode.equals("WAL") ? "NORMAL" : "FULL"));
                statement.execute("CREATE TABLE IF NOT EXISTS task_queue (queue_name TEXT, priority REAL, value BLOB)");
                statement.execute("CREATE INDEX IF NOT EXISTS queue_by_priority ON task_queue (queue_name, priority)");
            }
            this.insert = connection.prepareStatement(INSERT);
            this.pop = connection.prepareStatement(POP);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open sqlite file " + file + " for the raw limit: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return "sqlite-jdbc: INSERT / batched INSERT per transaction / DELETE ... RETURNING";
    }

    @Override
    public void pushOneByOne(List<byte[]> items) {
        try {
            for (byte[] item : items) {
                insert.setString(1, QUEUE);
                insert.setBytes(2, item);
                insert.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("raw sqlite insert failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void pushBulk(List<byte[]> items, int chunk) {
        try (Statement statement = connection.createStatement()) {
            for (int from = 0; from < items.size(); from += chunk) {
                statement.execute("BEGIN IMMEDIATE");
                for (byte[] item : items.subList(from, Math.min(items.size(), from + chunk))) {
                    insert.setString(1, QUEUE);
                    insert.setBytes(2, item);
                    insert.addBatch();
                }
                insert.executeBatch();
                statement.execute("COMMIT");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("raw sqlite batched insert failed: " + e.getMessage(), e);
        }
    }

    @Override
    public long popAll(int batch) {
        long total = 0;
        try {
            while (true) {
                pop.setString(1, QUEUE);
                pop.setDouble(2, System.currentTimeMillis() / 1000.0);
                pop.setInt(3, batch);
                int rows = 0;
                try (ResultSet result = pop.executeQuery()) {
                    while (result.next()) {
                        result.getLong(1);
                        result.getDouble(2);
                        result.getBytes(3);
                        rows++;
                    }
                }
                if (rows == 0) {
                    return total;
                }
                total += rows;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("raw sqlite delete-returning failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void clear() {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM task_queue WHERE queue_name = ?")) {
            delete.setString(1, QUEUE);
            delete.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("raw sqlite delete failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            insert.close();
            pop.close();
            connection.close();
        } catch (SQLException e) {
            // closing anyway
        }
    }
}
