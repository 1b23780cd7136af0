package io.sergeant.benchmarks.msgpack;

import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;
import io.sergeant.codec.support.PythonDatetimes;
import io.sergeant.codec.support.TaskFields;
import io.sergeant.codec.support.Utf8;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The candidate of issue 12 section 5: the codec's bounded msgpack reader built on msgpack-core's pull
 * parser instead of by hand, measured against it by {@link MsgpackDecodeBenchmark}. It keeps the same
 * bounds: msgpack-core reports each header (a container's entry count, a string's byte length) before
 * anything is allocated, so every declared length is checked against {@code maxCollectionLength} and
 * against the bytes that remain, nesting against {@code maxDepth}, every value is charged to the
 * payload's {@link DecodeBudget}, and trailing bytes are an error. Maps are converted as Python
 * Sergeant's {@code object_hook} does ({@code __task__}, {@code __datetime__}, {@code __tuple__}).
 * Extension types are refused. One instance per payload; not thread safe.
 *
 * <p>Not used by the codec: the measurement kept the hand-written reader (docs/decisions.md).
 */
public final class MsgpackCoreReader {

    private static final String FORMAT = "msgpack";
    private static final int MAX_PRESIZE = 1024;

    private final byte[] in;
    private final MessageUnpacker unpacker;
    private final DecodeLimits limits;
    private final DecodeBudget budget;

    /** A reader of one payload under these limits. */
    public MsgpackCoreReader(byte[] in, DecodeLimits limits) {
        this.in = in;
        this.unpacker = MessagePack.newDefaultUnpacker(in);
        this.limits = limits;
        this.budget = DecodeBudget.startingNow(FORMAT, limits);
    }

    /** Reads the single object the payload holds, converting maps as Python Sergeant's hook does. */
    public Object read() {
        if (in.length == 0) {
            throw Errors.malformed(FORMAT, "the payload is empty");
        }
        try {
            Object value = readValue(0);
            if (unpacker.hasNext()) {
                throw Errors.malformed(FORMAT, (in.length - unpacker.getTotalReadBytes())
                        + " trailing byte(s) after the object at offset " + unpacker.getTotalReadBytes());
            }
            return value;
        } catch (IOException | MessagePackException e) {
            throw Errors.malformed(FORMAT, "not msgpack: " + e.getMessage(), e);
        }
    }

    private Object readValue(int depth) throws IOException {
        budget.chargeValue();
        MessageFormat format = unpacker.getNextFormat();
        switch (format.getValueType()) {
            case NIL -> {
                unpacker.unpackNil();
                return null;
            }
            case BOOLEAN -> {
                return unpacker.unpackBoolean();
            }
            case INTEGER -> {
                if (format == MessageFormat.UINT64) {
                    java.math.BigInteger big = unpacker.unpackBigInteger();
                    return big.bitLength() < 64 ? (Object) big.longValue() : big;
                }
                return unpacker.unpackLong();
            }
            case FLOAT -> {
                return unpacker.unpackDouble();
            }
            case STRING -> {
                int length = declared(unpacker.unpackRawStringHeader(), 1, "string");
                budget.chargeString(length);
                byte[] bytes = unpacker.readPayload(length);
                return Utf8.decode(bytes, 0, length);
            }
            case BINARY -> {
                int length = declared(unpacker.unpackBinaryHeader(), 1, "bytes");
                budget.charge(1, length);
                return unpacker.readPayload(length);
            }
            case ARRAY -> {
                int size = declared(unpacker.unpackArrayHeader(), 1, "array");
                checkDepth(depth);
                List<Object> list = new ArrayList<>(Math.min(size, MAX_PRESIZE));
                budget.charge(1, DecodeBudget.CONTAINER_BYTES + (long) size * DecodeBudget.SLOT_BYTES);
                for (int i = 0; i < size; i++) {
                    list.add(readValue(depth + 1));
                }
                return list;
            }
            case MAP -> {
                int size = declared(unpacker.unpackMapHeader(), 2, "map");
                checkDepth(depth);
                Map<Object, Object> map = new LinkedHashMap<>(Math.min(size, MAX_PRESIZE) * 4 / 3 + 1);
                budget.charge(1, DecodeBudget.CONTAINER_BYTES + (long) size * DecodeBudget.ENTRY_BYTES);
                for (int i = 0; i < size; i++) {
                    Object key = readValue(depth + 1);
                    if (key instanceof List<?> || key instanceof Map<?, ?>) {
                        throw Errors.malformed(FORMAT, "a map key is a " + TaskFields.typeName(key) + ", which is unhashable");
                    }
                    Object value = readValue(depth + 1);
                    if (map.put(key, value) != null) {
                        throw Errors.malformed(FORMAT, "a map has the key " + key + " twice");
                    }
                }
                return hook(map);
            }
            default -> throw Errors.malformed(FORMAT, "a msgpack extension type (" + format
                    + ") at offset " + unpacker.getTotalReadBytes() + "; Python Sergeant writes none");
        }
    }

    /** A declared length, checked against the limit and the bytes left (each element needs {@code minBytes}). */
    private int declared(int length, int minBytes, String what) {
        long left = in.length - unpacker.getTotalReadBytes();
        if (length < 0 || (long) length * minBytes > left) {
            throw Errors.malformed(FORMAT, "a " + what + " declares " + length + " element(s) or bytes but only "
                    + left + " byte(s) remain");
        }
        if (!what.equals("string") && !what.equals("bytes") && length > limits.maxCollectionLength()) {
            throw Errors.collectionTooLarge(FORMAT, what, length, limits.maxCollectionLength(), "maxCollectionLength");
        }
        return length;
    }

    private void checkDepth(int depth) {
        if (depth >= limits.maxDepth()) {
            throw Errors.tooDeep(FORMAT, limits.maxDepth());
        }
    }

    /** Python Sergeant's object_hook: special single-key maps become a task, an instant or a tuple. */
    private static Object hook(Map<Object, Object> map) {
        if (map.size() != 1) {
            return map;
        }
        Object task = map.get("__task__");
        if (task instanceof Map<?, ?> fields) {
            return TaskFields.fromFields(fields, true, Clock.systemUTC(), FORMAT);
        }
        Object datetime = map.get("__datetime__");
        if (datetime instanceof Double timestamp) {
            return PythonDatetimes.fromTimestamp(timestamp);
        }
        Object tuple = map.get("__tuple__");
        if (tuple instanceof List<?> items) {
            return Collections.unmodifiableList(items);
        }
        return map;
    }
}
