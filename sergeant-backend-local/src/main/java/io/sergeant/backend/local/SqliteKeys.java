package io.sergeant.backend.local;

import io.sergeant.spi.backend.BackendKeys;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Objects;
import java.util.Optional;

/** The key role on Python Sergeant's table {@code keys (name, value)}. Thread safe. */
final class SqliteKeys implements BackendKeys {

    private static final String KEY_UPDATE = "UPDATE keys SET value = ? WHERE name = ?";
    private static final String KEY_INSERT = "INSERT INTO keys (name, value) VALUES (?, ?)";
    private static final String KEY_GET = "SELECT value FROM keys WHERE name = ?";
    private static final String KEY_DELETE = "DELETE FROM keys WHERE name = ?";

    private final SqliteFile file;

    SqliteKeys(SqliteFile file) {
        this.file = Objects.requireNonNull(file, "file is null");
    }

    @Override
    public boolean keySet(String key, byte[] value) {
        Objects.requireNonNull(key, "key is null");
        Objects.requireNonNull(value, "value is null");
        return file.inTransaction("key set", connection -> {
            PreparedStatement update = connection.prepare(KEY_UPDATE);
            update.setBytes(1, value);
            update.setString(2, key);
            if (update.executeUpdate() > 0) {
                return false;
            }
            PreparedStatement insert = connection.prepare(KEY_INSERT);
            insert.setString(1, key);
            insert.setBytes(2, value);
            insert.executeUpdate();
            return true;
        });
    }

    @Override
    public Optional<byte[]> keyGet(String key) {
        Objects.requireNonNull(key, "key is null");
        return file.inConnection("key get", connection -> {
            PreparedStatement get = connection.prepare(KEY_GET);
            get.setString(1, key);
            try (ResultSet result = get.executeQuery()) {
                if (!result.next()) {
                    return Optional.empty();
                }
                byte[] value = result.getBytes(1);
                return Optional.of(value == null ? new byte[0] : value);
            }
        });
    }

    @Override
    public boolean keyDelete(String key) {
        Objects.requireNonNull(key, "key is null");
        return file.inConnection("key delete", connection -> {
            PreparedStatement delete = connection.prepare(KEY_DELETE);
            delete.setString(1, key);
            return delete.executeUpdate() > 0;
        });
    }
}
