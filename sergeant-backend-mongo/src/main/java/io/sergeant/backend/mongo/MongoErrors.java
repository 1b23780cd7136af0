package io.sergeant.backend.mongo;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoClientException;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoExecutionTimeoutException;
import com.mongodb.MongoInterruptedException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoServerException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.MongoWriteConcernException;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.BackendSpec;
import org.bson.BSONException;
import org.bson.BsonMaximumSizeExceededException;

import java.util.Set;

/**
 * The one place where MongoDB driver exceptions become {@link SergeantException}s. Connection
 * problems, timeouts, elections and unsatisfied write concerns are {@code BACKEND_UNAVAILABLE}
 * (retrying later can help); authentication failures and anything else the server refuses are
 * {@code BACKEND_REFUSED}; a document over the BSON size limit is {@code PAYLOAD_TOO_LARGE}.
 * Messages name the node by its masked URI and never contain a password. Stateless.
 */
final class MongoErrors {

    /** Server error codes that mean "not now" rather than "never" (network, shutdown, elections, time limits). */
    private static final Set<Integer> TRANSIENT_CODES = Set.of(
            6, 7, 50, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436);
    /** Server error codes of authentication and authorisation failures. */
    private static final Set<Integer> AUTH_CODES = Set.of(13, 18);

    private MongoErrors() {
    }

    /**
     * Translates {@code e}, thrown while doing {@code action} on the node at {@code maskedUri}.
     *
     * @param action what was being done, for the message (for example {@code pop from queue 'q'})
     */
    static SergeantException translate(RuntimeException e, String action, String maskedUri) {
        if (e instanceof SergeantException sergeant) {
            return sergeant;
        }
        String where = "mongodb node " + maskedUri + " failed to " + action;
        if (e instanceof BsonMaximumSizeExceededException) {
            return new SergeantException(ErrorCode.PAYLOAD_TOO_LARGE,
                    where + ": a document exceeds MongoDB's 16 MiB limit (" + clean(e) + "); push smaller tasks", e);
        }
        if (e instanceof MongoInterruptedException) {
            Thread.currentThread().interrupt();
            return new SergeantException(ErrorCode.BACKEND_UNAVAILABLE, where + ": the thread was interrupted", e);
        }
        if (e instanceof MongoTimeoutException) {
            return new SergeantException(ErrorCode.BACKEND_UNAVAILABLE, where + ": no server answered in time ("
                    + clean(e) + "); check that mongod is running and reachable, or raise serverSelectionTimeoutMS "
                    + "in the URI to wait longer", e);
        }
        if (e instanceof MongoSecurityException || isCode(e, AUTH_CODES)) {
            return new SergeantException(ErrorCode.BACKEND_REFUSED, where + ": authentication or authorisation "
                    + "failed (" + clean(e) + "); check the user, password and authSource in the URI", e);
        }
        if (isTransient(e)) {
            return new SergeantException(ErrorCode.BACKEND_UNAVAILABLE, where + ": " + clean(e)
                    + "; retry later", e);
        }
        if (e instanceof MongoException || e instanceof BSONException) {
            return new SergeantException(ErrorCode.BACKEND_REFUSED, where + ": " + clean(e), e);
        }
        if (e instanceof IllegalStateException) {
            return new SergeantException(ErrorCode.BACKEND_UNAVAILABLE, where + ": " + clean(e)
                    + " (was the backend closed?)", e);
        }
        return new SergeantException(ErrorCode.INTERNAL_ERROR, where + ": unexpected " + e.getClass().getName()
                + ": " + clean(e), e);
    }

    /** Whether a write failed only because the key is already there (a unique index or {@code _id}). */
    static boolean isDuplicateKey(MongoException e) {
        return isDuplicateKeyCode(e.getCode());
    }

    /** Whether a server error code means a duplicate key. */
    static boolean isDuplicateKeyCode(int code) {
        return ErrorCategory.fromErrorCode(code) == ErrorCategory.DUPLICATE_KEY;
    }

    private static boolean isTransient(RuntimeException e) {
        if (e instanceof MongoSocketException || e instanceof MongoNotPrimaryException
                || e instanceof MongoNodeIsRecoveringException || e instanceof MongoExecutionTimeoutException
                || e instanceof MongoWriteConcernException) {
            return true;
        }
        if (e instanceof MongoBulkWriteException bulk && bulk.getWriteConcernError() != null
                && bulk.getWriteErrors().isEmpty()) {
            return true;
        }
        if (e instanceof MongoException mongo
                && (mongo.hasErrorLabel(MongoException.TRANSIENT_TRANSACTION_ERROR_LABEL)
                || mongo.hasErrorLabel("RetryableWriteError") || mongo.hasErrorLabel("NetworkError"))) {
            return true;
        }
        if (e instanceof MongoClientException && !(e instanceof MongoSecurityException)) {
            return e.getCause() instanceof MongoSocketException;
        }
        return isCode(e, TRANSIENT_CODES);
    }

    private static boolean isCode(RuntimeException e, Set<Integer> codes) {
        if (e instanceof MongoCommandException command) {
            return codes.contains(command.getErrorCode());
        }
        return e instanceof MongoServerException server && codes.contains(server.getCode());
    }

    /** The exception's message with any {@code user:password@} masked. */
    private static String clean(RuntimeException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return BackendSpec.maskSecrets(message);
    }
}
