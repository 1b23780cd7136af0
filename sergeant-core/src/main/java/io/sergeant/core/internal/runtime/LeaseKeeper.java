package io.sergeant.core.internal.runtime;

import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.SettleResult;
import io.sergeant.core.internal.observe.ListenerChain;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * At-least-once housekeeping of one worker on one daemon thread: extends the leases of the tasks it
 * holds every third of the lease time, so a long task is never redelivered while it runs, and reaps
 * expired leases of the queue every reap interval, so tasks of dead workers come back. It keeps one
 * {@link PoppedBatch} per held batch, not one entry per receipt: a task's settlement is an array write
 * in its batch, and an extension walks the open positions of the held batches. Thread safe.
 */
final class LeaseKeeper implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

    private final BackendLeases backend;
    private final String queue;
    private final Duration lease;
    private final int maxDeliveries;
    /** The leased batches with a position not gone yet, in pop order. */
    private final Queue<PoppedBatch> held = new ConcurrentLinkedQueue<>();
    /** Receipts whose ack failed: extended one by one until an ack is taken for them again (rare). */
    private final Set<Receipt> unacked = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scheduler;
    /** Failures in a row of extend and of reap (scheduler thread only): logged at 1, 2, 4, 8... */
    private int extendFailures;
    private int reapFailures;
    private final ListenerChain listeners;

    LeaseKeeper(BackendLeases backend, String queue, Duration lease, Duration reapInterval, int maxDeliveries,
                ListenerChain listeners) {
        this.listeners = Objects.requireNonNull(listeners, "listeners is null");
        this.backend = Objects.requireNonNull(backend, "backend is null");
        this.queue = Objects.requireNonNull(queue, "queue is null");
        this.lease = Objects.requireNonNull(lease, "lease is null");
        this.maxDeliveries = maxDeliveries;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sergeant-lease-keeper-" + queue);
            thread.setDaemon(true);
            return thread;
        });
        long extendEvery = Math.max(50, lease.toMillis() / 3);
        scheduler.scheduleWithFixedDelay(this::extend, extendEvery, extendEvery, TimeUnit.MILLISECONDS);
        long reapEvery = Math.max(50, reapInterval.toMillis());
        scheduler.scheduleWithFixedDelay(this::reap, 0, reapEvery, TimeUnit.MILLISECONDS);
    }

    /** The lease role this keeper extends and reaps with (the runtime acks and releases through it too). */
    BackendLeases leases() {
        return backend;
    }

    /** Starts keeping the leases of a popped, leased batch extended, until none of its positions is open. */
    void hold(PoppedBatch batch) {
        held.add(batch);
    }

    /** The leased batches held now, in pop order; the loop thread takes settled positions from them. */
    Iterable<PoppedBatch> heldBatches() {
        return held;
    }

    /** Stops looking at a batch none of whose positions is open (every lease settled, handed back or dead-lettered). */
    void release(PoppedBatch batch) {
        held.remove(batch);
    }

    /** Keeps extending receipts whose ack failed, until {@link #ackTaken} (their acks are tried again). */
    void ackFailed(List<Receipt> receipts) {
        unacked.addAll(receipts);
    }

    /** Receipts of a failed ack are being acked again: no longer extended. */
    void ackTaken(List<Receipt> receipts) {
        receipts.forEach(unacked::remove);
    }

    /**
     * The held receipts whose leases may be extended now: all but those taken for an ack, given up, whose
     * lease was lost, or still decoding past their deadline (so a payload that keeps a decoder busy expires,
     * and is redelivered or reaped into the dead letters, instead of being held for ever).
     */
    List<Receipt> extendable() {
        return extendable(new ArrayList<>());
    }

    private List<Receipt> extendable(List<Held> where) {
        long now = System.nanoTime();
        List<Receipt> receipts = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (PoppedBatch batch : held) {
            positions.clear();
            batch.extendable(now, receipts, positions);
            for (int position : positions) {
                where.add(new Held(batch, position));
            }
        }
        for (Receipt receipt : unacked) {
            receipts.add(receipt);
            where.add(new Held(null, -1));
        }
        return receipts;
    }

    private void extend() {
        List<Held> where = new ArrayList<>();
        List<Receipt> receipts = extendable(where);
        if (receipts.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        try {
            SettleResult result = backend.extend(queue, receipts, lease);
            // A receipt acked while this extension was on its way is refused too; only one still held was lost.
            List<Receipt> lost = lost(result.refused(), receipts, where);
            listeners.extended(queue, receipts.size(), lost.size(), Duration.ofNanos(System.nanoTime() - start), null);
            if (extendFailures > 0) {
                log.atWarn().addKeyValue("queue", queue).log("extending leases again after {} failures", extendFailures);
                extendFailures = 0;
            }
            if (!lost.isEmpty()) {
                log.atWarn().addKeyValue("queue", queue).addKeyValue("refused", lost.size())
                        .log("lost the lease of running tasks (they expired and may run again elsewhere); raise delivery.lease");
            }
        } catch (RuntimeException e) {
            listeners.extended(queue, receipts.size(), 0, Duration.ofNanos(System.nanoTime() - start), e);
            // Every tick while the backend is down: log once per doubling, not once per tick.
            if (Integer.bitCount(++extendFailures) == 1) {
                log.atWarn().addKeyValue("queue", queue).log("could not extend leases ({} in a row): {}", extendFailures,
                        e.getMessage());
            }
        }
    }

    /** The refused receipts still held (not acked meanwhile); they are not extended again. */
    private List<Receipt> lost(List<Receipt> refused, List<Receipt> receipts, List<Held> where) {
        if (refused.isEmpty()) {
            return List.of();
        }
        Map<Receipt, Held> positions = new HashMap<>();
        for (int i = 0; i < receipts.size(); i++) {
            positions.put(receipts.get(i), where.get(i));
        }
        List<Receipt> lost = new ArrayList<>();
        for (Receipt receipt : refused) {
            Held at = positions.get(receipt);
            if (at == null) {
                continue;
            }
            if (at.batch() == null) {
                if (unacked.remove(receipt)) {
                    lost.add(receipt);
                }
            } else if (!at.batch().gone(at.position())) {
                at.batch().leaseLost(at.position());
                lost.add(receipt);
            }
        }
        return lost;
    }

    private void reap() {
        try {
            ReapResult result = backend.reap(queue, maxDeliveries);
            listeners.reaped(queue, result.redelivered(), result.deadLettered());
            if (reapFailures > 0) {
                log.atWarn().addKeyValue("queue", queue).log("reaping expired leases again after {} failures", reapFailures);
                reapFailures = 0;
            }
            if (result.redelivered() > 0 || result.deadLettered() > 0) {
                log.atInfo().addKeyValue("queue", queue).addKeyValue("redelivered", result.redelivered())
                        .addKeyValue("dead_lettered", result.deadLettered()).log("reaped expired leases");
            }
        } catch (RuntimeException e) {
            if (Integer.bitCount(++reapFailures) == 1) {
                log.atWarn().addKeyValue("queue", queue).log("could not reap expired leases ({} in a row): {}", reapFailures,
                        e.getMessage());
            }
        }
    }

    /** Where an extended receipt is held: a batch and a position, or no batch for a receipt whose ack failed. */
    private record Held(PoppedBatch batch, int position) {
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
