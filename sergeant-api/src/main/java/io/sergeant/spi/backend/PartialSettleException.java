package io.sergeant.spi.backend;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.util.List;
import java.util.Objects;

/**
 * A settle call ({@link BackendLeases#ack}, {@code extend}, {@code release}, {@code handBack}) over
 * several nodes or shards of which some failed: the backend settled on every node it could reach
 * ({@link #done()}) and names the receipts it could not settle ({@link #unsettled()}: neither settled
 * nor refused; their leases are as before, so settle them again later). A caller that treats it as a
 * plain failure and retries everything is still correct (the receipts settled before are then refused
 * as already settled), only noisier. Immutable.
 *
 * @since 0.2
 */
public class PartialSettleException extends SergeantException {

    private static final long serialVersionUID = 1L;

    private final transient SettleResult done;
    private final transient List<Receipt> unsettled;

    /**
     * @param code      the code of the failure (usually {@link ErrorCode#BACKEND_UNAVAILABLE})
     * @param message   what failed, naming the nodes or shards, and what to do
     * @param done      what the reachable nodes did
     * @param unsettled the receipts held by the nodes that failed
     * @param cause     the first node failure (others are suppressed on it)
     */
    public PartialSettleException(ErrorCode code, String message, SettleResult done, List<Receipt> unsettled,
                                  Throwable cause) {
        super(code, message, cause);
        this.done = Objects.requireNonNull(done, "done is null");
        this.unsettled = List.copyOf(unsettled);
    }

    /** What the reachable nodes settled and refused. */
    public SettleResult done() {
        return done;
    }

    /** The receipts of the nodes that failed: not settled, not refused. */
    public List<Receipt> unsettled() {
        return unsettled;
    }
}
