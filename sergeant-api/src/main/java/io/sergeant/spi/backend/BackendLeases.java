package io.sergeant.spi.backend;

import java.time.Duration;
import java.util.List;

/**
 * The lease role: what at-least-once delivery needs on top of the queue. A backend with this role
 * accepts leased {@link DeliveryOptions} in {@link Backend#pop}, hands out a {@link Receipt} with every
 * delivery and settles receipts here. A receipt is stale once its lease expired and the task was
 * leased again, or once it was settled: every method refuses stale receipts and reports them in the
 * {@link SettleResult}, so a worker that lost its lease never settles someone else's delivery.
 *
 * <p>A task dead-lettered by {@link #reap} or by a pop past {@code maxDeliveries} goes to the
 * backend's dead letters, so a backend with this role also plays {@link BackendDeadLetters}.
 * Thread safe; blocking; failures as described on {@link Backend}.
 *
 * @since 0.1
 */
public interface BackendLeases {

    /** Settles leased deliveries: deletes them for good. Stale receipts are refused and reported. */
    SettleResult ack(String queue, List<Receipt> receipts);

    /**
     * Settle-and-pop: acks {@code receipts} (as {@link #ack}) and leases up to {@code max} next deliveries
     * (as {@code backend.pop(queue, max, options)}) in what should be one round trip, so a worker in
     * at-least-once mode pays one call per batch instead of two. The acks apply before the pop, so an
     * acked task is never handed out again by it.
     *
     * <p>On an exception nothing is lost: receipts the call did not ack stay leased (the caller acks
     * them again later; an ack of a receipt the failed call did settle is refused as stale), and tasks
     * it leased but could not return come back when their leases expire.
     *
     * <p>Over several nodes or shards a node that fails does not cost what the others did: their acks
     * stand, their deliveries are returned, and the failed nodes and the receipts they could not settle
     * come back in {@link SettledPop#ackFailure()}. The call throws only when it has nothing to deliver
     * (a {@link PartialSettleException} when some receipts were settled and others not).
     *
     * <p>The default makes the two calls ({@link #ack}, then {@link Backend#pop}), popping also when the
     * ack failed in part; a backend overrides it with one script, transaction or bulk write where it can.
     *
     * @param backend  the backend this role belongs to (the default pops through it)
     * @param receipts the receipts to ack first; may be empty
     * @param max      the most deliveries to lease; 0 only acks
     * @param options  leased delivery options, as for {@link Backend#pop}
     * @throws IllegalArgumentException if {@code options} is not leased or {@code max} is negative
     * @since 0.1
     */
    default SettledPop ackAndPop(Backend backend, String queue, List<Receipt> receipts, int max, DeliveryOptions options) {
        java.util.Objects.requireNonNull(backend, "backend is null");
        checkAckAndPop(queue, receipts, max, options);
        SettleResult acked;
        PartialSettleException partial = null;
        try {
            acked = receipts.isEmpty() ? SettleResult.all(0) : ack(queue, receipts);
        } catch (PartialSettleException e) {
            acked = e.done();
            partial = e;
        }
        List<Delivery> deliveries;
        try {
            deliveries = max == 0 ? List.of() : backend.pop(queue, max, options);
        } catch (RuntimeException e) {
            if (partial != null) {
                partial.addSuppressed(e);
                throw partial;
            }
            throw e;
        }
        if (partial != null && deliveries.isEmpty()) {
            throw partial;
        }
        return new SettledPop(acked, deliveries, partial);
    }

    /**
     * The argument checks of {@link #ackAndPop}, for implementations.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code options} is not leased or {@code max} is negative
     */
    static void checkAckAndPop(String queue, List<Receipt> receipts, int max, DeliveryOptions options) {
        java.util.Objects.requireNonNull(queue, "queue is null");
        java.util.Objects.requireNonNull(receipts, "receipts is null");
        java.util.Objects.requireNonNull(options, "options is null");
        if (!options.leased()) {
            throw new IllegalArgumentException("ackAndPop leases what it pops: pass leased DeliveryOptions, not " + options);
        }
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative: " + max);
        }
    }

    /** Extends the leases of running tasks to now plus {@code lease}; stale receipts are refused. */
    SettleResult extend(String queue, List<Receipt> receipts, Duration lease);

    /**
     * Hands leased deliveries back at once (a worker stopping with tasks it will not run): they become
     * deliverable again ahead of NORMAL tasks, keeping their delivery count. Stale receipts are refused.
     */
    SettleResult release(String queue, List<Receipt> receipts);

    /**
     * Hands back leased deliveries that a worker gives up on gracefully (it stops, is told to stop or
     * to respawn) before or instead of running them: like {@link #release}, they become deliverable
     * again at once ahead of NORMAL tasks, but this delivery does not count toward
     * {@code maxDeliveries}: the next delivery has this receipt's {@link Receipt#deliveryCount()}, not
     * one more. So no task reaches the dead letters without having been delivered to be run
     * {@code maxDeliveries} times. Stale receipts are refused.
     *
     * <p>The default calls {@link #release}, which counts the delivery; the backend compatibility
     * suite requires the uncounted form, so every backend should override it.
     *
     * @since 0.2
     */
    default SettleResult handBack(String queue, List<Receipt> receipts) {
        return release(queue, receipts);
    }

    /**
     * Makes expired leases deliverable again; a task that reached {@code maxDeliveries} goes to the
     * dead letters instead. Safe to run from many workers at once without double work.
     */
    ReapResult reap(String queue, int maxDeliveries);
}
