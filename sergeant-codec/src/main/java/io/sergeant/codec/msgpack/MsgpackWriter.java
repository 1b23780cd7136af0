package io.sergeant.codec.msgpack;

import io.sergeant.api.Task;
import io.sergeant.codec.support.ByteSink;
import io.sergeant.codec.support.PortableValues;
import io.sergeant.codec.support.PythonDatetimes;
import io.sergeant.codec.support.Utf8;
import io.sergeant.codec.support.ValueRejection;
import io.sergeant.api.ErrorCode;

import java.math.BigInteger;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * Writes values as Python's {@code msgpack.Packer(use_bin_type=True, strict_types=True)} with Python
 * Sergeant's {@code default} hook does: smallest integer encodings, floats as float 64, {@code str} and
 * {@code bin} families, {@code {"__datetime__": timestamp}} for datetimes and
 * {@code {"__task__": {...}}} for tasks. Depth is checked against the decode limit so that what is
 * written can be read back and cyclic structures fail instead of overflowing the stack.
 * Stateless apart from its configuration; each call writes into the sink it is given.
 */
final class MsgpackWriter {

    private static final byte[] TASK_KEY = ascii("__task__");
    private static final byte[] DATETIME_KEY = ascii("__datetime__");
    private static final byte[] KWARGS = ascii("kwargs");
    private static final byte[] TRACE_ID = ascii("trace_id");
    private static final byte[] DATE = ascii("date");
    private static final byte[] RUN_COUNT = ascii("run_count");

    private final int maxDepth;
    private final ZoneId zone;

    MsgpackWriter(int maxDepth, ZoneId zone) {
        this.maxDepth = maxDepth;
        this.zone = zone;
    }

    /**
     * Writes {@code {"__task__": {"kwargs", "trace_id", "date", "run_count"}}}; {@code depth} is the
     * nesting level of the enclosing container (0 at the root), so kwargs sits at depth + 3.
     */
    void writeTask(Task task, ByteSink out, int depth) {
        checkDepth(depth + 2);
        out.write(0x81);
        writeAscii(TASK_KEY, out);
        out.write(0x84);
        writeAscii(KWARGS, out);
        writeMap(task.kwargs(), out, depth + 3);
        writeAscii(TRACE_ID, out);
        if (task.traceId() == null) {
            out.write(0xc0);
        } else {
            try {
                writeString(task.traceId(), out);
            } catch (ValueRejection rejection) {
                throw new io.sergeant.api.SergeantException(ErrorCode.UNSUPPORTED_VALUE,
                        "cannot serialize the task's trace id: " + rejection.getMessage());
            }
        }
        writeAscii(DATE, out);
        writeDouble(task.date(), out);
        writeAscii(RUN_COUNT, out);
        writeLong(task.runCount(), out);
    }

    /** Writes any supported value; {@code depth} is the nesting level of the value's container. */
    void writeValue(Object value, ByteSink out, int depth) {
        if (value == null) {
            out.write(0xc0);
        } else if (value instanceof String s) {
            writeString(s, out);
        } else if (PortableValues.isFixedInteger(value)) {
            writeLong(((Number) value).longValue(), out);
        } else if (value instanceof Boolean b) {
            out.write(b ? 0xc3 : 0xc2);
        } else if (value instanceof Double d) {
            writeDouble(d, out);
        } else if (value instanceof Float f) {
            writeDouble(f.doubleValue(), out);
        } else if (value instanceof Map<?, ?> map) {
            writeMap(map, out, depth + 1);
        } else if (value instanceof List<?> list) {
            writeList(list, out, depth + 1);
        } else if (value instanceof byte[] bytes) {
            writeBinary(bytes, out);
        } else if (value instanceof BigInteger big) {
            writeBigInteger(PortableValues.checkRange(big), out);
        } else if (PythonDatetimes.isDatetime(value)) {
            checkDepth(depth + 1);
            out.write(0x81);
            writeAscii(DATETIME_KEY, out);
            writeDouble(PythonDatetimes.timestamp(value, zone), out);
        } else {
            throw ValueRejection.unsupportedType(value);
        }
    }

    private void writeMap(Map<?, ?> map, ByteSink out, int depth) {
        checkDepth(depth);
        int size = map.size();
        if (size < 16) {
            out.write(0x80 | size);
        } else if (size < 0x10000) {
            out.write(0xde);
            out.writeShortBE(size);
        } else {
            out.write(0xdf);
            out.writeIntBE(size);
        }
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            Object key = entry.getKey();
            if (!PortableValues.isKey(key)) {
                throw ValueRejection.unsupportedKey(key).atKey(key);
            }
            try {
                writeValue(key, out, depth);
                writeValue(entry.getValue(), out, depth);
            } catch (ValueRejection rejection) {
                throw rejection.atKey(key);
            }
        }
    }

    private void writeList(List<?> list, ByteSink out, int depth) {
        checkDepth(depth);
        int size = list.size();
        if (size < 16) {
            out.write(0x90 | size);
        } else if (size < 0x10000) {
            out.write(0xdc);
            out.writeShortBE(size);
        } else {
            out.write(0xdd);
            out.writeIntBE(size);
        }
        int index = 0;
        for (Object item : list) {
            try {
                writeValue(item, out, depth);
            } catch (ValueRejection rejection) {
                throw rejection.atIndex(index);
            }
            index++;
        }
    }

    private void checkDepth(int depth) {
        if (depth > maxDepth) {
            throw ValueRejection.tooDeep(maxDepth);
        }
    }

    static void writeString(String s, ByteSink out) {
        int length = Utf8.encodedLength(s);
        if (length < 0) {
            throw new ValueRejection(ErrorCode.UNSUPPORTED_VALUE,
                    "the string holds a lone UTF-16 surrogate, which UTF-8 cannot encode; fix the string");
        }
        if (length < 32) {
            out.write(0xa0 | length);
        } else if (length < 0x100) {
            out.write(0xd9);
            out.write(length);
        } else if (length < 0x10000) {
            out.write(0xda);
            out.writeShortBE(length);
        } else {
            out.write(0xdb);
            out.writeIntBE(length);
        }
        Utf8.encode(s, length, out);
    }

    private static void writeBinary(byte[] bytes, ByteSink out) {
        int length = bytes.length;
        if (length < 0x100) {
            out.write(0xc4);
            out.write(length);
        } else if (length < 0x10000) {
            out.write(0xc5);
            out.writeShortBE(length);
        } else {
            out.write(0xc6);
            out.writeIntBE(length);
        }
        out.write(bytes, 0, length);
    }

    static void writeLong(long v, ByteSink out) {
        if (v >= 0) {
            if (v < 0x80) {
                out.write((int) v);
            } else if (v < 0x100) {
                out.write(0xcc);
                out.write((int) v);
            } else if (v < 0x10000) {
                out.write(0xcd);
                out.writeShortBE((int) v);
            } else if (v < 0x1_0000_0000L) {
                out.write(0xce);
                out.writeIntBE((int) v);
            } else {
                out.write(0xcf);
                out.writeLongBE(v);
            }
        } else if (v >= -32) {
            out.write((int) v & 0xff);
        } else if (v >= Byte.MIN_VALUE) {
            out.write(0xd0);
            out.write((int) v);
        } else if (v >= Short.MIN_VALUE) {
            out.write(0xd1);
            out.writeShortBE((int) v);
        } else if (v >= Integer.MIN_VALUE) {
            out.write(0xd2);
            out.writeIntBE((int) v);
        } else {
            out.write(0xd3);
            out.writeLongBE(v);
        }
    }

    private static void writeBigInteger(BigInteger v, ByteSink out) {
        if (v.bitLength() < 64) {
            writeLong(v.longValue(), out);
            return;
        }
        out.write(0xcf); // 2^63 .. 2^64-1
        out.writeLongBE(v.longValue());
    }

    private static void writeDouble(double d, ByteSink out) {
        out.write(0xcb);
        out.writeLongBE(Double.doubleToRawLongBits(d));
    }

    private static void writeAscii(byte[] ascii, ByteSink out) {
        out.write(0xa0 | ascii.length);
        out.write(ascii, 0, ascii.length);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
