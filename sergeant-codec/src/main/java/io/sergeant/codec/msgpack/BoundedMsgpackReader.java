package io.sergeant.codec.msgpack;

import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;
import io.sergeant.codec.support.PythonDatetimes;
import io.sergeant.codec.support.TaskFields;
import io.sergeant.codec.support.Utf8;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads exactly one msgpack object from a byte array, bounded and without recursion: containers are
 * tracked on an explicit stack no deeper than {@code maxDepth}; every declared length is checked against
 * {@code maxCollectionLength} and against the bytes that remain before anything is allocated, and
 * containers grow as their elements arrive (a declared length pre-sizes at most {@value #MAX_PRESIZE}
 * slots); every value is charged to the payload's {@link DecodeBudget} (values, retained bytes and the
 * decode deadline); trailing bytes are an error. Maps are converted as Python Sergeant's {@code object_hook} does, innermost first:
 * a map holding {@code __datetime__} becomes an {@link java.time.Instant}, {@code __tuple__} an
 * unmodifiable list, {@code __task__} a {@link io.sergeant.api.Task}.
 *
 * <p>{@link #readTask} is a fast path for a task in the layout producers write, which yields exactly what
 * {@link #read} would or declines. Short map keys are decoded through the serializer's {@link KeyCache}.
 * One instance per payload; not thread safe.
 */
final class BoundedMsgpackReader {

    private static final String FORMAT = "msgpack";
    private static final Object NO_KEY = new Object();

    /** {@code {"__task__": {"kwargs": ...}}}: fixmap 1, fixstr __task__, fixmap 4, fixstr kwargs. */
    private static final byte[] TASK_PREFIX = wire(0x81, "__task__", 0x84, "kwargs");
    private static final byte[] TRACE_ID_KEY = wire("trace_id");
    private static final byte[] DATE_KEY = wire("date");
    private static final byte[] RUN_COUNT_KEY = wire("run_count");
    /** The fast path needs these bounds, so that it never accepts what {@link #read} would refuse. */
    private static final int FAST_MIN_DEPTH = 3;
    private static final int FAST_MIN_COLLECTION_LENGTH = 9;
    /** Up to this many kwargs are checked for duplicates pairwise and wrapped without a hash map. */
    private static final int SMALL_KWARGS = 8;
    /** Most slots a container's declared length pre-allocates; beyond that it grows as elements arrive. */
    static final int MAX_PRESIZE = 1024;

    private final byte[] in;
    private final int end;
    private final DecodeLimits limits;
    private final Clock clock;
    private final KeyCache keyCache;
    private final DecodeBudget budget;
    private int pos;

    /** The container stack, allocated on the first container (a flat task needs none). */
    private Object[] containers;
    private int[] remaining;
    private Object[] keys;

    BoundedMsgpackReader(byte[] in, DecodeLimits limits, Clock clock, KeyCache keyCache, DecodeBudget budget) {
        this.in = in;
        this.end = in.length;
        this.limits = limits;
        this.clock = clock;
        this.keyCache = keyCache;
        this.budget = budget;
    }

    /** Reads the single object the payload holds. */
    Object read() {
        if (end == 0) {
            throw Errors.malformed(FORMAT, "the payload is empty");
        }
        Object value = readValue(0);
        if (pos != end) {
            throw Errors.malformed(FORMAT, (end - pos) + " trailing byte(s) after the object at offset " + pos);
        }
        return value;
    }

    /**
     * The fast path for the layout every producer writes, {@code {"__task__": {"kwargs": {str: ...},
     * "trace_id": nil|str, "date": float, "run_count": uint}}} in that order: reads the fields directly
     * instead of building the top-level and field maps and converting them. Returns {@code null}, having
     * rewound, for anything else (other keys or order, a special key in kwargs, other field types, any
     * error, trailing bytes): the caller then calls {@link #read}, which decides. The fast path only
     * accepts payloads that {@link #read} decodes to an equal task, and never throws, so results and
     * errors are exactly those of {@link #read}.
     */
    Task readTask() {
        try {
            Task task = readCanonicalTask();
            if (task != null) {
                return task;
            }
        } catch (RuntimeException e) {
            // Deliberately dropped: read() parses the same bytes again and throws the authoritative error.
        }
        pos = 0;
        budget.resetCounts();
        return null;
    }

    private Task readCanonicalTask() {
        if (limits.maxDepth() < FAST_MIN_DEPTH || limits.maxCollectionLength() < FAST_MIN_COLLECTION_LENGTH
                || !literal(TASK_PREFIX)) {
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
        budget.charge(1, DecodeBudget.CONTAINER_BYTES + DecodeBudget.ENTRY_BYTES);
        budget.chargeString(8);
        budget.charge(1, DecodeBudget.CONTAINER_BYTES + 4 * DecodeBudget.ENTRY_BYTES);
        budget.chargeString(6);
        budget.charge(1, DecodeBudget.CONTAINER_BYTES + size * DecodeBudget.ENTRY_BYTES);
        Object[] keysAndValues = new Object[size * 2];
        for (int i = 0; i < keysAndValues.length; i += 2) {
            String key = kwargsKey();
            if (key == null) {
                return null;
            }
            keysAndValues[i] = key;
            keysAndValues[i + 1] = readValue(FAST_MIN_DEPTH);
        }
        if (!literal(TRACE_ID_KEY)) {
            return null;
        }
        budget.chargeString(8);
        String traceId = null;
        int b = u8();
        if (b == 0xc0) {
            budget.chargeValue();
        } else {
            traceId = str(b);
            if (traceId == null) {
                return null;
            }
        }
        if (!literal(DATE_KEY)) {
            return null;
        }
        budget.chargeString(4);
        budget.chargeValue();
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
        budget.chargeString(9);
        budget.chargeValue();
        long runCount;
        b = u8();
        if (b <= 0x7f) {
            runCount = b;
        } else if (b == 0xcc) {
            runCount = u8();
        } else if (b == 0xcd) {
            runCount = u16();
        } else if (b == 0xce) {
            runCount = u32();
        } else {
            return null;
        }
        if (runCount > Integer.MAX_VALUE || pos != end) {
            return null;
        }
        return new Task(kwargs(keysAndValues), traceId, date, (int) runCount);
    }

    /** Distinct keys: a copyable view; a repeated key: a map built as read() builds it (first position, last value). */
    private static Map<String, Object> kwargs(Object[] keysAndValues) {
        int length = keysAndValues.length;
        if (length <= 2 * SMALL_KWARGS && distinct(keysAndValues)) {
            return new KwargsEntries(keysAndValues);
        }
        Map<String, Object> map = new LinkedHashMap<>(capacity(length >> 1));
        for (int i = 0; i < length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static boolean distinct(Object[] keysAndValues) {
        for (int i = 2; i < keysAndValues.length; i += 2) {
            for (int j = 0; j < i; j += 2) {
                if (keysAndValues[i].equals(keysAndValues[j])) {
                    return false;
                }
            }
        }
        return true;
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
        return size > limits.maxCollectionLength() || size * 2 > end - pos ? -1 : (int) size;
    }

    /** A kwargs key: a str that is not one of the special keys (which make read() convert kwargs), else null. */
    private String kwargsKey() {
        int b = u8();
        long length = strLength(b);
        if (length < 0 || length > limits.maxCollectionLength() || length > end - pos) {
            return null;
        }
        String key = keyCache.decode(in, pos, (int) length);
        pos += (int) length;
        budget.chargeString(length);
        if (key == null || key.length() >= 8 && key.charAt(0) == '_'
                && (key.equals("__task__") || key.equals("__tuple__") || key.equals("__datetime__"))) {
            return null;
        }
        return key;
    }

    /** A str value whose type byte {@code b} was read, or null if it is not a str read() would accept. */
    private String str(int b) {
        long length = strLength(b);
        if (length < 0 || length > limits.maxCollectionLength() || length > end - pos) {
            return null;
        }
        String s = Utf8.decode(in, pos, (int) length);
        pos += (int) length;
        budget.chargeString(length);
        return s;
    }

    /** The declared length of a str with type byte {@code b}, or -1 if it is not a str. */
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

    /** Whether the next bytes are {@code expected}; consumes them if so. */
    private boolean literal(byte[] expected) {
        int length = expected.length;
        if (end - pos < length) {
            return false;
        }
        for (int i = 0, p = pos; i < length; i++, p++) {
            if (in[p] != expected[i]) {
                return false;
            }
        }
        pos += length;
        return true;
    }

    /**
     * Reads one object; {@code base} is the number of containers already open around it (0 for the
     * payload itself), so depth is counted as if the whole payload were read by this loop.
     */
    private Object readValue(int base) {
        int depth = base;
        while (true) {
            need(1);
            int b = in[pos++] & 0xff;
            Object value;
            int containerSize = -1;
            boolean map = false;
            if (b <= 0x7f) {
                value = Long.valueOf(b);
            } else if (b >= 0xe0) {
                value = Long.valueOf((byte) b);
            } else if (b <= 0x8f) {
                value = null;
                containerSize = b & 0x0f;
                map = true;
            } else if (b <= 0x9f) {
                value = null;
                containerSize = b & 0x0f;
            } else if (b <= 0xbf) {
                value = depth > base && keys[depth - 1] == NO_KEY && containers[depth - 1] instanceof Map<?, ?>
                        ? key(b & 0x1f) : string(b & 0x1f);
            } else {
                switch (b) {
                    case 0xc0 -> value = null;
                    case 0xc2 -> value = Boolean.FALSE;
                    case 0xc3 -> value = Boolean.TRUE;
                    case 0xc4 -> value = binary(u8());
                    case 0xc5 -> value = binary(u16());
                    case 0xc6 -> value = binary(u32());
                    case 0xca -> value = (double) Float.intBitsToFloat((int) u32());
                    case 0xcb -> value = Double.longBitsToDouble(i64());
                    case 0xcc -> value = Long.valueOf(u8());
                    case 0xcd -> value = Long.valueOf(u16());
                    case 0xce -> value = Long.valueOf(u32());
                    case 0xcf -> value = uint64(i64());
                    case 0xd0 -> value = Long.valueOf((byte) u8());
                    case 0xd1 -> value = Long.valueOf((short) u16());
                    case 0xd2 -> value = Long.valueOf((int) u32());
                    case 0xd3 -> value = Long.valueOf(i64());
                    case 0xd9 -> value = string(u8());
                    case 0xda -> value = string(u16());
                    case 0xdb -> value = string(u32());
                    case 0xdc -> {
                        value = null;
                        containerSize = length(u16(), "array", 1);
                    }
                    case 0xdd -> {
                        value = null;
                        containerSize = length(u32(), "array", 1);
                    }
                    case 0xde -> {
                        value = null;
                        containerSize = length(u16(), "map", 2);
                        map = true;
                    }
                    case 0xdf -> {
                        value = null;
                        containerSize = length(u32(), "map", 2);
                        map = true;
                    }
                    case 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8 -> throw Errors.malformed(FORMAT,
                            "extension type 0x" + Integer.toHexString(b) + " at offset " + (pos - 1)
                                    + "; Python Sergeant never writes msgpack extension types");
                    default -> throw Errors.malformed(FORMAT,
                            "byte 0x" + Integer.toHexString(b) + " at offset " + (pos - 1) + " is not a msgpack type");
                }
            }
            if (containerSize >= 0) {
                if (depth >= limits.maxDepth()) {
                    throw Errors.tooDeep(FORMAT, limits.maxDepth());
                }
                if (b <= 0x9f) {
                    length(containerSize, map ? "map" : "array", map ? 2 : 1);
                }
                // The declared size is charged (the payload must hold that many elements), never allocated.
                budget.charge(1, DecodeBudget.CONTAINER_BYTES
                        + (long) containerSize * (map ? DecodeBudget.ENTRY_BYTES : DecodeBudget.SLOT_BYTES));
                if (containerSize > 0) {
                    int presize = Math.min(containerSize, MAX_PRESIZE);
                    push(depth++, map ? new LinkedHashMap<>(capacity(presize)) : new ArrayList<>(presize),
                            containerSize);
                    continue;
                }
                value = map ? new LinkedHashMap<>() : new ArrayList<>(0);
            } else if (!(value instanceof String) && !(value instanceof byte[])) {
                budget.chargeValue();
            }
            // Deliver the value to its container; completed containers are delivered to theirs in turn.
            while (true) {
                if (depth == base) {
                    return value;
                }
                int top = depth - 1;
                Object container = containers[top];
                if (container instanceof ArrayList<?>) {
                    add(container, value);
                } else if (keys[top] == NO_KEY) {
                    keys[top] = value instanceof ArrayList<?> list ? Collections.unmodifiableList(list) : value;
                    break;
                } else {
                    put(container, keys[top], value);
                    keys[top] = NO_KEY;
                }
                if (--remaining[top] > 0) {
                    break;
                }
                containers[top] = null;
                depth = top;
                value = container instanceof Map<?, ?> completed ? convert(completed) : container;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void add(Object list, Object value) {
        ((List<Object>) list).add(value);
    }

    @SuppressWarnings("unchecked")
    private static void put(Object map, Object key, Object value) {
        ((Map<Object, Object>) map).put(key, value);
    }

    private void push(int index, Object container, int size) {
        if (containers == null) {
            containers = new Object[8];
            remaining = new int[8];
            keys = new Object[8];
        }
        if (index == containers.length) {
            int grown = Math.min(limits.maxDepth(), index * 2);
            containers = Arrays.copyOf(containers, grown);
            remaining = Arrays.copyOf(remaining, grown);
            keys = Arrays.copyOf(keys, grown);
        }
        containers[index] = container;
        remaining[index] = size;
        keys[index] = NO_KEY;
    }

    /** Python Sergeant's {@code decode_extensions} object hook. */
    private Object convert(Map<?, ?> map) {
        if (map.containsKey("__datetime__")) {
            Object timestamp = map.get("__datetime__");
            if (!(timestamp instanceof Long) && !(timestamp instanceof Double)) {
                throw Errors.malformed(FORMAT, "__datetime__ holds " + TaskFields.typeName(timestamp) + ", not a number");
            }
            try {
                return PythonDatetimes.fromTimestamp(((Number) timestamp).doubleValue());
            } catch (IllegalArgumentException | java.time.DateTimeException e) {
                throw Errors.malformed(FORMAT, "__datetime__ " + timestamp + " is not a valid timestamp", e);
            }
        }
        if (map.containsKey("__tuple__")) {
            Object items = map.get("__tuple__");
            if (!(items instanceof List<?> list)) {
                throw Errors.malformed(FORMAT, "__tuple__ holds " + TaskFields.typeName(items) + ", not an array");
            }
            return Collections.unmodifiableList(list);
        }
        if (map.containsKey("__task__")) {
            Object fields = map.get("__task__");
            if (!(fields instanceof Map<?, ?> fieldMap)) {
                throw Errors.malformed(FORMAT, "__task__ holds " + TaskFields.typeName(fields) + ", not a map");
            }
            return TaskFields.fromFields(fieldMap, true, clock, FORMAT);
        }
        return map;
    }

    private static int capacity(int size) {
        return (int) Math.min(1 << 30, size * 4L / 3 + 1);
    }

    private int length(long declared, String what, int minBytesPerElement) {
        if (declared > limits.maxCollectionLength()) {
            throw Errors.collectionTooLarge(FORMAT, what, declared, limits.maxCollectionLength(), "maxCollectionLength");
        }
        long available = end - pos;
        if (declared * minBytesPerElement > available) {
            throw Errors.collectionTooLarge(FORMAT, what, declared, available, "the number of bytes left");
        }
        return (int) declared;
    }

    private String string(long declared) {
        int length = length(declared, "string of bytes", 1);
        budget.chargeString(length);
        String s = Utf8.decode(in, pos, length);
        if (s == null) {
            throw Errors.malformed(FORMAT, "the str at offset " + pos + " is not valid UTF-8");
        }
        pos += length;
        return s;
    }

    /** A fixstr map key, through the key cache. */
    private String key(int declared) {
        int length = length(declared, "string of bytes", 1);
        budget.chargeString(length);
        String s = keyCache.decode(in, pos, length);
        if (s == null) {
            throw Errors.malformed(FORMAT, "the str at offset " + pos + " is not valid UTF-8");
        }
        pos += length;
        return s;
    }

    private byte[] binary(long declared) {
        int length = length(declared, "binary of bytes", 1);
        budget.chargeString(length);
        byte[] bytes = Arrays.copyOfRange(in, pos, pos + length);
        pos += length;
        return bytes;
    }

    private static Object uint64(long bits) {
        if (bits >= 0) {
            return bits;
        }
        return new BigInteger(Long.toUnsignedString(bits));
    }

    private void need(int count) {
        if (end - pos < count) {
            throw Errors.malformed(FORMAT, "the payload ends in the middle of a value at offset " + pos);
        }
    }

    private int u8() {
        need(1);
        return in[pos++] & 0xff;
    }

    private int u16() {
        need(2);
        int v = ((in[pos] & 0xff) << 8) | (in[pos + 1] & 0xff);
        pos += 2;
        return v;
    }

    private long u32() {
        need(4);
        long v = ((long) (in[pos] & 0xff) << 24) | ((in[pos + 1] & 0xff) << 16) | ((in[pos + 2] & 0xff) << 8)
                | (in[pos + 3] & 0xff);
        pos += 4;
        return v;
    }

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
}
