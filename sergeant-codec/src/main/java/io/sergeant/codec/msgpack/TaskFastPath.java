package io.sergeant.codec.msgpack;

import io.sergeant.api.Task;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Utf8;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fast path of {@link BoundedMsgpackReader#readTask} for the layout every producer writes,
 * {@code {"__task__": {"kwargs": {str: ...}, "trace_id": nil|str, "date": float, "run_count": uint}}} in
 * that order: it reads the fields directly instead of building the top-level and field maps and
 * converting them, charges the budget exactly what {@link BoundedMsgpackReader#read} would, and reads
 * kwargs values with the reader's own bounded loop. It declines (returns null) whatever {@code read()}
 * might decode differently or refuse: other keys or order, a special key in kwargs, other field types,
 * limits below what the layout needs, trailing bytes. One instance per attempt; not thread safe.
 */
final class TaskFastPath {

    /** {@code {"__task__": {"kwargs": ...}}}: fixmap 1, fixstr __task__, fixmap 4, fixstr kwargs. */
    private static final byte[] TASK_PREFIX = wire(0x81, "__task__", 0x84, "kwargs");
    private static final byte[] TRACE_ID_KEY = wire("trace_id");
    private static final byte[] DATE_KEY = wire("date");
    private static final byte[] RUN_COUNT_KEY = wire("run_count");
    /** The fast path needs these bounds, so that it never accepts what {@code read()} would refuse. */
    static final int MIN_DEPTH = 3;
    private static final int MIN_COLLECTION_LENGTH = 9;
    /** Up to this many kwargs are checked for duplicates pairwise and wrapped without a hash map. */
    private static final int SMALL_KWARGS = 8;

    private final BoundedMsgpackReader r;

    TaskFastPath(BoundedMsgpackReader reader) {
        this.r = reader;
    }

    /** The task, or null when the payload is not in the canonical layout; may throw where {@code read()} would. */
    Task read() {
        if (r.limits.maxDepth() < MIN_DEPTH || r.limits.maxCollectionLength() < MIN_COLLECTION_LENGTH
                || !literal(TASK_PREFIX)) {
            return null;
        }
        // read() checks each declared map size against the bytes left after its header: the outer map's
        // one entry is covered by the prefix; the field map's four entries need 8 bytes after offset 11.
        if (r.end - 11 < 8) {
            return null;
        }
        int size = kwargsSize();
        if (size < 0) {
            return null;
        }
        DecodeBudget budget = r.budget;
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
            keysAndValues[i + 1] = r.readValue(MIN_DEPTH);
        }
        if (!literal(TRACE_ID_KEY)) {
            return null;
        }
        budget.chargeString(8);
        String traceId = null;
        int b = r.u8();
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
        b = r.u8();
        if (b == 0xcb) {
            date = Double.longBitsToDouble(r.i64());
        } else if (b == 0xca) {
            date = Float.intBitsToFloat((int) r.u32());
        } else {
            return null;
        }
        if (!literal(RUN_COUNT_KEY)) {
            return null;
        }
        budget.chargeString(9);
        budget.chargeValue();
        long runCount = uint(r.u8());
        if (runCount < 0 || runCount > Integer.MAX_VALUE || r.pos != r.end) {
            return null;
        }
        return new Task(kwargs(keysAndValues), traceId, date, (int) runCount);
    }

    /** An unsigned integer whose type byte {@code b} was read, or -1 for another type. */
    private long uint(int b) {
        if (b <= 0x7f) {
            return b;
        }
        return switch (b) {
            case 0xcc -> r.u8();
            case 0xcd -> r.u16();
            case 0xce -> r.u32();
            default -> -1;
        };
    }

    /** Distinct keys: a copyable view; a repeated key: a map built as read() builds it (first position, last value). */
    private static Map<String, Object> kwargs(Object[] keysAndValues) {
        int length = keysAndValues.length;
        if (length <= 2 * SMALL_KWARGS && distinct(keysAndValues)) {
            return new KwargsEntries(keysAndValues);
        }
        Map<String, Object> map = new LinkedHashMap<>(BoundedMsgpackReader.capacity(length >> 1));
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
        int b = r.u8();
        long size;
        if (b >= 0x80 && b <= 0x8f) {
            size = b & 0x0f;
        } else if (b == 0xde) {
            size = r.u16();
        } else if (b == 0xdf) {
            size = r.u32();
        } else {
            return -1;
        }
        return size > r.limits.maxCollectionLength() || size * 2 > r.end - r.pos ? -1 : (int) size;
    }

    /** A kwargs key: a str that is not one of the special keys (which make read() convert kwargs), else null. */
    private String kwargsKey() {
        long length = strLength(r.u8());
        if (length < 0 || length > r.limits.maxCollectionLength() || length > r.end - r.pos) {
            return null;
        }
        String key = r.keyCache.decode(r.in, r.pos, (int) length);
        r.pos += (int) length;
        r.budget.chargeString(length);
        if (key == null || key.length() >= 8 && key.charAt(0) == '_'
                && (key.equals("__task__") || key.equals("__tuple__") || key.equals("__datetime__"))) {
            return null;
        }
        return key;
    }

    /** A str value whose type byte {@code b} was read, or null if it is not a str read() would accept. */
    private String str(int b) {
        long length = strLength(b);
        if (length < 0 || length > r.limits.maxCollectionLength() || length > r.end - r.pos) {
            return null;
        }
        String s = Utf8.decode(r.in, r.pos, (int) length);
        r.pos += (int) length;
        r.budget.chargeString(length);
        return s;
    }

    /** The declared length of a str with type byte {@code b}, or -1 if it is not a str. */
    private long strLength(int b) {
        if (b >= 0xa0 && b <= 0xbf) {
            return b & 0x1f;
        }
        return switch (b) {
            case 0xd9 -> r.u8();
            case 0xda -> r.u16();
            case 0xdb -> r.u32();
            default -> -1;
        };
    }

    /** Whether the next bytes are {@code expected}; consumes them if so. */
    private boolean literal(byte[] expected) {
        int length = expected.length;
        if (r.end - r.pos < length) {
            return false;
        }
        for (int i = 0, p = r.pos; i < length; i++, p++) {
            if (r.in[p] != expected[i]) {
                return false;
            }
        }
        r.pos += length;
        return true;
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
