package io.sergeant.spi.backend;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.Experimental;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A queue store, the one role every backend plays; the other roles ({@link BackendLeases},
 * {@link BackendDeadLetters}, {@link BackendKeys}, {@link BackendLocks}, {@link BackendMonitoring})
 * are optional, so a plugin can start with the queue and add the rest. A backend plays a role by
 * implementing its interface (the default accessors such as {@link #leaseRole()} find it), or by
 * overriding the accessor to return a separate object that plays it. Core asks for a role only where
 * the configuration needs it and fails with an error naming the role, the backend and what to do
 * (at-least-once delivery needs the lease and dead-letter roles; {@code Broker.lock} needs the lock
 * role; {@code sergeant workers} needs the monitoring role).
 *
 * <p>Payloads are opaque encoded tasks. Where Python Sergeant has a data layout for a structure, the
 * backend uses it, so Python and Java share queues; structures Python does not have (leases, dead
 * letters, the worker registry) use names Python never touches.
 *
 * <p><b>Ordering.</b> A pop returns deliverable tasks: immediate before due-delayed, HIGH before
 * NORMAL, then insertion order (per node, where a backend has several independent nodes).
 *
 * <p><b>Threads and failures.</b> Implementations of every role are thread safe. Every method blocks
 * until the backend answered; failures are thrown as {@link io.sergeant.api.SergeantException} with
 * {@code BACKEND_UNAVAILABLE} (retrying later may help) or {@code BACKEND_REFUSED}. A backend
 * reconnects by itself after its server comes back. Null arguments throw {@link NullPointerException}.
 *
 * <p><b>Evolution.</b> Like Trino's SPI, this one grows by default methods: a method added later has a
 * default (a generic form, or an empty role), so a plugin built against an older SPI keeps working.
 * Roles marked {@link io.sergeant.spi.Experimental} may still change. {@code @since} tags give the SPI
 * version that introduced a type or method. The compatibility suite in {@code sergeant-testkit}
 * ({@code BackendCompatibilitySuite}) holds a backend to every role it plays.
 *
 * @since 0.1
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
     * Takes up to {@code max} deliverable tasks. At-most-once ({@code options.leased()} false) deletes
     * them; that is all a backend without the lease role is ever asked. At-least-once leases them until
     * now plus the lease (by the backend's clock where it has one), each with a fresh token and its
     * delivery count; a task whose count would pass {@code maxDeliveries} goes to the dead letters
     * instead of being returned. Core passes leased options only to a backend whose
     * {@link #leaseRole()} is present.
     */
    List<Delivery> pop(String queue, int max, DeliveryOptions options);

    /** Deliverable tasks (immediate and due-delayed); with {@code includeDelayed} also those not yet due. */
    long length(String queue, boolean includeDelayed);

    /** Deletes every ready and delayed task (not in-flight ones, not dead letters); true if anything was deleted. */
    boolean purge(String queue);

    /**
     * Ready, delayed, in-flight and dead-letter counts. The default is the generic form for a backend
     * with the queue role only: ready and delayed from {@link #length}, no in-flight tasks and no dead
     * letters (two reads, not one snapshot). A backend with the lease or dead-letter role overrides it
     * to count those too; the compatibility suite checks the counts.
     */
    default QueueStats stats(String queue) {
        long ready = length(queue, false);
        long all = length(queue, true);
        return new QueueStats(ready, Math.max(0, all - ready), 0, 0);
    }

    /** The lease role (at-least-once delivery), or empty. By default this object, if it implements it. */
    default Optional<BackendLeases> leaseRole() {
        return this instanceof BackendLeases role ? Optional.of(role) : Optional.empty();
    }

    /** The dead-letter role, or empty. By default this object, if it implements it. */
    default Optional<BackendDeadLetters> deadLetterRole() {
        return this instanceof BackendDeadLetters role ? Optional.of(role) : Optional.empty();
    }

    /** The key-value role, or empty. By default this object, if it implements it. */
    default Optional<BackendKeys> keyRole() {
        return this instanceof BackendKeys role ? Optional.of(role) : Optional.empty();
    }

    /** The lock role, or empty. By default this object, if it implements it. */
    default Optional<BackendLocks> lockRole() {
        return this instanceof BackendLocks role ? Optional.of(role) : Optional.empty();
    }

    /**
     * The monitoring role (queue listing and the worker registry), or empty. By default this object,
     * if it implements it.
     *
     * @since 0.1
     */
    default Optional<BackendMonitoring> monitoringRole() {
        return this instanceof BackendMonitoring role ? Optional.of(role) : Optional.empty();
    }

    /**
     * Pickup without polling ({@link BackendWakeups}), or empty: an idle worker then sleeps its
     * {@code pollInterval} between empty pops. By default this object, if it implements it. Not one of
     * {@link #roles()}: it only makes pickup faster, nothing needs it.
     *
     * @since 0.2
     */
    default Optional<BackendWakeups> wakeupRole() {
        return this instanceof BackendWakeups role ? Optional.of(role) : Optional.empty();
    }

    /**
     * A performance hint: whether a pop of half a batch costs the worker about half of what the whole pop
     * costs, so that an at-most-once worker without {@code delivery.prefetch} gains by popping a large
     * batch as two halves on a thread of its own, the next half while it runs the last, still holding no
     * more than {@code max(concurrency, tasksPerTransaction)} tasks (docs/decisions.md, "At-most-once split
     * pop ahead", "SQLite at-most-once: split pop ahead in WAL mode" and "One hint for split pops"). True
     * where a pop is mostly the server's time and the network's (Redis, MongoDB) and where it runs in the
     * caller's CPU but has little fixed cost per call (SQLite in WAL mode, whose commits neither fsync nor
     * checkpoint on the popping thread); false where each call pays a large fixed cost (SQLite with a
     * rollback journal: an fsync per commit). The default, {@code false}, keeps whole batches.
     *
     * <p>Only speed depends on it: delivery, ordering and the loss bound are the same either way, and a
     * backend must answer pops of any size correctly whatever it returns. Constant for the backend's life,
     * cheap, thread safe. (It replaces {@code popsAreRemote()}, an experimental hint of the same release that
     * was only ever read as this one's default.)
     *
     * @since 0.2
     */
    @Experimental("a performance hint, new in 0.2; it may become part of a richer cost description")
    default boolean popsSplitCheaply() {
        return false;
    }

    /**
     * A pop split into its send and its read ({@link PopPipeline}) for at-most-once pops of {@code queue}, or empty.
     * Core asks for it only for a one-thread at-most-once worker without prefetch that runs its tasks on its loop
     * thread, with batches of at least 128 tasks: it then sends the next pop before it runs the batch in hand and
     * reads the reply after, so the backend's share of a pop overlaps the run (docs/decisions.md, "Pipelined
     * at-most-once pop"). Each call opens a new pipeline, which the caller closes. The default, empty, keeps
     * today's pop after the run; SQLite, MongoDB and third-party backends keep it.
     *
     * <p>Only speed depends on it; a pipeline must deliver what {@link #pop} would. It costs the worker's loss
     * bound one batch (a pop the server ran whose reply was not read yet is lost with the worker), so a backend
     * returns one only where the split saves a round trip (a remote server).
     *
     * @since 0.2
     */
    @Experimental("a fast path of one-thread at-most-once workers, new in 0.2")
    default Optional<PopPipeline> popPipeline(String queue) {
        return Optional.empty();
    }

    /** The roles this backend plays, derived from the role accessors; always contains {@link BackendRole#QUEUE}. */
    default Set<BackendRole> roles() {
        Set<BackendRole> roles = EnumSet.of(BackendRole.QUEUE);
        leaseRole().ifPresent(role -> roles.add(BackendRole.LEASES));
        deadLetterRole().ifPresent(role -> roles.add(BackendRole.DEAD_LETTERS));
        keyRole().ifPresent(role -> roles.add(BackendRole.KEYS));
        lockRole().ifPresent(role -> roles.add(BackendRole.LOCKS));
        monitoringRole().ifPresent(role -> roles.add(BackendRole.MONITORING));
        return roles;
    }

    /** Closes connections (and every role object handed out); idempotent. */
    @Override
    void close();
}
