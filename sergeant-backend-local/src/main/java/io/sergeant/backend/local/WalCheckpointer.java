package io.sergeant.backend.local;

import org.sqlite.SQLiteConfig;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * WAL checkpoints on a thread of their own (docs/decisions.md, "SQLite: WAL checkpoints on a thread of
 * their own"). In {@code journalMode=WAL} SQLite copies the log back into the file (a checkpoint, with two
 * fsyncs) on whichever connection's commit pushes the log past {@code wal_autocheckpoint} pages; in a drain
 * that is the thread popping the tasks, which then stops popping for the checkpoint. Here, after commits
 * ({@link #committed()}), a {@code PRAGMA wal_checkpoint(PASSIVE)} runs on a connection of its own, at
 * most every {@link #PAUSE_MILLIS} ms; a passive checkpoint never waits for readers or writers. The pooled
 * connections keep SQLite's own checkpoint at {@link #AUTOCHECKPOINT_PAGES} as a bound should this thread
 * fall behind (about 40 MB of log with 4 KB pages). Idle, the thread is parked: it sends nothing.
 * A failed checkpoint is logged (once per distinct message) and tried again after a second on a new
 * connection; it never fails a caller. Thread safe; {@link #close()} stops the thread and closes its
 * connection.
 */
final class WalCheckpointer implements AutoCloseable {

    /** {@code wal_autocheckpoint} of the pooled connections when this thread checkpoints. */
    static final int AUTOCHECKPOINT_PAGES = 10_000;
    /** The least time between two checkpoints. */
    static final long PAUSE_MILLIS = 20;
    private static final long RETRY_MILLIS = 1_000;
    private static final System.Logger LOG = System.getLogger(WalCheckpointer.class.getName());

    private final Path file;
    private final int busyTimeoutMillis;
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final Thread thread;
    private volatile boolean closed;

    /** Starts the thread for {@code file}. */
    WalCheckpointer(Path file, int busyTimeoutMillis) {
        this.file = Objects.requireNonNull(file, "file is null");
        this.busyTimeoutMillis = busyTimeoutMillis;
        this.thread = new Thread(this::run, "sergeant-sqlite-checkpoint-" + file.getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    /** A transaction committed: the log has pages to copy back. Cheap when the thread already knows. */
    void committed() {
        if (!dirty.get() && dirty.compareAndSet(false, true)) {
            LockSupport.unpark(thread);
        }
    }

    /** Whether the thread runs (until {@link #close()}). */
    boolean running() {
        return thread.isAlive();
    }

    private void run() {
        String lastFailure = null;
        while (!closed) {
            try (Connection connection = open(); Statement statement = connection.createStatement()) {
                while (!closed) {
                    if (!dirty.getAndSet(false)) {
                        LockSupport.park(this);
                        continue;
                    }
                    statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
                    lastFailure = null;
                    pause(PAUSE_MILLIS); // a commit's unpark does not cut it short
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                if (!String.valueOf(e.getMessage()).equals(lastFailure)) {
                    lastFailure = String.valueOf(e.getMessage());
                    LOG.log(System.Logger.Level.WARNING, "sqlite file '" + file + "': a WAL checkpoint on its own"
                            + " thread failed (" + e + "); the committing connections still checkpoint every "
                            + AUTOCHECKPOINT_PAGES + " pages; trying again in " + RETRY_MILLIS + " ms");
                }
                dirty.set(true);
                pause(RETRY_MILLIS);
            }
        }
    }

    /** Parks for {@code millis}, through unparks by commits, until then or {@link #close()}. */
    private void pause(long millis) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (long left = until - System.nanoTime(); left > 0 && !closed; left = until - System.nanoTime()) {
            LockSupport.parkNanos(this, left);
        }
    }

    private Connection open() throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(busyTimeoutMillis);
        return config.createConnection("jdbc:sqlite:" + file);
    }

    /** Stops the thread (waiting up to 5 s for a checkpoint under way) and closes its connection; idempotent. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
