package io.sergeant.spi.backend;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A queue store: the contract every backend implements, in both delivery modes. Payloads are opaque
 * encoded tasks. Where Python Sergeant has a data layout for a structure, the backend uses it, so
 * Python and Java share queues; structures Python does not have (leases, dead letters) use names
 * Python never touches.
 *
 * <p><b>Ordering.</b> A pop returns deliverable tasks: immediate before due-delayed, HIGH before
 * NORMAL, then insertion order (per node, where a backend has several independent nodes).
 *
 * <p><b>Threads and failures.</b> Implementations are thread safe. Every method blocks until the
 * backend answered; failures are thrown as {@link io.sergeant.api.SergeantException} with
 * {@code BACKEND_UNAVAILABLE} (retrying later may help) or {@code BACKEND_REFUSED}. A backend
 * reconnects by itself after its server comes back.
 */
public interface Backend extends AutoCloseable {

    /**
     * Appends encoded tasks in their order; returns only after the backend acknowledged the write.
     *
     * @param consumableFrom {@code null} for deliverable now; a time in the future makes the tasks
     *                       delayed (delayed tasks have no priority)
     */
    void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom);

    /**
     * Takes up to {@code max} deliverable tasks. At-most-once deletes them. At-least-once leases them
     * until now plus the lease (by the backend's clock where it has one), each with a fresh token and
     * its delivery count; a task whose count would pass {@code maxDeliveries} goes to the dead
     * letters instead of being returned.
     */
    List<Delivery> pop(String queue, int max, DeliveryOptions options);

    /** Settles leased deliveries: deletes them for good. Stale receipts are refused and reported. */
    SettleResult ack(String queue, List<Receipt> receipts);

    /** Extends the leases of running tasks to now plus {@code lease}; stale receipts are refused. */
    SettleResult extend(String queue, List<Receipt> receipts, Duration lease);

    /**
     * Hands leased deliveries back at once (a worker stopping with tasks it will not run): they become
     * deliverable again ahead of NORMAL tasks, keeping their delivery count. Stale receipts are refused.
     */
    SettleResult release(String queue, List<Receipt> receipts);

    /**
     * Moves one delivery to the dead letters with a reason (an undecodable payload, a poison task).
     * A leased delivery must still hold its lease (false if the receipt is stale); an unleased one's
     * payload is stored as given.
     *
     * @return whether the dead letter was stored
     */
    boolean deadLetter(String queue, Delivery delivery, String reason);

    /**
     * Makes expired leases deliverable again; a task that reached {@code maxDeliveries} goes to the
     * dead letters instead. Safe to run from many workers at once without double work.
     */
    ReapResult reap(String queue, int maxDeliveries);

    /** Up to {@code limit} dead letters, oldest first. */
    List<DeadLetter> deadLetters(String queue, int limit);

    /** Moves every dead letter back to the queue (NORMAL, delivery count reset); returns how many. */
    long requeueDeadLetters(String queue);

    /** Deletes every dead letter; returns how many. */
    long purgeDeadLetters(String queue);

    /** Deliverable tasks (immediate and due-delayed); with {@code includeDelayed} also those not yet due. */
    long length(String queue, boolean includeDelayed);

    /** Ready, delayed, in-flight and dead-letter counts. */
    QueueStats stats(String queue);

    /** Deletes every ready and delayed task (not in-flight ones, not dead letters); true if anything was deleted. */
    boolean purge(String queue);

    /** Stores a value; true if the key is new. */
    boolean keySet(String key, byte[] value);

    /** A key's value, or empty. */
    Optional<byte[]> keyGet(String key);

    /** Deletes a key; true if it existed. */
    boolean keyDelete(String key);

    /**
     * Takes lock {@code name} for {@code owner} if it is free or expired (one try, no waiting).
     *
     * @return whether {@code owner} now holds it
     */
    boolean lockAcquire(String name, String owner, Duration ttl);

    /** Deletes the lock only if {@code owner} holds it; true if deleted. */
    boolean lockRelease(String name, String owner);

    /** Whether the lock is held by anyone and not expired. */
    boolean lockIsLocked(String name);

    /** Changes the TTL of the lock only if {@code owner} holds it and it has not expired. */
    boolean lockSetTtl(String name, String owner, Duration ttl);

    /** The time left on the lock, or empty if it is free or expired. */
    Optional<Duration> lockTtl(String name);

    /** Closes connections; idempotent. */
    @Override
    void close();
}
