package io.sergeant.cli.logging;

import io.sergeant.toolkit.text.LogText;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Logback's {@code %ex} for the plain-text log ({@code %escapedEx} in the shipped {@code logback.xml}): the
 * stack trace of an event's throwable, laid out exactly as {@link ThrowableProxyConverter} lays it out (one
 * line per frame, {@code Caused by:}, {@code Suppressed:}, common frames elided), except that the message
 * of the throwable, of each of its causes and of each suppressed one is escaped: every control character
 * (C0, DEL, C1, U+2028, U+2029) becomes {@code \n}, {@code \r}, {@code \t} or a backslash-u escape of four
 * hex digits, as core escapes task data in log messages. A task that throws
 * {@code new IllegalArgumentException("bad email: " + kwargs.get("email"))} can thus not start a log line
 * of its own, move the cursor or colour a terminal with what a producer put in its kwargs (issue 13 §3).
 * Class names and frames come from loaded code and are written as they are. The JSON appenders need no
 * such converter: JSON strings escape control characters. Thread safe, as Logback's converters are.
 */
public class EscapedThrowableConverter extends ThrowableProxyConverter {

    /** A converter; Logback creates it from the pattern's conversion word. */
    public EscapedThrowableConverter() {
    }

    @Override
    protected String throwableProxyToString(IThrowableProxy thrown) {
        return super.throwableProxyToString(Escaped.of(thrown, new IdentityHashMap<>()));
    }

    /**
     * {@code text} with every control character (C0, DEL, C1, U+2028, U+2029) written as an escape, the
     * same escaping as core's task data in log messages; null stays null.
     */
    public static String escape(String text) {
        return LogText.escape(text);
    }

    /** A throwable proxy whose messages (its own, its causes', its suppressed ones') are escaped. */
    private static final class Escaped implements IThrowableProxy {
        private final IThrowableProxy original;
        private final String message;
        private final IThrowableProxy cause;
        private final IThrowableProxy[] suppressed;

        private Escaped(IThrowableProxy original, Map<IThrowableProxy, Escaped> seen) {
            this.original = original;
            this.message = escape(original.getMessage());
            seen.put(original, this);
            this.cause = of(original.getCause(), seen);
            IThrowableProxy[] others = original.getSuppressed();
            if (others == null) {
                this.suppressed = null;
            } else {
                this.suppressed = new IThrowableProxy[others.length];
                for (int i = 0; i < others.length; i++) {
                    this.suppressed[i] = of(others[i], seen);
                }
            }
        }

        /** The escaped proxy of {@code thrown}, one per original (a cyclic chain stays cyclic, never endless). */
        static IThrowableProxy of(IThrowableProxy thrown, Map<IThrowableProxy, Escaped> seen) {
            if (thrown == null) {
                return null;
            }
            Escaped done = seen.get(thrown);
            return done != null ? done : new Escaped(thrown, seen);
        }

        @Override
        public String getMessage() {
            return message;
        }

        @Override
        public String getClassName() {
            return original.getClassName();
        }

        @Override
        public StackTraceElementProxy[] getStackTraceElementProxyArray() {
            return original.getStackTraceElementProxyArray();
        }

        @Override
        public int getCommonFrames() {
            return original.getCommonFrames();
        }

        @Override
        public IThrowableProxy getCause() {
            return cause;
        }

        @Override
        public IThrowableProxy[] getSuppressed() {
            return suppressed;
        }

        @Override
        public boolean isCyclic() {
            return original.isCyclic();
        }
    }
}
