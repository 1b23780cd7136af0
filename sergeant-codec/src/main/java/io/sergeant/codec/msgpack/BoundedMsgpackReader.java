package io.sergeant.codec.msgpack;

import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;

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
 * {@code maxCollectionLength} and against the bytes that remain before anything is allocated (the
 * {@link MsgpackCursor} primitives), and containers grow as their elements arrive (a declared length
 * pre-sizes at most {@value #MAX_PRESIZE} slots); every value is charged to the payload's
 * {@link DecodeBudget} (values, retained bytes and the decode deadline); trailing bytes are an error.
 * Each completed map goes through Python Sergeant's object hook ({@link PythonObjectHook}), innermost
 * first.
 *
 * <p>The serializer first tries the {@link TaskFastPath} for a task in the layout producers write, which
 * yields exactly what {@link #read} would or declines (it reads container values of kwargs with
 * {@link #readValue}). Short map keys are decoded through the serializer's {@link KeyCache}. One instance
 * per payload; not thread safe.
 */
final class BoundedMsgpackReader extends MsgpackCursor {

    private static final Object NO_KEY = new Object();
    /** Most slots a container's declared length pre-allocates; beyond that it grows as elements arrive. */
    static final int MAX_PRESIZE = 1024;

    private final Clock clock;

    /** The container stack, allocated on the first container (a flat task needs none). */
    private Object[] containers;
    private int[] remaining;
    private Object[] keys;

    BoundedMsgpackReader(byte[] in, DecodeLimits limits, Clock clock, KeyCache keyCache, DecodeBudget budget) {
        super(in, limits, keyCache, budget);
        this.clock = clock;
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
     * Reads one object; {@code base} is the number of containers already open around it (0 for the
     * payload itself), so depth is counted as if the whole payload were read by this loop.
     */
    Object readValue(int base) {
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
                value = container instanceof Map<?, ?> completed ? PythonObjectHook.convert(completed, clock) : container;
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

    static int capacity(int size) {
        return (int) Math.min(1 << 30, size * 4L / 3 + 1);
    }
}
