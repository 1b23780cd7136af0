package io.sergeant.spi.backend;

import io.sergeant.spi.Experimental;

import java.util.List;

/**
 * An at-most-once pop split in two: {@link #send} writes the pop to the backend and returns without waiting for
 * its reply, {@link #receive} reads the reply later. A one-thread at-most-once worker that runs its tasks on its
 * loop thread sends the next pop before it runs the batch in hand and receives it after, so the server pops while
 * the worker runs, with no second thread (docs/decisions.md, "Pipelined at-most-once pop"). The popped tasks are
 * deleted by the server when it runs the pop, whenever the worker reads the reply: a worker that dies between
 * {@link #send} and {@link #receive} loses them, as it loses the batch in hand, so the worker's at-most-once loss
 * bound grows by one batch (docs/guarantees.md).
 *
 * <p>One pop at a time: {@link #send}, then {@link #receive}, then the next {@link #send}. A backend that cannot
 * split a pop at some moment (its queue is not draining, the pop needs a script, a node is several) may defer it:
 * {@link #send} then records the request and {@link #receive} runs an ordinary {@link Backend#pop}, which is
 * always correct. Deliveries, ordering and the handling of oversized payloads are those of an at-most-once
 * {@link Backend#pop} of the same size.
 *
 * <p><b>Failures.</b> {@link #send} never throws a backend failure: what went wrong while sending is thrown by
 * the {@link #receive} that follows, so the caller meets every failure where it would meet a pop's, as
 * {@link io.sergeant.api.SergeantException} with {@code BACKEND_UNAVAILABLE} or {@code BACKEND_REFUSED}, naming
 * what was lost when the reply of a pop the server ran cannot be read. A connection that failed with a pop in
 * flight, or whose reply was left half-read (an interrupt, a timeout, bytes that are no reply), is never used
 * again.
 *
 * <p>Used by one thread; not thread safe. Obtained from {@link Backend#popPipeline(String)}.
 *
 * @since 0.2
 */
@Experimental("a fast path of one-thread at-most-once workers, new in 0.2")
public interface PopPipeline extends AutoCloseable {

    /**
     * Starts an at-most-once pop of up to {@code max} deliverable tasks ({@code max} at least 1) and returns
     * without waiting for the reply where the backend can; none may be in flight.
     *
     * @throws IllegalStateException a pop is in flight, or the pipeline is closed
     * @throws IllegalArgumentException {@code max} is less than 1
     */
    void send(int max);

    /** Whether a pop was sent and its reply not received yet. */
    boolean inFlight();

    /**
     * Reads the reply of the pop in flight: the deliveries, in delivery order, already deleted from the
     * backend (at-most-once); empty when nothing was deliverable.
     *
     * @throws IllegalStateException no pop is in flight
     * @throws io.sergeant.api.SergeantException the send or the reply failed; no pop is in flight afterwards
     */
    List<Delivery> receive();

    /**
     * Ends the pipeline; idempotent. Callers receive a pop in flight first and hand its tasks back themselves;
     * a pop still in flight here has its reply read and its tasks pushed back at the front of the queue (as a
     * worker hands back tasks it did not start), and failures doing so are logged, not thrown.
     */
    @Override
    void close();
}
