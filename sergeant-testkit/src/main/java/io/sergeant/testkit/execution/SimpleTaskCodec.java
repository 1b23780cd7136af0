package io.sergeant.testkit.execution;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.spi.execution.TaskCodec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A small, self-contained {@link TaskCodec} for executor tests that need a codec in their
 * {@link io.sergeant.spi.execution.ExecutionContext} but not Python compatibility (the thread executor
 * never encodes; an executor that moves tasks between processes should be tested with the worker's real
 * codec as well). Kwargs values may be null, strings, booleans, integers, longs and doubles; anything
 * else is {@code UNSUPPORTED_VALUE}. Decoding is bounded by its {@link DecodeLimits}
 * ({@code PAYLOAD_TOO_LARGE}, {@code COLLECTION_TOO_LARGE}) and reports garbage as
 * {@code MALFORMED_PAYLOAD}. Immutable and thread safe.
 */
public final class SimpleTaskCodec implements TaskCodec {

    private static final int MAGIC = 0x53544b31; // "STK1"
    private static final byte NULL = 0;
    private static final byte STRING = 1;
    private static final byte BOOLEAN = 2;
    private static final byte INT = 3;
    private static final byte LONG = 4;
    private static final byte DOUBLE = 5;

    private final DecodeLimits limits;

    /** A codec with {@link DecodeLimits#DEFAULT}. */
    public SimpleTaskCodec() {
        this(DecodeLimits.DEFAULT);
    }

    /** A codec decoding within these limits. */
    public SimpleTaskCodec(DecodeLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits is null");
    }

    /** @throws SergeantException {@code UNSUPPORTED_VALUE} naming the key and type of a value it cannot write */
    @Override
    public byte[] encode(Task task) {
        Objects.requireNonNull(task, "task is null");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeBoolean(task.traceId() != null);
            if (task.traceId() != null) {
                writeString(out, task.traceId());
            }
            out.writeDouble(task.date());
            out.writeInt(task.runCount());
            out.writeInt(task.kwargs().size());
            for (Map.Entry<String, Object> entry : task.kwargs().entrySet()) {
                writeString(out, entry.getKey());
                writeValue(out, entry.getKey(), entry.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /** @throws SergeantException {@code PAYLOAD_TOO_LARGE}, {@code COLLECTION_TOO_LARGE} or {@code MALFORMED_PAYLOAD} */
    @Override
    public Task decode(byte[] data) {
        Objects.requireNonNull(data, "data is null");
        if (data.length > limits.maxEncodedBytes()) {
            throw new SergeantException(ErrorCode.PAYLOAD_TOO_LARGE, "task payload of " + data.length
                    + " bytes exceeds the maximum of " + limits.maxEncodedBytes() + "; raise maxEncodedBytes if it is legitimate");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (in.readInt() != MAGIC) {
                throw malformed("it does not start with the SimpleTaskCodec marker", null);
            }
            String traceId = in.readBoolean() ? readString(in, data.length) : null;
            double date = in.readDouble();
            int runCount = in.readInt();
            int size = length(in.readInt(), data.length);
            Map<String, Object> kwargs = new LinkedHashMap<>();
            for (int i = 0; i < size; i++) {
                String key = readString(in, data.length);
                kwargs.put(key, readValue(in, data.length));
            }
            if (in.available() > 0) {
                throw malformed(in.available() + " trailing byte(s)", null);
            }
            return new Task(kwargs, traceId, date, runCount);
        } catch (EOFException e) {
            throw malformed("it is truncated", e);
        } catch (IOException | IllegalArgumentException e) {
            throw malformed(e.getMessage(), e);
        }
    }

    private static void writeValue(DataOutputStream out, String key, Object value) throws IOException {
        if (value == null) {
            out.writeByte(NULL);
        } else if (value instanceof String text) {
            out.writeByte(STRING);
            writeString(out, text);
        } else if (value instanceof Boolean flag) {
            out.writeByte(BOOLEAN);
            out.writeBoolean(flag);
        } else if (value instanceof Integer number) {
            out.writeByte(INT);
            out.writeInt(number);
        } else if (value instanceof Long number) {
            out.writeByte(LONG);
            out.writeLong(number);
        } else if (value instanceof Double number) {
            out.writeByte(DOUBLE);
            out.writeDouble(number);
        } else {
            throw new SergeantException(ErrorCode.UNSUPPORTED_VALUE, "kwarg '" + key + "' holds a "
                    + value.getClass().getName() + ", which SimpleTaskCodec cannot write; use null, String,"
                    + " Boolean, Integer, Long or Double");
        }
    }

    private Object readValue(DataInputStream in, int payloadLength) throws IOException {
        byte tag = in.readByte();
        return switch (tag) {
            case NULL -> null;
            case STRING -> readString(in, payloadLength);
            case BOOLEAN -> in.readBoolean();
            case INT -> in.readInt();
            case LONG -> in.readLong();
            case DOUBLE -> in.readDouble();
            default -> throw malformed("unknown value tag " + tag, null);
        };
    }

    private static void writeString(DataOutputStream out, String text) throws IOException {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private String readString(DataInputStream in, int payloadLength) throws IOException {
        byte[] utf8 = new byte[length(in.readInt(), payloadLength)];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    /** Checks a declared length against the limits and the payload's own size before allocating. */
    private int length(int declared, int payloadLength) {
        if (declared < 0 || declared > payloadLength) {
            throw malformed("it declares a length of " + declared + " in a payload of " + payloadLength + " bytes", null);
        }
        if (declared > limits.maxCollectionLength()) {
            throw new SergeantException(ErrorCode.COLLECTION_TOO_LARGE, "task payload declares a length of "
                    + declared + ", over the maximum of " + limits.maxCollectionLength());
        }
        return declared;
    }

    private static SergeantException malformed(String why, Exception cause) {
        return new SergeantException(ErrorCode.MALFORMED_PAYLOAD, "not a SimpleTaskCodec task payload: " + why, cause);
    }
}
