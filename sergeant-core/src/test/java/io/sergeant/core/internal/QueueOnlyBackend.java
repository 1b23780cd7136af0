package io.sergeant.core.internal;

import io.sergeant.api.Priority;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;

import java.time.Instant;
import java.util.List;

/**
 * A backend that plays the queue role only, on top of a real one (which the test closes): for tests of
 * how core treats a backend without the other roles.
 *
 * @param inner the real backend the queue calls go to
 */
public record QueueOnlyBackend(Backend inner) implements Backend {

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
    public void close() {
        // the test closes the inner backend
    }
}
