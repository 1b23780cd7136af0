package io.sergeant.cli.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import net.logstash.logback.appender.LogstashTcpSocketAppender;
import net.logstash.logback.appender.listener.TcpAppenderListener;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/**
 * The {@code LOGSTASH} appender of the shipped {@code logback.xml}: logstash-logback-encoder's
 * {@link LogstashTcpSocketAppender} whose {@link #stop()} returns within about the shutdown grace period
 * (plus {@value #CLOSE_MARGIN_MILLIS} ms), also against a server that accepts the connection and never reads.
 *
 * <p>Why: the parent's stop waits the grace period for the buffer to drain, then waits up to a minute for
 * its sending thread. That thread can sit in a socket write the server never takes (the write-timeout check
 * runs on the executor the stop has just shut down), so stopping the logging of a worker (a logback reset,
 * a reconfiguration, a shutdown hook) took a minute per appender. Here, if the parent is still stopping
 * once the grace period and a short margin have passed, the connection is closed: the blocked write fails,
 * the sending thread ends and the stop returns. Events still buffered or in flight at that point are lost,
 * which is what the grace period already promised for a server that does not read.
 *
 * <p>Thread safe like its parent; logback instantiates it from {@code logback.xml}.
 */
public class BoundedStopLogstashAppender extends LogstashTcpSocketAppender {

    /** How long after the grace period a stop that has not finished closes the connection. */
    static final long CLOSE_MARGIN_MILLIS = 1000;

    private volatile Socket connection;

    /** An appender with no destination yet; logback configures and starts it. */
    public BoundedStopLogstashAppender() {
        addListener(new ConnectionTracker());
    }

    @Override
    public synchronized void stop() {
        if (!isStarted()) {
            return;
        }
        long closeAfterMillis = getShutdownGracePeriod().getMilliseconds() + CLOSE_MARGIN_MILLIS;
        Thread closer = new Thread(() -> closeAfter(closeAfterMillis), "sergeant-logstash-stop-" + getName());
        closer.setDaemon(true);
        closer.start();
        try {
            super.stop();
        } finally {
            closer.interrupt();
        }
    }

    private void closeAfter(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            return; // the stop finished in time
        }
        Socket socket = connection;
        if (socket == null) {
            return;
        }
        addWarn("the log server did not take the last events within the shutdown grace period; closing the connection");
        try {
            socket.close();
        } catch (IOException e) {
            addWarn("cannot close the connection to the log server: " + e);
        }
    }

    /** Keeps the connection the sending thread writes to, so that a stop can close it. */
    private final class ConnectionTracker implements TcpAppenderListener<ILoggingEvent> {

        @Override
        public void connectionOpened(Appender<ILoggingEvent> appender, Socket socket) {
            connection = socket;
        }

        @Override
        public void connectionClosed(Appender<ILoggingEvent> appender, Socket socket) {
            if (connection == socket) {
                connection = null;
            }
        }
    }
}
