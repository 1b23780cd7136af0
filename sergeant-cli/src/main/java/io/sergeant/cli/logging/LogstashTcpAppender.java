package io.sergeant.cli.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Ships log events as JSON lines ({@link JsonLinesLayout}) to a Logstash {@code tcp} input with the
 * {@code json_lines} codec, over one kept-open connection (like Python Sergeant's buffered handler,
 * one message per line). When the server cannot be reached the event is dropped, the failure is
 * printed to stderr, and reconnection is tried again after {@value #RETRY_MILLIS} ms, so logging
 * never blocks the worker for long.
 *
 * <p>Configured in {@code logback.xml} with {@code <destination>host:port</destination>}. Logback
 * serializes calls to {@link #append}.
 */
public final class LogstashTcpAppender extends AppenderBase<ILoggingEvent> {

    static final long RETRY_MILLIS = 1000;
    private static final int TIMEOUT_MILLIS = 2000;

    private final JsonLinesLayout layout = new JsonLinesLayout();
    private String host = "localhost";
    private int port = 9999;
    private Socket socket;
    private OutputStream stream;
    private long nextAttemptMillis;

    /** An appender; logback instantiates it. */
    public LogstashTcpAppender() {
    }

    /** The server as {@code host:port}. */
    public void setDestination(String destination) {
        int colon = destination.lastIndexOf(':');
        if (colon <= 0 || colon == destination.length() - 1) {
            addError("logstash destination '" + destination + "' is not host:port; keeping " + host + ":" + port);
            return;
        }
        try {
            port = Integer.parseInt(destination.substring(colon + 1).trim());
            host = destination.substring(0, colon).trim();
        } catch (NumberFormatException e) {
            addError("logstash destination '" + destination + "' has no numeric port; keeping " + host + ":" + port);
        }
    }

    @Override
    public void start() {
        layout.setContext(getContext());
        layout.start();
        super.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        event.getCallerData();
        byte[] line = layout.doLayout(event).getBytes(StandardCharsets.UTF_8);
        if (stream == null && !connect()) {
            return;
        }
        try {
            stream.write(line);
            stream.flush();
        } catch (IOException e) {
            System.err.println("sending log entry to the logstash server has failed: " + e);
            disconnect();
            nextAttemptMillis = System.currentTimeMillis() + RETRY_MILLIS;
        }
    }

    private boolean connect() {
        long now = System.currentTimeMillis();
        if (now < nextAttemptMillis) {
            return false;
        }
        try {
            Socket connection = new Socket();
            connection.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
            connection.setSoTimeout(TIMEOUT_MILLIS);
            socket = connection;
            stream = connection.getOutputStream();
            return true;
        } catch (IOException e) {
            System.err.println("sending log entry to the logstash server has failed: cannot connect to " + host + ":" + port
                    + ": " + e.getMessage());
            nextAttemptMillis = now + RETRY_MILLIS;
            return false;
        }
    }

    private void disconnect() {
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException e) {
            addWarn("closing the logstash connection failed: " + e);
        }
        socket = null;
        stream = null;
    }

    @Override
    public void stop() {
        disconnect();
        layout.stop();
        super.stop();
    }
}
