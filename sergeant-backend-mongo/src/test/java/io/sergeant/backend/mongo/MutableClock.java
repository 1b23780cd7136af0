package io.sergeant.backend.mongo;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** The system clock plus an offset that a test moves forward, to expire leases without sleeping. Thread safe. */
final class MutableClock extends Clock {

    private final AtomicLong offsetMillis = new AtomicLong();

    /** Moves this clock forward. */
    void advance(Duration duration) {
        offsetMillis.addAndGet(duration.toMillis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a test clock has one zone");
    }

    @Override
    public long millis() {
        return System.currentTimeMillis() + offsetMillis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    /** The current time in epoch seconds, as the backend stores it. */
    double seconds() {
        return millis() / 1000.0;
    }
}
