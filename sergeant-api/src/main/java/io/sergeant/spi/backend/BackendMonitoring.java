package io.sergeant.spi.backend;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.Experimental;

import java.time.Duration;
import java.util.List;

/**
 * The monitoring role: what the {@code sergeant workers} and {@code sergeant stats} commands, a
 * dashboard and metrics read about a whole backend: which queues exist, and which workers are alive.
 *
 * <p><b>Queue listing.</b> {@link #queues()} names every queue that holds anything this backend can
 * see: ready or delayed tasks (in Python Sergeant's layout, so queues filled by Python producers are
 * listed too), leased tasks or dead letters. A queue that was emptied may be listed until its last
 * structure is gone; a reader gets its counts from {@link Backend#stats}. Names only, sorted, no
 * duplicates (a queue on several nodes is listed once).
 *
 * <p><b>Worker registry.</b> Each running worker calls {@link #heartbeat} every few seconds with its
 * id, a record and a TTL (core sends the record every {@code ttl / 3} and uses a TTL of a few
 * heartbeat periods); {@link #deregister} when it stops. A worker that dies without deregistering
 * disappears when its TTL passes: {@link #workers()} never returns a record whose TTL passed (by the
 * backend's clock where it has one, else the caller's), and a backend drops expired records by
 * itself (a key TTL, a TTL index, or a delete at the next heartbeat or listing). The record is opaque
 * to the backend: core writes {@code WorkerStatus.encode()} (a UTF-8 properties text:
 * id, host, pid, queue, executor, concurrency, started at, tasks done and failed, the running tasks
 * with their start times, resident memory, version, heartbeat time) and readers decode it with
 * {@code WorkerStatus.decode(byte[])}. The registry lives under names Python
 * Sergeant never touches, so Python workers and producers ignore it; a backend with several
 * independent nodes keeps it on its first node.
 *
 * <p>Thread safe; blocking; failures as described on {@link Backend}. A failed heartbeat is logged by
 * core and retried at the next period; it never stops a worker.
 *
 * @since 0.1
 */
@Experimental("the worker record and the listing may grow fields for the dashboard (issue 17)")
public interface BackendMonitoring {

    /** Names of every queue that holds ready, delayed, leased or dead-lettered tasks; sorted, no duplicates. */
    List<String> queues();

    /**
     * Stores or replaces worker {@code workerId}'s record, to expire {@code ttl} from now unless a
     * later heartbeat renews it.
     */
    void heartbeat(String workerId, byte[] record, Duration ttl);

    /** Deletes worker {@code workerId}'s record at once; true if it was there (and not expired). */
    boolean deregister(String workerId);

    /** The records of every worker whose TTL has not passed, in no particular order. */
    List<byte[]> workers();

    /**
     * Up to {@code limit} tasks waiting in the queue, without removing or leasing any: the ready ones
     * first, in the order a pop would deliver them, then the delayed ones by due time. What a dashboard
     * shows as "the next tasks". Leased (in-flight) tasks are not listed. On a backend with several
     * nodes the order across nodes is approximate. The default, for backends that cannot look into a
     * queue, throws.
     *
     * @throws SergeantException {@code BACKEND_ROLE_MISSING} when the backend cannot list waiting tasks
     * @since 0.2
     */
    default List<QueuedItem> peek(String queue, int limit) {
        throw new SergeantException(ErrorCode.BACKEND_ROLE_MISSING, "listing the tasks waiting in a queue is not"
                + " offered by " + getClass().getName() + "; use stats for the counts");
    }

    /**
     * {@link #peek(String, int)} that reads only bounded payloads: the same tasks in the same order, but a
     * task's payload is returned only when it is at most {@code maxPayloadBytes} and, counting the payloads
     * returned before it in this order, keeps the total within {@code budgetBytes}; from the first task
     * whose payload would pass the budget on, no payload is returned. The others are listed with their size
     * only ({@link QueuedItem#sizeOnly}) and their payloads are not fetched from the store: what a dashboard
     * lists as "the next tasks" costs their sizes, not their payloads. A backend of several nodes applies the
     * bounds on each node and then to the merged list (it reads at most {@code budgetBytes} per node).
     *
     * <p>The default reads every payload through {@link #peek(String, int)} and then drops those not
     * returned ({@link QueuedItem#bounded}); every built-in backend overrides it (SQLite {@code length(value)},
     * Redis in its script, MongoDB {@code $binarySize}).
     *
     * @throws SergeantException {@code BACKEND_ROLE_MISSING} when the backend cannot list waiting tasks
     * @since 0.2
     */
    default List<QueuedItem> peek(String queue, int limit, long maxPayloadBytes, long budgetBytes) {
        checkPeek(queue, limit, maxPayloadBytes, budgetBytes);
        return QueuedItem.bounded(peek(queue, limit), maxPayloadBytes, budgetBytes);
    }

    /**
     * The argument checks of the bounded {@link #peek(String, int, long, long)}, for implementations.
     *
     * @throws NullPointerException if {@code queue} is null
     * @throws IllegalArgumentException if {@code limit}, {@code maxPayloadBytes} or {@code budgetBytes} is negative
     */
    static void checkPeek(String queue, int limit, long maxPayloadBytes, long budgetBytes) {
        java.util.Objects.requireNonNull(queue, "queue is null");
        if (limit < 0 || maxPayloadBytes < 0 || budgetBytes < 0) {
            throw new IllegalArgumentException("limit, maxPayloadBytes and budgetBytes must not be negative: " + limit
                    + ", " + maxPayloadBytes + ", " + budgetBytes);
        }
    }
}
