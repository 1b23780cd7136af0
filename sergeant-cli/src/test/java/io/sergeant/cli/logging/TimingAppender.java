package io.sergeant.cli.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands every event to another appender and adds up the time the logging threads spent inside it:
 * what logging costs the code that logs (a blocking appender makes it grow to the whole run).
 * Thread safe.
 */
final class TimingAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

    private final Appender<ILoggingEvent> delegate;
    private final AtomicLong nanos = new AtomicLong();

    TimingAppender(Appender<ILoggingEvent> delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate is null");
        setName("timed-" + delegate.getName());
    }

    @Override
    protected void append(ILoggingEvent event) {
        long start = System.nanoTime();
        try {
            delegate.doAppend(event);
        } finally {
            nanos.addAndGet(System.nanoTime() - start);
        }
    }

    /** Nanoseconds spent in the delegate so far, over all threads. */
    long nanos() {
        return nanos.get();
    }
}
