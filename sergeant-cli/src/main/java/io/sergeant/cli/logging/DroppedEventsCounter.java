package io.sergeant.cli.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.Context;
import net.logstash.logback.appender.listener.TcpAppenderListener;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the log events an asynchronous logstash-logback-encoder appender dropped because its bounded
 * buffer was full (the Logstash server is down, slow or not reading): the worker never waits for the
 * log server, and what it could not ship is counted here instead. The count is kept in the logback
 * context under {@value #CONTEXT_KEY} (read it with {@link #dropped(Context)}), and stderr gets one
 * line about it at most every {@value #REPORT_EVERY_MILLIS} ms. Thread safe.
 *
 * <p>Configured in {@code logback.xml} inside the appender: {@code <listener class="io.sergeant.cli.logging.DroppedEventsCounter"/>}.
 */
public class DroppedEventsCounter implements TcpAppenderListener<ILoggingEvent> {

    /** The logback context object holding the {@link AtomicLong} count. */
    public static final String CONTEXT_KEY = "sergeant.logstash.dropped";
    static final long REPORT_EVERY_MILLIS = 10_000;

    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong nextReportMillis = new AtomicLong();
    private final PrintStream err = System.err;

    /** A counter; logback instantiates it. */
    public DroppedEventsCounter() {
    }

    @Override
    public void appenderStarted(Appender<ILoggingEvent> appender) {
        Context context = appender.getContext();
        if (context != null) {
            context.putObject(CONTEXT_KEY, dropped);
        }
    }

    @Override
    public void eventAppendFailed(Appender<ILoggingEvent> appender, ILoggingEvent event, Throwable reason) {
        long count = dropped.incrementAndGet();
        long now = System.currentTimeMillis();
        long next = nextReportMillis.get();
        if (now >= next && nextReportMillis.compareAndSet(next, now + REPORT_EVERY_MILLIS)) {
            err.println("sergeant: the Logstash appender has dropped " + count + " log events so far: its buffer is full "
                    + "because the server is down, slow or not reading (" + reason + ")");
        }
    }

    /** Events dropped so far by the appender whose counter registered in {@code context}; 0 if none did. */
    public static long dropped(Context context) {
        Object count = context.getObject(CONTEXT_KEY);
        return count instanceof AtomicLong value ? value.get() : 0;
    }
}
