package io.sergeant.backend.local;

import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import io.sergeant.spi.backend.SettledPop;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The lease role. A leasing pop deletes its tasks from {@code task_queue} as Python's pop does and keeps
 * them, with their lease, in one record per batch ({@link BatchLeases}; docs/python-compat.md §3.4 for
 * what a Python process sharing the file sees of that); receipts are settled one by one or all at once
 * against that record. Leases written in place by the previous version ({@link LegacyLeases}) keep
 * settling and expiring. Every call is one {@code BEGIN IMMEDIATE} transaction (reap first reads whether
 * anything expired), so concurrent workers in any number of processes never settle a task twice. Thread safe.
 */
final class SqliteLeases implements BackendLeases {

    private final SqliteFile file;

    SqliteLeases(SqliteFile file) {
        this.file = Objects.requireNonNull(file, "file is null");
    }

    /** At-least-once pop: leases up to {@code max} tasks as one batch (see {@link BatchLeases#pop}). */
    List<Delivery> pop(String queue, int max, DeliveryOptions options) {
        return file.inTransaction("pop", connection -> popLeased(connection, queue, max, options));
    }

    private List<Delivery> popLeased(PooledConnection connection, String queue, int max, DeliveryOptions options)
            throws SQLException {
        double now = file.now();
        restoreExpiredLeases(connection, file.settings(), queue, now);
        return BatchLeases.pop(connection, file.settings(), queue, max, options, now);
    }

    /**
     * Puts the queue's expired leases back into {@code task_queue} at the priority they had (delivery count
     * kept), so that the pop that takes one again orders it by that priority: an expired HIGH task keeps
     * its HIGH place. Every pop, leased or not, calls it first; two index probes when nothing expired.
     */
    static void restoreExpiredLeases(PooledConnection connection, LocalSettings settings, String queue, double now)
            throws SQLException {
        LegacyLeases.restoreExpired(connection, settings, queue, now, 0);
        BatchLeases.restoreExpired(connection, settings, queue, now, 0);
    }

    @Override
    public SettleResult ack(String queue, List<Receipt> receipts) {
        return settle("ack", queue, receipts, BatchLeases.Action.ACK, 0);
    }

    @Override
    public SettleResult extend(String queue, List<Receipt> receipts, Duration lease) {
        Objects.requireNonNull(lease, "lease is null");
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("a lease must be positive: " + lease);
        }
        return settle("extend", queue, receipts, BatchLeases.Action.EXTEND, file.now() + SqliteFile.seconds(lease));
    }

    @Override
    public SettleResult release(String queue, List<Receipt> receipts) {
        return settle("release", queue, receipts, BatchLeases.Action.RELEASE, 0);
    }

    @Override
    public SettleResult handBack(String queue, List<Receipt> receipts) {
        return settle("hand back", queue, receipts, BatchLeases.Action.HAND_BACK, 0);
    }

    private SettleResult settle(String what, String queue, List<Receipt> receipts, BatchLeases.Action action,
                                double leaseUntil) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(receipts, "receipts is null");
        if (receipts.isEmpty()) {
            return SettleResult.all(0);
        }
        return file.inTransaction(what, connection -> settle(connection, queue, receipts, action, leaseUntil));
    }

    /**
     * Settles batch receipts (an id with a colon) against their batch records and the others as receipts of
     * in-place leases with the previous version's statements, in the caller's transaction; a receipt of
     * neither form is refused by the side it went to. Refused receipts are reported in the call's order.
     */
    private SettleResult settle(PooledConnection connection, String queue, List<Receipt> receipts,
                                BatchLeases.Action action, double leaseUntil) throws SQLException {
        int size = receipts.size();
        boolean[] inBatch = new boolean[size];
        List<Receipt> batch = new ArrayList<>(size);
        List<Receipt> legacy = List.of();
        for (int i = 0; i < size; i++) {
            Receipt receipt = Objects.requireNonNull(receipts.get(i), "a receipt is null");
            inBatch[i] = receipt.id().indexOf(':') >= 0;
            if (inBatch[i]) {
                batch.add(receipt);
            } else {
                if (legacy.isEmpty()) {
                    legacy = new ArrayList<>();
                }
                legacy.add(receipt);
            }
        }
        boolean[] batchSettled = BatchLeases.settle(connection, file.settings(), queue, batch, action, leaseUntil,
                null, file.now());
        boolean[] legacySettled = legacy.isEmpty() ? new boolean[0]
                : LegacyLeases.settle(connection, queue, legacy, legacyAction(action), leaseUntil);
        int settled = 0;
        int nextBatch = 0;
        int nextLegacy = 0;
        List<Receipt> refused = null;
        for (int i = 0; i < size; i++) {
            if (inBatch[i] ? batchSettled[nextBatch++] : legacySettled[nextLegacy++]) {
                settled++;
                continue;
            }
            if (refused == null) {
                refused = new ArrayList<>();
            }
            refused.add(receipts.get(i));
        }
        return new SettleResult(settled, refused == null ? List.of() : refused);
    }

    private static LegacyLeases.Action legacyAction(BatchLeases.Action action) {
        return switch (action) {
            case ACK -> LegacyLeases.Action.ACK;
            case EXTEND -> LegacyLeases.Action.EXTEND;
            case RELEASE -> LegacyLeases.Action.RELEASE;
            case HAND_BACK -> LegacyLeases.Action.HAND_BACK;
            case DEAD_LETTER -> throw new IllegalArgumentException("dead letters go through deadLetter");
        };
    }

    /**
     * Moves the task of a leased delivery to the dead letters if its receipt still holds it, in the
     * caller's transaction (the dead-letter role).
     */
    boolean deadLetter(PooledConnection connection, String queue, Receipt receipt, String reason) throws SQLException {
        double now = file.now();
        if (receipt.id().indexOf(':') >= 0) {
            return BatchLeases.settle(connection, file.settings(), queue, List.of(receipt), BatchLeases.Action.DEAD_LETTER,
                    0, reason, now)[0];
        }
        if (LegacyLeases.deadLetter(connection, queue, receipt, reason, now)) {
            SqliteDeadLetters.trim(connection, file.settings(), queue, 1);
            return true;
        }
        return false;
    }

    /**
     * Settle-and-pop in one transaction: the acks, then the leasing pop, so either both happen or neither
     * does.
     */
    @Override
    public SettledPop ackAndPop(Backend backend, String queue, List<Receipt> receipts, int max, DeliveryOptions options) {
        BackendLeases.checkAckAndPop(queue, receipts, max, options);
        List<Delivery> deliveries = new ArrayList<>();
        SettleResult acked = file.inTransaction("ack and pop", connection -> {
            SettleResult result = receipts.isEmpty() ? SettleResult.all(0)
                    : settle(connection, queue, receipts, BatchLeases.Action.ACK, 0);
            deliveries.clear(); // a retried transaction starts over
            if (max > 0) {
                deliveries.addAll(popLeased(connection, queue, max, options));
            }
            return result;
        });
        return new SettledPop(acked, deliveries);
    }

    @Override
    public ReapResult reap(String queue, int maxDeliveries) {
        Objects.requireNonNull(queue, "queue is null");
        if (maxDeliveries <= 0) {
            throw new IllegalArgumentException("maxDeliveries must be positive: " + maxDeliveries);
        }
        double now = file.now();
        // A cheap read first, so that idle reapers in many workers do not queue up for the write lock.
        if (!file.inConnection("reap", connection -> LegacyLeases.anyExpired(connection, queue, now)
                || BatchLeases.anyExpired(connection, queue, now))) {
            return ReapResult.NONE;
        }
        return file.inTransaction("reap", connection -> {
            int[] legacy = LegacyLeases.restoreExpired(connection, file.settings(), queue, now, maxDeliveries);
            int[] batches = BatchLeases.restoreExpired(connection, file.settings(), queue, now, maxDeliveries);
            int redelivered = legacy[0] + batches[0];
            int deadLettered = legacy[1] + batches[1];
            return redelivered == 0 && deadLettered == 0 ? ReapResult.NONE : new ReapResult(redelivered, deadLettered);
        });
    }
}
