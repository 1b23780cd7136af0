package io.sergeant.cli.console;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A progress display of {@code done / total} with a rate. On a terminal it redraws one line with
 * {@code \r} at most every {@value #REDRAW_MILLIS} ms, cut to one column less than the terminal's width
 * (so it never wraps, which would leave a stray copy on the line above) and followed by the ANSI
 * erase-to-end-of-line, so a shorter line leaves nothing of a longer one; otherwise it prints a plain
 * line at most every {@code lineIntervalMillis}, so logs and pipes stay readable. {@link #finish} always
 * prints the final state on its own line.
 *
 * <p>Not thread safe: one thread updates it. Time comes from the given nano clock, so it is testable.
 */
public final class ProgressBar {

    static final long REDRAW_MILLIS = 100;
    private static final int WIDTH = 30;
    /** The terminal width assumed when {@code COLUMNS} does not say. */
    public static final int DEFAULT_COLUMNS = 80;
    private static final String ERASE_TO_END_OF_LINE = "\u001B[K";

    private final PrintWriter out;
    private final boolean terminal;
    private final String label;
    private final long total;
    private final long lineIntervalMillis;
    private final LongSupplier nanoClock;
    private final int columns;
    private final long startNanos;
    private long lastPrintNanos;
    private boolean printed;

    /**
     * A progress bar.
     *
     * @param out                where to draw
     * @param terminal           whether {@code out} is a terminal (redraw in place)
     * @param label              what is counted, for example {@code executed}
     * @param total              the count at completion; positive
     * @param lineIntervalMillis minimum time between plain lines when not a terminal
     * @param nanoClock          a monotonic clock in nanoseconds, such as {@code System::nanoTime}
     */
    public ProgressBar(PrintWriter out, boolean terminal, String label, long total, long lineIntervalMillis,
                       LongSupplier nanoClock) {
        this(out, terminal, label, total, lineIntervalMillis, nanoClock, DEFAULT_COLUMNS);
    }

    /**
     * A progress bar on a terminal of {@code columns} columns (at least 20).
     *
     * @see #ProgressBar(PrintWriter, boolean, String, long, long, LongSupplier)
     */
    public ProgressBar(PrintWriter out, boolean terminal, String label, long total, long lineIntervalMillis,
                       LongSupplier nanoClock, int columns) {
        if (columns < 20) {
            throw new IllegalArgumentException("columns must be at least 20: " + columns);
        }
        this.columns = columns;
        this.out = Objects.requireNonNull(out, "out is null");
        this.terminal = terminal;
        this.label = Objects.requireNonNull(label, "label is null");
        if (total <= 0) {
            throw new IllegalArgumentException("total must be positive: " + total);
        }
        this.total = total;
        this.lineIntervalMillis = lineIntervalMillis;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock is null");
        this.startNanos = nanoClock.getAsLong();
    }

    /** A progress bar on {@code out}, redrawn in place when the JVM runs on a terminal, with lines every 2 s otherwise. */
    public static ProgressBar on(PrintWriter out, String label, long total) {
        return new ProgressBar(out, System.console() != null, label, total, 2000, System::nanoTime, columns(System.getenv("COLUMNS")));
    }

    /** The terminal width from the {@code COLUMNS} environment variable, else {@value #DEFAULT_COLUMNS}. */
    public static int columns(String environmentValue) {
        try {
            int value = environmentValue == null ? DEFAULT_COLUMNS : Integer.parseInt(environmentValue.trim());
            return Math.max(20, value);
        } catch (NumberFormatException e) {
            return DEFAULT_COLUMNS;
        }
    }

    /** Shows {@code done} and a free-form detail (may be empty) if enough time has passed since the last drawing. */
    public void update(long done, String detail) {
        long now = nanoClock.getAsLong();
        long interval = (terminal ? REDRAW_MILLIS : lineIntervalMillis) * 1_000_000L;
        if (printed && now - lastPrintNanos < interval) {
            return;
        }
        draw(done, detail, now);
    }

    /** Draws the final state and ends the line. */
    public void finish(long done, String detail) {
        draw(done, detail, nanoClock.getAsLong());
        if (terminal) {
            out.println();
        }
        out.flush();
    }

    /** The line shown for {@code done} after {@code elapsedNanos}, without the carriage return. */
    String render(long done, String detail, long elapsedNanos) {
        double fraction = Math.min(1.0, Math.max(0.0, (double) done / total));
        int filled = (int) Math.round(fraction * WIDTH);
        double seconds = elapsedNanos / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        StringBuilder line = new StringBuilder(100);
        line.append('[').append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ");
        line.append(String.format(Locale.ROOT, "%5.1f%% %,d/%,d %s, %,.0f/s, %.1fs", fraction * 100, done, total, label,
                rate, seconds));
        if (!detail.isEmpty()) {
            line.append(" | ").append(detail);
        }
        return line.toString();
    }

    /** {@link #render} cut to {@code columns - 1} characters, the last one an ellipsis when something was cut. */
    String fitted(long done, String detail, long elapsedNanos) {
        String line = render(done, detail, elapsedNanos);
        int room = columns - 1;
        return line.length() <= room ? line : line.substring(0, room - 1) + "\u2026";
    }

    private void draw(long done, String detail, long now) {
        if (terminal) {
            out.print("\r" + fitted(done, detail, now - startNanos) + ERASE_TO_END_OF_LINE);
        } else {
            out.println(render(done, detail, now - startNanos));
        }
        out.flush();
        printed = true;
        lastPrintNanos = now;
    }
}
