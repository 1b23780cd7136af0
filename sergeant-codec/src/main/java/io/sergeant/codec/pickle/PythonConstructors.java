package io.sergeant.codec.pickle;

import io.sergeant.codec.support.Errors;
import io.sergeant.codec.support.PythonDatetimes;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Locale;

/**
 * What the allowed {@link PyGlobal}s build when a pickle calls them: {@code datetime.datetime} (naive in
 * the reader's zone, with its {@code fold}, or with a {@code datetime.timezone}), {@code datetime.timedelta}
 * and {@code datetime.timezone} (only as a datetime's tzinfo), and bytes through {@code _codecs.encode},
 * {@code bytes} and {@code bytearray}. Messages describe arguments by type, never by printing them (a
 * hostile argument may be huge or contain itself). Stateless apart from the zone; thread safe.
 */
final class PythonConstructors {

    private static final String FORMAT = PickleInput.FORMAT;

    /** A decoded {@code datetime.timedelta}. */
    record PyTimedelta(long days, long seconds, long micros) {
    }

    /** A decoded {@code datetime.timezone}. */
    record PyTimezone(ZoneOffset offset) {
    }

    private final ZoneId zone;

    PythonConstructors(ZoneId zone) {
        this.zone = zone;
    }

    /** {@code _codecs.encode(str, encoding)}: latin-1 or UTF-8 text to bytes. */
    static byte[] encode(PyTuple args) {
        if (args.isEmpty() || args.size() > 3 || !(args.get(0) instanceof String text)) {
            throw Errors.malformed(FORMAT, "_codecs.encode/bytes called with " + describeArgs(args));
        }
        String encoding = args.size() > 1 && args.get(1) instanceof String e ? e.toLowerCase(Locale.ROOT) : "utf-8";
        switch (encoding) {
            case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1" -> {
                byte[] bytes = new byte[text.length()];
                for (int i = 0; i < bytes.length; i++) {
                    char c = text.charAt(i);
                    if (c > 0xff) {
                        throw Errors.malformed(FORMAT, "latin-1 text holds the character U+" + Integer.toHexString(c));
                    }
                    bytes[i] = (byte) c;
                }
                return bytes;
            }
            case "utf-8", "utf8" -> {
                return text.getBytes(StandardCharsets.UTF_8);
            }
            default -> throw Errors.malformed(FORMAT, "unsupported text encoding '" + abbreviate(encoding) + "' for bytes");
        }
    }

    /** {@code bytes(...)} and {@code bytearray(...)}. */
    static byte[] bytes(PyTuple args) {
        if (args.isEmpty()) {
            return new byte[0];
        }
        if (args.size() == 1 && args.get(0) instanceof byte[] bytes) {
            return bytes.clone();
        }
        return encode(args);
    }

    /** {@code datetime.datetime(...)}: from its 10-byte state or from its fields. */
    Instant datetime(PyTuple args) {
        if (args.isEmpty()) {
            throw Errors.malformed(FORMAT, "datetime.datetime without arguments");
        }
        Object first = args.get(0);
        byte[] state = first instanceof byte[] b ? b : first instanceof String s && s.length() == 10
                ? encode(new PyTuple(new Object[] {s, "latin1"})) : null;
        try {
            if (state != null) {
                if (state.length != 10 || args.size() > 2) {
                    throw Errors.malformed(FORMAT, "datetime state is not 10 bytes (plus an optional tzinfo)");
                }
                LocalDateTime local = LocalDateTime.of(((state[0] & 0xff) << 8) | (state[1] & 0xff), state[2] & 0x7f,
                        state[3] & 0xff, state[4] & 0xff, state[5] & 0xff, state[6] & 0xff,
                        (((state[7] & 0xff) << 16) | ((state[8] & 0xff) << 8) | (state[9] & 0xff)) * 1000);
                return instant(local, (state[2] & 0x80) != 0, args.size() == 2 ? args.get(1) : null);
            }
            if (args.size() < 3 || args.size() > 8) {
                throw Errors.malformed(FORMAT, "datetime.datetime called with " + args.size() + " arguments");
            }
            int[] fields = new int[7];
            for (int i = 0; i < Math.min(7, args.size()); i++) {
                if (!(args.get(i) instanceof Long value) || value < 0 || value > 1_000_000) {
                    throw Errors.malformed(FORMAT, "datetime field " + i + " is " + describe(args.get(i)));
                }
                fields[i] = value.intValue();
            }
            LocalDateTime local = LocalDateTime.of(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5],
                    fields[6] * 1000);
            return instant(local, false, args.size() == 8 ? args.get(7) : null);
        } catch (DateTimeException e) {
            throw Errors.malformed(FORMAT, "invalid datetime (" + e.getMessage() + ")", e);
        }
    }

    private Instant instant(LocalDateTime local, boolean fold, Object tzinfo) {
        if (tzinfo == null) {
            return PythonDatetimes.fromNaiveLocal(local, fold, zone);
        }
        if (tzinfo instanceof PyTimezone timezone) {
            return local.toInstant(timezone.offset());
        }
        throw Errors.malformed(FORMAT, "datetime tzinfo is a " + describe(tzinfo)
                + "; only datetime.timezone offsets are supported");
    }

    /** {@code datetime.timedelta(days, seconds, microseconds)}. */
    static PyTimedelta timedelta(PyTuple args) {
        long[] parts = new long[3];
        if (args.size() > 3) {
            throw Errors.malformed(FORMAT, "datetime.timedelta called with " + args.size() + " arguments");
        }
        for (int i = 0; i < args.size(); i++) {
            if (!(args.get(i) instanceof Long value)) {
                throw Errors.malformed(FORMAT, "timedelta field " + i + " is " + describe(args.get(i)));
            }
            parts[i] = value;
        }
        return new PyTimedelta(parts[0], parts[1], parts[2]);
    }

    /** {@code datetime.timezone(timedelta[, name])}. */
    static PyTimezone timezone(PyTuple args) {
        if (args.isEmpty() || args.size() > 2 || !(args.get(0) instanceof PyTimedelta delta)) {
            throw Errors.malformed(FORMAT, "datetime.timezone called with " + describeArgs(args));
        }
        if (Math.abs(delta.days()) > 1 || delta.micros() != 0) {
            throw Errors.malformed(FORMAT, "timezone offset " + delta + " is not whole seconds within a day");
        }
        long seconds = delta.days() * 86_400 + delta.seconds();
        try {
            return new PyTimezone(ZoneOffset.ofTotalSeconds(Math.toIntExact(seconds)));
        } catch (DateTimeException | ArithmeticException e) {
            throw Errors.malformed(FORMAT, "timezone offset of " + seconds + " s is out of range", e);
        }
    }

    /** A short description of a value for messages: its Python type, and a scalar's value abbreviated. */
    static String describe(Object value) {
        if (value instanceof PyGlobal global) {
            return "class " + global.dotted();
        }
        if (value instanceof PyTimedelta) {
            return "datetime.timedelta";
        }
        if (value instanceof PyTimezone) {
            return "datetime.timezone";
        }
        if (value instanceof PyTuple tuple) {
            return "tuple of " + tuple.size();
        }
        if (value instanceof java.util.List<?> list) {
            return "list of " + list.size();
        }
        if (value instanceof java.util.Map<?, ?> map) {
            return "dict of " + map.size();
        }
        if (value instanceof String s) {
            return "str '" + abbreviate(s) + "'";
        }
        if (value instanceof Long || value instanceof Double || value instanceof Boolean) {
            return value.getClass().getSimpleName().toLowerCase(Locale.ROOT) + " " + value;
        }
        return value == null ? "None" : value.getClass().getName();
    }

    /** The types of a call's arguments, for messages. */
    static String describeArgs(PyTuple args) {
        StringBuilder text = new StringBuilder("(");
        for (int i = 0; i < Math.min(args.size(), 4); i++) {
            text.append(i == 0 ? "" : ", ").append(describe(args.get(i)));
        }
        return text.append(args.size() > 4 ? ", ...)" : ")").toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
