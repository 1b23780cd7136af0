package io.sergeant.spi;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Typed, checked access to a plugin's string options. A plugin reads its options through this and
 * calls {@link #requireOnly(Collection)} so that a misspelled key is an error naming the key and the
 * accepted ones, not a silently ignored setting. Immutable; not for secrets (values appear in errors).
 */
public final class PluginOptions {

    private final String owner;
    private final Map<String, String> values;

    /**
     * @param owner  who the options belong to, for messages (for example {@code backend 'redis'})
     * @param values the raw options
     */
    public PluginOptions(String owner, Map<String, String> values) {
        this.owner = Objects.requireNonNull(owner, "owner is null");
        this.values = Map.copyOf(Objects.requireNonNull(values, "values is null"));
    }

    /** The raw options. */
    public Map<String, String> asMap() {
        return values;
    }

    /**
     * Rejects any key not in {@code allowed}, suggesting the closest known key for a likely misspelling.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} listing every unknown key (each with a
     *                           "did you mean" when a known key is close) and the known ones
     */
    public PluginOptions requireOnly(Collection<String> allowed) {
        List<String> unknown = new ArrayList<>();
        for (String key : new TreeSet<>(values.keySet())) {
            if (!allowed.contains(key)) {
                unknown.add(describeUnknown(key, allowed));
            }
        }
        if (!unknown.isEmpty()) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "unknown option" + (unknown.size() == 1 ? " " : "s ")
                    + String.join(", ", unknown) + " for " + owner + "; known: "
                    + (allowed.isEmpty() ? "none" : String.join(", ", new TreeSet<>(allowed))));
        }
        return this;
    }

    /** {@code 'key'}, followed by {@code (did you mean 'known'?)} when a known key is close to it. */
    public static String describeUnknown(String key, Collection<String> known) {
        return "'" + key + "'" + closest(key, known).map(match -> " (did you mean '" + match + "'?)").orElse("");
    }

    /**
     * The known name closest to {@code name} (edit distance, ignoring case), if it is close enough to be
     * a likely misspelling: at most a third of the name's length, and at least 1, apart.
     */
    public static java.util.Optional<String> closest(String name, Collection<String> known) {
        Objects.requireNonNull(name, "name is null");
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : new TreeSet<>(known)) {
            int distance = distance(name.toLowerCase(java.util.Locale.ROOT), candidate.toLowerCase(java.util.Locale.ROOT));
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        int allowed = Math.max(1, name.length() / 3);
        return bestDistance <= allowed ? java.util.Optional.of(best) : java.util.Optional.empty();
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** A string option, or the default. */
    public String string(String key, String defaultValue) {
        return values.getOrDefault(key, defaultValue);
    }

    /** What {@link #integer} accepts, as its error and the worker configuration's say: {@value}. */
    public static final String EXPECTED_INTEGER = "a whole number such as 4";
    /** What {@link #size} accepts, as its error and the worker configuration's say: {@value}. */
    public static final String EXPECTED_SIZE = "a size in bytes such as 1048576, 512K, 16M or 1G";
    /** What {@link #bool} accepts, as its error and the worker configuration's say: {@value}. */
    public static final String EXPECTED_BOOLEAN = "true or false";
    /** What {@link #duration} accepts, as its error and the worker configuration's say: {@value}. */
    public static final String EXPECTED_DURATION = "a duration such as 500ms, 30s, 2m, 1h or PT1M";

    /** An integer option, or the default; a non-integer value is an {@code INVALID_CONFIGURATION} error. */
    public int integer(String key, int defaultValue) {
        return parsed(key, defaultValue, PluginOptions::parseInteger, EXPECTED_INTEGER);
    }

    /** A long option (accepts K, M, G suffixes for binary multiples), or the default. */
    public long size(String key, long defaultValue) {
        return parsed(key, defaultValue, PluginOptions::parseSize, EXPECTED_SIZE);
    }

    /**
     * An integer option from {@code min} to {@code max}, or the default; a non-integer or a value out of
     * range is an {@code INVALID_CONFIGURATION} error that says {@code expected <range>}.
     *
     * @param range the accepted values in words, for the message (for example {@code 1 to 64})
     */
    public int integer(String key, int defaultValue, int min, int max, String range) {
        int value = integer(key, defaultValue);
        if (value < min || value > max) {
            throw invalid(key, values.getOrDefault(key, Integer.toString(value)), range);
        }
        return value;
    }

    /**
     * A size option from {@code min} to {@code max} bytes, or the default; a value that is not a size or
     * is out of range is an {@code INVALID_CONFIGURATION} error that says {@code expected <range>}.
     *
     * @param range the accepted sizes in words, for the message (for example {@code 1 byte to 2G})
     */
    public long size(String key, long defaultValue, long min, long max, String range) {
        long value = size(key, defaultValue);
        if (value < min || value > max) {
            throw invalid(key, values.getOrDefault(key, Long.toString(value)), range);
        }
        return value;
    }

    /** A boolean option ({@code true}/{@code false}, any case), or the default. */
    public boolean bool(String key, boolean defaultValue) {
        return parsed(key, defaultValue, PluginOptions::parseBoolean, EXPECTED_BOOLEAN);
    }

    /** A duration option ({@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, or ISO-8601), or the default. */
    public Duration duration(String key, Duration defaultValue) {
        return parsed(key, defaultValue, PluginOptions::parseDuration, EXPECTED_DURATION);
    }

    /** The option parsed, or the default when absent; a value the parser refuses is an {@code INVALID_CONFIGURATION} error. */
    private <T> T parsed(String key, T defaultValue, Function<String, T> parser, String expected) {
        String value = values.get(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            return parser.apply(value);
        } catch (RuntimeException e) {
            throw invalid(key, value, expected);
        }
    }

    /** A set of comma-separated values, or empty. */
    public Set<String> list(String key) {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            return Set.of();
        }
        Set<String> result = new TreeSet<>();
        for (String part : value.split(",")) {
            if (!part.isBlank()) {
                result.add(part.trim());
            }
        }
        return Set.copyOf(result);
    }

    /**
     * Parses a whole number (surrounding white space ignored).
     *
     * @throws NumberFormatException if it is not one
     */
    public static int parseInteger(String text) {
        return Integer.parseInt(text.trim());
    }

    /**
     * Parses {@code true} or {@code false}, in any case (surrounding white space ignored).
     *
     * @throws IllegalArgumentException for anything else
     */
    public static boolean parseBoolean(String text) {
        String value = text.trim();
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new IllegalArgumentException("'" + text + "' is not true or false");
    }

    /** Parses {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, {@code 1d}, plain seconds, or ISO-8601. */
    public static Duration parseDuration(String text) {
        String value = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (value.startsWith("p")) {
            return Duration.parse(value.toUpperCase(java.util.Locale.ROOT));
        }
        if (value.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2).trim()));
        }
        char unit = value.charAt(value.length() - 1);
        String number = Character.isDigit(unit) ? value : value.substring(0, value.length() - 1).trim();
        double amount = Double.parseDouble(number);
        double seconds = switch (unit) {
            case 's' -> amount;
            case 'm' -> amount * 60;
            case 'h' -> amount * 3600;
            case 'd' -> amount * 86400;
            default -> {
                if (!Character.isDigit(unit)) {
                    throw new IllegalArgumentException("unknown duration unit in " + text);
                }
                yield amount;
            }
        };
        if (seconds < 0 || Double.isNaN(seconds)) {
            throw new IllegalArgumentException("negative duration " + text);
        }
        return Duration.ofNanos((long) (seconds * 1_000_000_000L));
    }

    /** Parses a byte size: a plain number, or with a K, M or G suffix (binary multiples, optional B). */
    public static long parseSize(String text) {
        String value = text.trim().toUpperCase(java.util.Locale.ROOT);
        if (value.endsWith("B")) {
            value = value.substring(0, value.length() - 1);
        }
        long multiplier = 1;
        char unit = value.isEmpty() ? ' ' : value.charAt(value.length() - 1);
        switch (unit) {
            case 'K' -> multiplier = 1L << 10;
            case 'M' -> multiplier = 1L << 20;
            case 'G' -> multiplier = 1L << 30;
            default -> { }
        }
        if (multiplier > 1) {
            value = value.substring(0, value.length() - 1);
        }
        long number = Long.parseLong(value.trim());
        if (number < 0) {
            throw new NumberFormatException("negative size " + text);
        }
        return Math.multiplyExact(number, multiplier);
    }

    private SergeantException invalid(String key, String value, String expected) {
        return new SergeantException(ErrorCode.INVALID_CONFIGURATION,
                "option '" + key + "' of " + owner + " is '" + value + "'; expected " + expected);
    }
}
