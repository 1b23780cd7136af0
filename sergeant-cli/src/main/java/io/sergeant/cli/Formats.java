package io.sergeant.cli;

import java.util.Locale;

/** Number formatting of the command's output, locale independent. Stateless. */
final class Formats {

    private Formats() {
    }

    /** {@code 100000} as {@code 100,000}. */
    static String count(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    /** A rate per second with thousands separators. */
    static String rate(long count, long nanos) {
        return nanos <= 0 ? "n/a" : String.format(Locale.ROOT, "%,.0f", count / (nanos / 1e9));
    }

    /** Seconds with two decimals. */
    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }
}
