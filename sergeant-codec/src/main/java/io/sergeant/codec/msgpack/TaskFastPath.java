package io.sergeant.codec.msgpack;

import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Utf8;

import java.io.ByteArrayOutputStream;
import java.io.Serial;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/**
 * The fast path of {@link MsgpackSerializer} for a task in the layout every producer writes,
 * {@code {"__task__": {"kwargs": {str: ...}, "trace_id": nil|str, "date": float, "run_count": uint}}} in
 * that order: it reads the fields directly instead of building the top-level and field maps and
 * converting them, builds kwargs once into the map the task holds ({@link Task#kwargsBuilder}), and
 * charges exactly what {@link BoundedMsgpackReader#read} would charge its {@link DecodeBudget}, with the
 * same limits and deadline checks. For a flat task (scalar kwargs values, what nearly every task is) it
 * counts those charges itself and allocates no budget or reader; the first container value gets both, with
 * the charges so far, and is read by the reader's own bounded loop. It declines (returns null) whatever
 * {@code read()} might decode differently or refuse: other keys or order, a special key in kwargs, other
 * field types, limits below what the layout needs, a payload cut short, a limit or the deadline reached,
 * trailing bytes; the caller then reads the payload with {@code read()}, whose result or error is the
 * authoritative one.
 *
 * <p>An instance is reused for the attempts of one thread ({@link #decode}), so that a flat task allocates
 * nothing but what it returns. Between attempts every mutable field holds the value a new instance has: an
 * attempt sets its payload and deadline, and its {@code finally} puts every field back, so the next attempt
 * starts clean and no payload, budget or reader stays reachable. Not thread safe.
 *
 * <p>Re-entry does happen: a kwargs value holding a {@code __task__} map without a {@code date} is dated
 * by the clock in the middle of an attempt ({@link PythonObjectHook#convert} calls {@link Clock#instant}),
 * and that clock is the user's ({@code PluginContext.clock()}), which may itself decode through the same
 * serializer on the same thread. An attempt made while the instance is inside another therefore gets a
 * one-off instance of its own and leaves the outer attempt's state untouched.
 */
final class TaskFastPath {

    /** {@code {"__task__": {"kwargs": ...}}}: fixmap 1, fixstr __task__, fixmap 4, fixstr kwargs. */
    private static final byte[] TASK_PREFIX = wire(0x81, "__task__", 0x84, "kwargs");
    private static final byte[] TRACE_ID_KEY = wire("trace_id");
    private static final byte[] DATE_KEY = wire("date");
    private static final byte[] RUN_COUNT_KEY = wire("run_count");
    /** Eight bytes of a byte[] as one long, for comparing literals a word at a time (any fixed order does). */
    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    /** The fast path needs these bounds, so that it never accepts what {@code read()} would refuse. */
    static final int MIN_DEPTH = 3;
    private static final int MIN_COLLECTION_LENGTH = 9;
    /** As {@link DecodeBudget}: the clock is read every this many charges. */
    private static final int CHECK_EVERY = 256;
    /** Thrown to decline; carries no stack trace, so declining costs no more than a return. */
    private static final Decline DECLINE = new Decline();

    private static final byte[] NO_PAYLOAD = new byte[0];

    private final DecodeLimits limits;
    private final KeyCache keyCache;
    private final Clock clock;
    /** Whether the limits leave room for the layout; if not, every attempt declines. */
    private final boolean limitsFit;
    private final long maxObjects;
    private final long maxRetainedBytes;
    private final long maxCollectionLength;
    /** The payload of the attempt under way, {@link #NO_PAYLOAD} between attempts. */
    private byte[] in = NO_PAYLOAD;
    private int end;
    private long deadlineNanos;
    /** Whether an attempt is under way. */
    private boolean busy;
    private int pos;
    /** What was charged before {@link #budget} exists. */
    private long objects;
    private long bytes;
    private int untilCheck = CHECK_EVERY;
    /** The budget and reader of container values; null until the first one. */
    private DecodeBudget budget;
    private BoundedMsgpackReader nested;

    /** A fast path for these limits, cache and clock, to be used by one thread at a time. */
    TaskFastPath(DecodeLimits limits, KeyCache keyCache, Clock clock) {
        this.limits = limits;
        this.keyCache = keyCache;
        this.clock = clock;
        this.limitsFit = limits.maxDepth() >= MIN_DEPTH && limits.maxCollectionLength() >= MIN_COLLECTION_LENGTH;
        this.maxObjects = limits.maxObjects();
        this.maxRetainedBytes = limits.maxRetainedBytes();
        this.maxCollectionLength = limits.maxCollectionLength();
    }

    /**
     * The task in {@code payload}, exactly as {@link BoundedMsgpackReader#read} with these limits, clock, cache
     * and deadline would decode it, or null when the payload is not in the canonical layout or anything about
     * it is for {@code read()} to decide (then read it with {@code read()}). Never throws. A one-off instance.
     */
    static Task read(byte[] payload, DecodeLimits limits, KeyCache keyCache, Clock clock, long deadlineNanos) {
        return new TaskFastPath(limits, keyCache, clock).decode(payload, deadlineNanos);
    }

    /**
     * As {@link #read(byte[], DecodeLimits, KeyCache, Clock, long)} with this instance's limits, cache and
     * clock, reusing this instance. Never throws.
     */
    Task decode(byte[] payload, long deadlineNanos) {
        if (busy) {
            return read(payload, limits, keyCache, clock, deadlineNanos);
        }
        // Every other field holds its initial value here: the finally of the attempt before put it back.
        busy = true;
        in = payload;
        end = payload.length;
        this.deadlineNanos = deadlineNanos;
        try {
            return read();
        } catch (RuntimeException e) {
            // Deliberately dropped: read() parses the same bytes again and throws the authoritative error.
            return null;
        } finally {
            // Back to a new instance's values (MsgpackTaskFastPathTest compares every field with one). Plain
            // field writes only, so that this runs whatever ended the attempt, a StackOverflowError included.
            in = NO_PAYLOAD;
            end = 0;
            this.deadlineNanos = 0;
            pos = 0;
            objects = 0;
            bytes = 0;
            untilCheck = CHECK_EVERY;
            budget = null;
            nested = null;
            busy = false;
        }
    }

    private Task read() {
        if (!limitsFit || !literal(TASK_PREFIX)) {
            return null;
        }
        // read() checks each declared map size against the bytes left after its header: the outer map's
        // one entry is covered by the prefix; the field map's four entries need 8 bytes after offset 11.
        if (end - 11 < 8) {
            return null;
        }
        int size = kwargsSize();
        if (size < 0) {
            return null;
        }
        // Charge what read() would: the outer map and its key, the field map and its four keys, the values.
        charge(1, DecodeBudget.CONTAINER_BYTES + DecodeBudget.ENTRY_BYTES);
        chargeString(8);
        charge(1, DecodeBudget.CONTAINER_BYTES + 4 * DecodeBudget.ENTRY_BYTES);
        chargeString(6);
        charge(1, DecodeBudget.CONTAINER_BYTES + size * DecodeBudget.ENTRY_BYTES);
        // A repeated key keeps its first position and its last value, as in the map read() builds.
        Task.KwargsBuilder kwargs = Task.kwargsBuilder(size);
        for (int i = 0; i < size; i++) {
            String key = kwargsKey();
            if (key == null) {
                return null;
            }
            kwargs.put(key, value());
        }
        if (!literal(TRACE_ID_KEY)) {
            return null;
        }
        chargeString(8);
        String traceId = null;
        int b = u8();
        if (b == 0xc0) {
            charge(1, DecodeBudget.VALUE_BYTES);
        } else {
            traceId = str(b);
            if (traceId == null) {
                return null;
            }
        }
        if (!literal(DATE_KEY)) {
            return null;
        }
        chargeString(4);
        charge(1, DecodeBudget.VALUE_BYTES);
        double date;
        b = u8();
        if (b == 0xcb) {
            date = Double.longBitsToDouble(i64());
        } else if (b == 0xca) {
            date = Float.intBitsToFloat((int) u32());
        } else {
            return null;
        }
        if (!literal(RUN_COUNT_KEY)) {
            return null;
        }
        chargeString(9);
        charge(1, DecodeBudget.VALUE_BYTES);
        long runCount = uint(u8());
        if (runCount < 0 || runCount > Integer.MAX_VALUE || pos != end) {
            return null;
        }
        return new Task(kwargs.build(), traceId, date, (int) runCount);
    }

    /**
     * A kwargs value, as {@link BoundedMsgpackReader#readValue} reads it in a value position: scalars here,
     * anything else (containers, binaries, what read() refuses) by the reader.
     */
    private Object value() {
        int b = u8();
        Object value;
        if (b <= 0x7f) {
            value = Long.valueOf(b);
        } else if (b >= 0xe0) {
            value = Long.valueOf((byte) b);
        } else if (b >= 0xa0 && b <= 0xbf) {
            String s = str(b);
            if (s == null) {
                throw DECLINE;
            }
            return s; // charged by str()
        } else {
            switch (b) {
                case 0xc0 -> value = null;
                case 0xc2 -> value = Boolean.FALSE;
                case 0xc3 -> value = Boolean.TRUE;
                case 0xca -> value = (double) Float.intBitsToFloat((int) u32());
                case 0xcb -> value = Double.longBitsToDouble(i64());
                case 0xcc -> value = Long.valueOf(u8());
                case 0xcd -> value = Long.valueOf(u16());
                case 0xce -> value = Long.valueOf(u32());
                case 0xd0 -> value = Long.valueOf((byte) u8());
                case 0xd1 -> value = Long.valueOf((short) u16());
                case 0xd2 -> value = Long.valueOf((int) u32());
                case 0xd3 -> value = Long.valueOf(i64());
                default -> {
                    pos--; // the reader reads the value from its type byte
                    return nested();
                }
            }
        }
        charge(1, DecodeBudget.VALUE_BYTES);
        return value;
    }

    /** The value at {@link #pos}, read by a {@link BoundedMsgpackReader} that charges the budget from now on. */
    private Object nested() {
        if (nested == null) {
            budget = DecodeBudget.until(MsgpackCursor.FORMAT, limits, deadlineNanos);
            budget.charge(objects, bytes);
            nested = new BoundedMsgpackReader(in, limits, clock, keyCache, budget);
        }
        nested.pos = pos;
        Object value = nested.readValue(MIN_DEPTH);
        pos = nested.pos;
        return value;
    }

    /** Charges as {@link DecodeBudget#charge} would, declining where it would throw. */
    private void charge(long count, long retainedBytes) {
        if (budget != null) {
            budget.charge(count, retainedBytes);
            return;
        }
        objects += count;
        bytes += retainedBytes;
        if (objects > maxObjects || bytes > maxRetainedBytes) {
            throw DECLINE;
        }
        if (--untilCheck <= 0) {
            untilCheck = CHECK_EVERY;
            if (System.nanoTime() - deadlineNanos > 0) {
                throw DECLINE;
            }
        }
    }

    private void chargeString(long length) {
        charge(1, DecodeBudget.STRING_BYTES + length);
    }

    /** An unsigned integer whose type byte {@code b} was read, or -1 for another type. */
    private long uint(int b) {
        if (b <= 0x7f) {
            return b;
        }
        return switch (b) {
            case 0xcc -> u8();
            case 0xcd -> u16();
            case 0xce -> u32();
            default -> -1;
        };
    }

    /** The kwargs map header's size, or -1 if it is not a map or read() would refuse its size. */
    private int kwargsSize() {
        int b = u8();
        long size;
        if (b >= 0x80 && b <= 0x8f) {
            size = b & 0x0f;
        } else if (b == 0xde) {
            size = u16();
        } else if (b == 0xdf) {
            size = u32();
        } else {
            return -1;
        }
        return size > maxCollectionLength || size * 2 > end - pos ? -1 : (int) size;
    }

    /** A kwargs key: a str that is not one of the special keys (which make read() convert kwargs), else null. */
    private String kwargsKey() {
        long length = strLength(u8());
        if (length < 0 || length > maxCollectionLength || length > end - pos) {
            return null;
        }
        String key = keyCache.decode(in, pos, (int) length);
        pos += (int) length;
        chargeString(length);
        if (key == null || key.length() >= 8 && key.charAt(0) == '_'
                && (key.equals("__task__") || key.equals("__tuple__") || key.equals("__datetime__"))) {
            return null;
        }
        return key;
    }

    /** A str whose type byte {@code b} was read, or null if it is not a str read() would accept. */
    private String str(int b) {
        long length = strLength(b);
        if (length < 0 || length > maxCollectionLength || length > end - pos) {
            return null;
        }
        String s = Utf8.decode(in, pos, (int) length);
        pos += (int) length;
        chargeString(length);
        return s;
    }

    /** The declared length of a str with type byte {@code b} (its length bytes read), or -1 if it is not a str. */
    private long strLength(int b) {
        if (b >= 0xa0 && b <= 0xbf) {
            return b & 0x1f;
        }
        return switch (b) {
            case 0xd9 -> u8();
            case 0xda -> u16();
            case 0xdb -> u32();
            default -> -1;
        };
    }

    /** Whether the next bytes are {@code expected}; consumes them if so. Compares eight bytes at a time. */
    private boolean literal(byte[] expected) {
        int length = expected.length;
        int p = pos;
        if (end - p < length) {
            return false;
        }
        byte[] data = in;
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES) {
            if ((long) WORDS.get(data, p + i) != (long) WORDS.get(expected, i)) {
                return false;
            }
        }
        for (; i < length; i++) {
            if (data[p + i] != expected[i]) {
                return false;
            }
        }
        pos = p + length;
        return true;
    }

    /** The next byte, consumed. */
    private int u8() {
        if (pos >= end) {
            throw DECLINE;
        }
        return in[pos++] & 0xff;
    }

    /** The next big-endian 16 bits, consumed. */
    private int u16() {
        int at = pos;
        if (end - at < 2) {
            throw DECLINE;
        }
        pos = at + 2;
        return ((in[at] & 0xff) << 8) | (in[at + 1] & 0xff);
    }

    /** The next big-endian 32 bits, consumed. */
    private long u32() {
        int at = pos;
        if (end - at < 4) {
            throw DECLINE;
        }
        pos = at + 4;
        return ((long) (in[at] & 0xff) << 24) | ((in[at + 1] & 0xff) << 16) | ((in[at + 2] & 0xff) << 8)
                | (in[at + 3] & 0xff);
    }

    /** The next big-endian 64 bits, consumed. */
    private long i64() {
        long high = u32();
        return (high << 32) | u32();
    }

    /** The bytes of fixmap headers (ints) and fixstrs (strings), in order. */
    private static byte[] wire(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof Integer header) {
                out.write(header);
            } else {
                byte[] ascii = ((String) part).getBytes(StandardCharsets.US_ASCII);
                out.write(0xa0 | ascii.length);
                out.write(ascii, 0, ascii.length);
            }
        }
        return out.toByteArray();
    }

    /** The fast path declines: read() decides. */
    private static final class Decline extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        Decline() {
            super("declined", null, false, false);
        }
    }
}
