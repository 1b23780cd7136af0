package io.sergeant.backend.local;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One open SQLite file as the role classes of the local backend use it: a pool of connections, one
 * statement or one short {@code BEGIN IMMEDIATE} transaction per operation, SQLite's errors translated
 * in one place, and the clock (epoch seconds, as Python Sergeant). Thread safe.
 */
final class SqliteFile implements AutoCloseable {

    /** Work on one connection; SQL failures are translated by the caller. */
    @FunctionalInterface
    interface Work<T> {
        T run(PooledConnection connection) throws SQLException;
    }

    private final LocalSettings settings;
    private final Clock clock;
    private final ConnectionPool pool;
    /**
     * Write transactions of this process queue here, first come first served, before they ask SQLite for
     * its write lock: SQLite admits one writer at a time anyway, and its busy handler (sleep and retry) is
     * not fair, so under load one thread could lose the race for longer than {@code busyTimeout} while
     * others win it again and again (seen on a loaded build machine). Other processes still meet SQLite's
     * busy handler.
     */
    private final java.util.concurrent.locks.ReentrantLock writeLock = new java.util.concurrent.locks.ReentrantLock(true);

    /** WAL checkpoints off the committing threads; null unless {@code journalMode=WAL}. */
    private final WalCheckpointer checkpointer;

    private SqliteFile(LocalSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.pool = new ConnectionPool(this::openConnection, settings.connections(),
                settings.busyTimeout().toMillis() + 60_000);
        this.checkpointer = "WAL".equalsIgnoreCase(settings.journalMode())
                ? new WalCheckpointer(settings.file(), (int) settings.busyTimeout().toMillis()) : null;
    }

    /**
     * Opens the file (creating it and its missing parent directories), applies the settings and
     * creates or upgrades the tables.
     */
    static SqliteFile open(LocalSettings settings, Clock clock) {
        Objects.requireNonNull(settings, "settings is null");
        Objects.requireNonNull(clock, "clock is null");
        createParentDirectories(settings.file());
        SqliteFile file = new SqliteFile(settings, clock);
        try {
            file.inConnection("create tables", connection -> {
                Schema.apply(connection);
                return null;
            });
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
        return file;
    }

    Path path() {
        return settings.file();
    }

    LocalSettings settings() {
        return settings;
    }

    /**
     * Runs {@code work} in one {@code BEGIN IMMEDIATE} transaction, rolled back if it fails. Transactions of
     * this process run one at a time, in the order they asked; waiting longer than {@code busyTimeout} for
     * the turn is {@code BACKEND_UNAVAILABLE}, as waiting for SQLite's lock is.
     */
    <T> T inTransaction(String what, Work<T> work) {
        long timeoutMillis = settings.busyTimeout().toMillis();
        try {
            if (!writeLock.tryLock(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new SergeantException(ErrorCode.BACKEND_UNAVAILABLE,
                        "other threads of this process held the database's write lock for longer than busyTimeout="
                                + timeoutMillis + "ms (" + what + " on sqlite file '" + settings.file()
                                + "'); retry later, raise the 'busyTimeout' option or use journalMode=WAL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SergeantException(ErrorCode.BACKEND_UNAVAILABLE,
                    "interrupted while waiting for the database's write lock (" + what + " on sqlite file '"
                            + settings.file() + "')", e);
        }
        try {
            return transaction(what, work);
        } finally {
            writeLock.unlock();
        }
    }

    private <T> T transaction(String what, Work<T> work) {
        return inConnection(what, connection -> {
            connection.begin();
            boolean committed = false;
            try {
                T result = work.run(connection);
                connection.commit();
                committed = true;
                if (checkpointer != null) {
                    checkpointer.committed();
                }
                return result;
            } finally {
                if (!committed) {
                    connection.rollbackQuietly();
                }
            }
        });
    }

    /** Runs {@code work} on a pooled connection (autocommit), translating SQLite's errors. */
    <T> T inConnection(String what, Work<T> work) {
        PooledConnection connection;
        try {
            connection = pool.borrow();
        } catch (SQLException e) {
            throw SqliteErrors.translate(e, "open a connection", settings.file(), settings.busyTimeout().toMillis());
        }
        boolean healthy = false;
        try {
            T result = work.run(connection);
            healthy = true;
            return result;
        } catch (SQLException e) {
            SergeantException translated =
                    SqliteErrors.translate(e, what, settings.file(), settings.busyTimeout().toMillis());
            // A connection that only waited too long is fine; after anything else, start afresh.
            healthy = SqliteErrors.isBusy(e);
            throw translated;
        } finally {
            pool.giveBack(connection, healthy);
        }
    }

    /**
     * Now, in epoch seconds by this process's clock, at the clock's full precision: due times are stored
     * at full precision, so a clock cut to the millisecond would hide a task pushed due "now" for up to
     * a millisecond.
     */
    double now() {
        return epochSeconds(clock.instant());
    }

    static double epochSeconds(Instant instant) {
        return instant.getEpochSecond() + instant.getNano() / 1e9;
    }

    static double seconds(Duration duration) {
        return duration.getSeconds() + duration.getNano() / 1e9;
    }

    /** Closes every connection (lent ones when they come back); idempotent. */
    @Override
    public void close() {
        if (checkpointer != null) {
            checkpointer.close();
        }
        pool.close();
    }


    private PooledConnection openConnection() throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout((int) settings.busyTimeout().toMillis());
        PooledConnection connection = new PooledConnection(config.createConnection("jdbc:sqlite:" + settings.file()));
        try {
            connection.execute("PRAGMA journal_mode = " + settings.journalMode());
            connection.execute("PRAGMA synchronous = " + settings.synchronous());
            if ("WAL".equalsIgnoreCase(settings.journalMode())) {
                connection.execute("PRAGMA wal_autocheckpoint = " + WalCheckpointer.AUTOCHECKPOINT_PAGES);
            }
            return connection;
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    private static void createParentDirectories(Path file) {
        Path parent = file.getParent();
        if (parent == null || Files.isDirectory(parent)) {
            return;
        }
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.BACKEND_UNAVAILABLE, "cannot create the directory '" + parent
                    + "' for sqlite file '" + file.getFileName() + "': " + e + "; create it or choose another path", e);
        }
    }
}
