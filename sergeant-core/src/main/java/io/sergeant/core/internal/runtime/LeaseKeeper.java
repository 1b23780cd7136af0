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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * At-least-once housekeeping of one worker on one daemon thread: extends the leases of the tasks it
 * holds every third of the lease time, so a long task is never redelivered while it runs, and reaps
 * expired leases of the queue every reap interval, so tasks of dead workers come back. Thread safe.
 */
final class LeaseKeeper implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

    private final BackendLeases backend;
    private final String queue;
    private final Duration lease;
    private final int maxDeliveries;
    private final Set<Receipt> held = ConcurrentHashMap.newKeySet();
    /** Held receipts whose payload is being decoded, with the decode deadline ({@link System#nanoTime()}). */
    private final Map<Receipt, Long> decoding = new ConcurrentHashMap<>();
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

    void hold(List<Receipt> receipts) {
        held.addAll(receipts);
    }

    void settled(List<Receipt> receipts) {
        receipts.forEach(held::remove);
        receipts.forEach(decoding::remove);
    }

    /**
     * The payload of a held receipt is being decoded until {@code deadlineNanos}: past that, its lease is
     * no longer extended (so a payload that keeps a decoder busy expires, and is redelivered or reaped
     * into the dead letters, instead of being held for ever).
     */
    void decoding(Receipt receipt, long deadlineNanos) {
        decoding.put(receipt, deadlineNanos);
    }

    /** The payload of a held receipt is decoded (or rejected); its lease is extended as usual again. */
    void decoded(Receipt receipt) {
        decoding.remove(receipt);
    }

    /** The held receipts whose leases may be extended now: all but those still decoding past their deadline. */
    List<Receipt> extendable() {
        long now = System.nanoTime();
        List<Receipt> receipts = new ArrayList<>(held.size());
        for (Receipt receipt : held) {
            Long deadline = decoding.get(receipt);
            if (deadline == null || now - deadline <= 0) {
                receipts.add(receipt);
            }
        }
        return receipts;
    }

    private void extend() {
        List<Receipt> receipts = extendable();
        if (receipts.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        try {
            SettleResult result = backend.extend(queue, receipts, lease);
            // A receipt acked while this extension was on its way is refused too; only one still held was lost.
            List<Receipt> lost = result.refused().stream().filter(held::remove).toList();
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

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
