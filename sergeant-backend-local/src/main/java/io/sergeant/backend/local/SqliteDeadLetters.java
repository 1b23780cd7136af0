package io.sergeant.backend.local;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.DeadLetterInfo;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.Receipt;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The dead-letter role on the table {@code sergeant_dead_letters}, which Python Sergeant never
 * touches: the payload byte for byte, the reason, the deliveries and the time. Thread safe.
 */
final class SqliteDeadLetters implements BackendDeadLetters {

    private static final String DEAD =
            "INSERT INTO sergeant_dead_letters (queue_name, value, reason, delivery_count, dead_at) VALUES (?, ?, ?, ?, ?)";
    private static final String DEAD_LIST =
            "SELECT id, value, reason, delivery_count, dead_at FROM sergeant_dead_letters"
                    + " WHERE queue_name = ? ORDER BY id LIMIT ?";
    private static final String DEAD_REQUEUE =
            "INSERT INTO task_queue (queue_name, priority, value)"
                    + " SELECT queue_name, " + SqliteQueue.NORMAL + ", value FROM sergeant_dead_letters"
                    + " WHERE queue_name = ? ORDER BY id";
    private static final String DEAD_REQUEUE_ONE =
            "INSERT INTO task_queue (queue_name, priority, value)"
                    + " SELECT queue_name, " + SqliteQueue.NORMAL + ", value FROM sergeant_dead_letters"
                    + " WHERE queue_name = ? AND id = ?";
    private static final String DEAD_DELETE_ONE = "DELETE FROM sergeant_dead_letters WHERE queue_name = ? AND id = ?";
    private static final String DEAD_PURGE = "DELETE FROM sergeant_dead_letters WHERE queue_name = ?";

    /** Ids per {@code IN (...)} of {@link #deadLettersById}, well under SQLite's bound-parameter limit. */
    private static final int BY_ID_CHUNK = 512;

    private final SqliteFile file;
    private final SqliteLeases leases;

    private static final System.Logger LOG = System.getLogger(SqliteDeadLetters.class.getName());
    private static final String DEAD_LIST_SIZES =
            "SELECT id, length(value), reason, delivery_count, dead_at FROM sergeant_dead_letters"
                    + " WHERE queue_name = ? ORDER BY id LIMIT ?";
    /** Deletes a queue's oldest dead letters beyond the newest {@code maxDeadLetters}. */
    private static final String TRIM_DEAD =
            "DELETE FROM sergeant_dead_letters WHERE queue_name = ? AND id <= (SELECT id FROM sergeant_dead_letters"
                    + " WHERE queue_name = ? ORDER BY id DESC LIMIT 1 OFFSET ?)";

    /**
     * Keeps the newest {@code maxDeadLetters} dead letters of the queue after {@code added} were just
     * stored in this transaction; what is deleted is counted in the log.
     */
    static void trim(PooledConnection connection, LocalSettings settings, String queue, int added) throws SQLException {
        if (added <= 0 || settings.maxDeadLetters() == 0) {
            return;
        }
        PreparedStatement trim = connection.prepare(TRIM_DEAD);
        trim.setString(1, queue);
        trim.setString(2, queue);
        trim.setInt(3, settings.maxDeadLetters());
        int trimmed = trim.executeUpdate();
        if (trimmed > 0) {
            LOG.log(System.Logger.Level.WARNING, "queue '" + queue + "' holds more than " + settings.maxDeadLetters()
                    + " dead letters (option 'maxDeadLetters'): deleted the " + trimmed + " oldest");
        }
    }

    /** The dead-letter reason of a payload over {@code maxPayloadSize}. */
    static String oversizedReason(LocalSettings settings, long length) {
        return "undecodable: the payload has " + length + " bytes, over the maximum encoded size of "
                + settings.maxPayloadBytes() + " bytes (limits.maxEncodedBytes); the backend refused it before it"
                + " reached a worker";
    }

    SqliteDeadLetters(SqliteFile file, SqliteLeases leases) {
        this.file = Objects.requireNonNull(file, "file is null");
        this.leases = Objects.requireNonNull(leases, "leases is null");
    }

    /** Stores one dead letter in the caller's transaction (the caller trims, see {@link #trim}). */
    static void insert(PooledConnection connection, String queue, byte[] payload, String reason, int deliveries,
                       double now) throws SQLException {
        connection.prepare(DEAD, queue, payload, reason, deliveries, now).executeUpdate();
    }

    @Override
    public boolean deadLetter(String queue, Delivery delivery, String reason) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(delivery, "delivery is null");
        Objects.requireNonNull(reason, "reason is null");
        double now = file.now();
        if (!delivery.leased()) {
            return file.inTransaction("dead-letter", connection -> {
                insert(connection, queue, delivery.payload(), reason, 1, now);
                trim(connection, file.settings(), queue, 1);
                return true;
            });
        }
        Receipt receipt = delivery.receipt();
        return file.inTransaction("dead-letter", connection -> leases.deadLetter(connection, queue, receipt, reason));
    }

    /** The listing without payloads: {@code length(value)} in SQL, so no payload is read. */
    @Override
    public List<DeadLetterInfo> deadLetterInfos(String queue, int limit) {
        Objects.requireNonNull(queue, "queue is null");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        return file.inConnection("list dead letters", connection -> {
            PreparedStatement list = connection.prepare(DEAD_LIST_SIZES);
            list.setString(1, queue);
            list.setInt(2, limit);
            List<DeadLetterInfo> result = new ArrayList<>();
            try (ResultSet rows = list.executeQuery()) {
                while (rows.next()) {
                    result.add(new DeadLetterInfo(Long.toString(rows.getLong(1)), rows.getLong(2), rows.getString(3),
                            rows.getInt(4), rows.getDouble(5)));
                }
            }
            return result;
        });
    }

    @Override
    public List<DeadLetter> deadLetters(String queue, int limit) {
        Objects.requireNonNull(queue, "queue is null");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        return file.inConnection("list dead letters", connection -> {
            PreparedStatement list = connection.prepare(DEAD_LIST);
            list.setString(1, queue);
            list.setInt(2, limit);
            List<DeadLetter> result = new ArrayList<>();
            try (ResultSet rows = list.executeQuery()) {
                while (rows.next()) {
                    result.add(new DeadLetter(Long.toString(rows.getLong(1)), rows.getBytes(2), rows.getString(3),
                            rows.getInt(4), rows.getDouble(5)));
                }
            }
            return result;
        });
    }

    /** {@code SELECT ... WHERE id IN (...)}, a few hundred ids per statement. */
    @Override
    public List<DeadLetter> deadLettersById(String queue, List<String> ids) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(ids, "ids is null");
        List<Long> rowIds = new ArrayList<>();
        for (String id : ids) {
            Long rowId = rowId(id);
            if (rowId != null) {
                rowIds.add(rowId);
            }
        }
        java.util.Map<String, DeadLetter> read = new java.util.HashMap<>();
        for (int from = 0; from < rowIds.size(); from += BY_ID_CHUNK) {
            List<Long> chunk = rowIds.subList(from, Math.min(rowIds.size(), from + BY_ID_CHUNK));
            // Padded (repeating the last id) to a power of two, so a connection prepares at most ten of these.
            int slots = Integer.highestOneBit(chunk.size()) == chunk.size() ? chunk.size() : Integer.highestOneBit(chunk.size()) * 2;
            String sql = "SELECT id, value, reason, delivery_count, dead_at FROM sergeant_dead_letters WHERE queue_name = ?"
                    + " AND id IN (" + String.join(", ", java.util.Collections.nCopies(slots, "?")) + ")";
            file.inConnection("read dead letters", connection -> {
                PreparedStatement select = connection.prepare(sql);
                select.setString(1, queue);
                for (int i = 0; i < slots; i++) {
                    select.setLong(i + 2, chunk.get(Math.min(i, chunk.size() - 1)));
                }
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        String id = Long.toString(rows.getLong(1));
                        read.put(id, new DeadLetter(id, rows.getBytes(2), rows.getString(3), rows.getInt(4),
                                rows.getDouble(5)));
                    }
                }
                return null;
            });
        }
        return ids.stream().map(read::get).filter(Objects::nonNull).toList();
    }

    @Override
    public long requeueDeadLetters(String queue) {
        Objects.requireNonNull(queue, "queue is null");
        return file.inTransaction("requeue dead letters", connection -> {
            PreparedStatement requeue = connection.prepare(DEAD_REQUEUE);
            requeue.setString(1, queue);
            int moved = requeue.executeUpdate();
            PreparedStatement purge = connection.prepare(DEAD_PURGE);
            purge.setString(1, queue);
            purge.executeUpdate();
            return (long) moved;
        });
    }

    @Override
    public long purgeDeadLetters(String queue) {
        Objects.requireNonNull(queue, "queue is null");
        return file.inConnection("purge dead letters", connection -> {
            PreparedStatement purge = connection.prepare(DEAD_PURGE);
            purge.setString(1, queue);
            return (long) purge.executeUpdate();
        });
    }

    @Override
    public boolean requeueDeadLetter(String queue, String id) {
        Objects.requireNonNull(queue, "queue is null");
        Long rowId = rowId(id);
        if (rowId == null) {
            return false;
        }
        return file.inTransaction("requeue a dead letter", connection -> {
            PreparedStatement requeue = connection.prepare(DEAD_REQUEUE_ONE);
            requeue.setString(1, queue);
            requeue.setLong(2, rowId);
            if (requeue.executeUpdate() != 1) {
                return false;
            }
            PreparedStatement delete = connection.prepare(DEAD_DELETE_ONE);
            delete.setString(1, queue);
            delete.setLong(2, rowId);
            delete.executeUpdate();
            return true;
        });
    }

    @Override
    public boolean deleteDeadLetter(String queue, String id) {
        Objects.requireNonNull(queue, "queue is null");
        Long rowId = rowId(id);
        if (rowId == null) {
            return false;
        }
        return file.inConnection("delete a dead letter", connection -> {
            PreparedStatement delete = connection.prepare(DEAD_DELETE_ONE);
            delete.setString(1, queue);
            delete.setLong(2, rowId);
            return delete.executeUpdate() == 1;
        });
    }

    /** The row id of a dead letter id, or null when it is not one (no dead letter has it). */
    private static Long rowId(String id) {
        Objects.requireNonNull(id, "id is null");
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
