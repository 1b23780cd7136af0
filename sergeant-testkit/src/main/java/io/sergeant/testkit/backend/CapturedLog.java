package io.sergeant.testkit.backend;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The warnings logged while it is open, from every thread, through {@code System.Logger} with the JDK's
 * default logger finder (java.util.logging): a handler on the root logger, removed at {@link #close()}.
 * Only the scenarios that check what a backend logs use it; a test class path that routes
 * {@code System.Logger} elsewhere (e.g. slf4j-jdk-platform-logging) sees nothing here.
 */
final class CapturedLog implements AutoCloseable {

    private final Logger root = Logger.getLogger("");
    private final List<String> messages = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                messages.add(formatter.formatMessage(record));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private CapturedLog() {
        handler.setLevel(Level.WARNING);
        root.addHandler(handler);
    }

    /** Starts capturing. */
    static CapturedLog start() {
        return new CapturedLog();
    }

    /** The messages of the warnings (and more severe records) captured so far, in the order logged. */
    List<String> warnings() {
        return List.copyOf(messages);
    }

    @Override
    public void close() {
        root.removeHandler(handler);
    }
}
