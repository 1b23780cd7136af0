package io.sergeant.core.internal;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.spi.backend.BackendKeys;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendLocks;
import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A backend that forwards to a real one, for tests that replace one part of it: the queue calls, {@code stats}, the
 * lease, dead-letter, key, lock and monitoring roles, and {@code close}. The wake-up role, the pop split and the pop
 * pipeline keep the interface's defaults (none), so a subclass adds what it tests and nothing else of the inner
 * backend's fast paths reaches core. (For a backend that plays the queue role only, see {@link QueueOnlyBackend}.)
 */
public abstract class ForwardingBackend implements Backend {

    /** The real backend every forwarded call goes to. */
    protected final Backend inner;

    /** @param inner the real backend; closed by {@link #close()} */
    protected ForwardingBackend(Backend inner) {
        this.inner = requireNonNull(inner, "inner is null");
    }

    @Override
    public void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom) {
        inner.push(queue, items, priority, consumableFrom);
    }

    @Override
    public List<Delivery> pop(String queue, int max, DeliveryOptions options) {
        return inner.pop(queue, max, options);
    }

    @Override
    public long length(String queue, boolean includeDelayed) {
        return inner.length(queue, includeDelayed);
    }

    @Override
    public boolean purge(String queue) {
        return inner.purge(queue);
    }

    @Override
    public QueueStats stats(String queue) {
        return inner.stats(queue);
    }

    @Override
    public Optional<BackendLeases> leaseRole() {
        return inner.leaseRole();
    }

    @Override
    public Optional<BackendDeadLetters> deadLetterRole() {
        return inner.deadLetterRole();
    }

    @Override
    public Optional<BackendKeys> keyRole() {
        return inner.keyRole();
    }

    @Override
    public Optional<BackendLocks> lockRole() {
        return inner.lockRole();
    }

    @Override
    public Optional<BackendMonitoring> monitoringRole() {
        return inner.monitoringRole();
    }

    @Override
    public void close() {
        inner.close();
    }
}
