package io.sergeant.backend.local;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A small pool of SQLite connections to one file, opened lazily up to a maximum. SQLite connections
 * are not thread safe, so each is lent to one thread at a time. Thread safe.
 */
final class ConnectionPool implements AutoCloseable {

    /** Opens one configured connection. */
    @FunctionalInterface
    interface Opener {
        PooledConnection open() throws SQLException;
    }

    private final Opener opener;
    private final int max;
    private final long waitNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition returned = lock.newCondition();
    private final List<PooledConnection> idle = new ArrayList<>();
    private int open;
    private boolean closed;

    ConnectionPool(Opener opener, int max, long waitMillis) {
        this.opener = opener;
        this.max = max;
        this.waitNanos = TimeUnit.MILLISECONDS.toNanos(waitMillis);
    }

    /**
     * Lends a connection, opening one if none is idle and the maximum is not reached, else waiting.
     *
     * @throws SQLException when opening a connection fails
     * @throws SergeantException {@code ILLEGAL_ACTION} when the backend is closed, {@code BACKEND_UNAVAILABLE}
     *         when no connection came back in time
     */
    PooledConnection borrow() throws SQLException {
        lock.lock();
        try {
            long remaining = waitNanos;
            while (true) {
                checkOpen();
                if (!idle.isEmpty()) {
                    return idle.remove(idle.size() - 1);
                }
                if (open < max) {
                    open++;
                    break;
                }
                if (remaining <= 0) {
                    throw new SergeantException(ErrorCode.BACKEND_UNAVAILABLE, "all " + max
                            + " connections of the local backend stayed busy; raise the 'connections' option");
                }
                remaining = returned.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SergeantException(ErrorCode.BACKEND_UNAVAILABLE, "interrupted while waiting for a connection", e);
        } finally {
            lock.unlock();
        }
        try {
            return opener.open();
        } catch (SQLException | RuntimeException e) {
            lock.lock();
            try {
                open--;
                returned.signal();
            } finally {
                lock.unlock();
            }
            throw e;
        }
    }

    /** Takes a connection back; a broken one ({@code healthy} false) or one returned after close is closed. */
    void giveBack(PooledConnection connection, boolean healthy) {
        lock.lock();
        try {
            if (!closed && healthy) {
                idle.add(connection);
                returned.signal();
                return;
            }
            open--;
            returned.signal();
        } finally {
            lock.unlock();
        }
        connection.close();
    }

    private void checkOpen() {
        if (closed) {
            throw new SergeantException(ErrorCode.ILLEGAL_ACTION, "the local backend is closed; create a new one");
        }
    }

    /** Closes idle connections now and lent ones when they come back; idempotent. */
    @Override
    public void close() {
        List<PooledConnection> toClose;
        lock.lock();
        try {
            closed = true;
            toClose = new ArrayList<>(idle);
            open -= idle.size();
            idle.clear();
            returned.signalAll();
        } finally {
            lock.unlock();
        }
        toClose.forEach(PooledConnection::close);
    }
}
