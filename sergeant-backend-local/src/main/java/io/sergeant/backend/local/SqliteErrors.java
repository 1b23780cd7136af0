package io.sergeant.backend.local;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.nio.file.Path;
import java.sql.SQLException;

/** The one place where SQLite failures become {@link SergeantException}s. Stateless. */
final class SqliteErrors {

    // Primary result codes (the low byte of an extended code).
    private static final int BUSY = SQLiteErrorCode.SQLITE_BUSY.code;
    private static final int LOCKED = SQLiteErrorCode.SQLITE_LOCKED.code;
    private static final int IOERR = SQLiteErrorCode.SQLITE_IOERR.code;
    private static final int FULL = SQLiteErrorCode.SQLITE_FULL.code;
    private static final int CANTOPEN = SQLiteErrorCode.SQLITE_CANTOPEN.code;
    private static final int PROTOCOL = SQLiteErrorCode.SQLITE_PROTOCOL.code;
    private static final int NOMEM = SQLiteErrorCode.SQLITE_NOMEM.code;
    private static final int CORRUPT = SQLiteErrorCode.SQLITE_CORRUPT.code;
    private static final int NOTADB = SQLiteErrorCode.SQLITE_NOTADB.code;
    private static final int READONLY = SQLiteErrorCode.SQLITE_READONLY.code;
    private static final int PERM = SQLiteErrorCode.SQLITE_PERM.code;

    private SqliteErrors() {
    }

    /**
     * Translates a failure of {@code what} on {@code file}: busy, locked, I/O, disk full and open
     * failures are {@code BACKEND_UNAVAILABLE} (retrying may help); corruption, read-only files and
     * anything else are {@code BACKEND_REFUSED}.
     */
    static SergeantException translate(SQLException e, String what, Path file, long busyTimeoutMillis) {
        int primary = primaryCode(e);
        String where = " (" + what + " on sqlite file '" + file + "')";
        if (primary == BUSY || primary == LOCKED) {
            return new SergeantException(ErrorCode.BACKEND_UNAVAILABLE,
                    "the database is locked by another connection for longer than busyTimeout=" + busyTimeoutMillis
                            + "ms" + where + "; retry later or raise the 'busyTimeout' option, and check that no process using the"
                            + " file is stopped or hung inside a statement (SIGSTOP, a debugger, a frozen container):"
                            + " it keeps its lock until it resumes or exits", e);
        }
        if (primary == IOERR || primary == FULL || primary == CANTOPEN || primary == PROTOCOL || primary == NOMEM) {
            return new SergeantException(ErrorCode.BACKEND_UNAVAILABLE,
                    "cannot read or write the database: " + e.getMessage() + where
                            + "; check that the directory exists, is writable and the disk has space", e);
        }
        if (primary == CORRUPT || primary == NOTADB) {
            return new SergeantException(ErrorCode.BACKEND_REFUSED,
                    "the file is not a valid SQLite database or is damaged: " + e.getMessage() + where, e);
        }
        if (primary == READONLY || primary == PERM) {
            return new SergeantException(ErrorCode.BACKEND_REFUSED,
                    "the database is read-only: " + e.getMessage() + where + "; make the file and its directory writable", e);
        }
        return new SergeantException(ErrorCode.BACKEND_REFUSED, "SQLite refused the operation: " + e.getMessage() + where, e);
    }

    /** Whether the failure only means another connection held a lock for longer than the busy timeout. */
    static boolean isBusy(SQLException e) {
        int primary = primaryCode(e);
        return primary == BUSY || primary == LOCKED;
    }

    private static int primaryCode(SQLException e) {
        if (e instanceof SQLiteException sqlite) {
            return sqlite.getResultCode().code & 0xFF;
        }
        return e.getErrorCode() & 0xFF;
    }
}
