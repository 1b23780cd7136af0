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

    private static final byte[] DATETIME_KEY = ascii("__datetime__");
    /** fixmap 1, fixstr __task__, fixmap 4, fixstr kwargs. */
    private static final byte[] TASK_PREFIX = concat(new byte[] {(byte) 0x81}, fixstr("__task__"),
            new byte[] {(byte) 0x84}, fixstr("kwargs"));
    private static final byte[] TRACE_ID_KEY = fixstr("trace_id");
    private static final byte[] DATE_KEY = fixstr("date");
    private static final byte[] RUN_COUNT_KEY = fixstr("run_count");

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
        out.write(TASK_PREFIX, 0, TASK_PREFIX.length);
        writeKwargs(task.kwargs(), out, depth + 3);
        out.write(TRACE_ID_KEY, 0, TRACE_ID_KEY.length);
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
        out.write(DATE_KEY, 0, DATE_KEY.length);
        writeDouble(task.date(), out);
        out.write(RUN_COUNT_KEY, 0, RUN_COUNT_KEY.length);
        writeLong(task.runCount(), out);
    }

    /**
     * {@link #writeMap} for a task's kwargs, iterated with {@code forEach} (an unmodifiable map's entry
     * iterator wraps every entry) and with String keys written directly; same bytes, same rejections.
     */
    private void writeKwargs(Map<String, Object> kwargs, ByteSink out, int depth) {
        checkDepth(depth);
        writeMapHeader(kwargs.size(), out);
        // Untyped, so that a non-String key smuggled in by an unchecked cast is no ClassCastException.
        Map<?, ?> untyped = kwargs;
        untyped.forEach((key, value) -> {
            try {
                if (key instanceof String s) {
                    writeString(s, out);
                } else if (PortableValues.isKey(key)) {
                    writeValue(key, out, depth);
                } else {
                    throw ValueRejection.unsupportedKey(key);
                }
                writeValue(value, out, depth);
            } catch (ValueRejection rejection) {
                throw rejection.atKey(key);
            }
        });
    }

    private static void writeMapHeader(int size, ByteSink out) {
        if (size < 16) {
            out.write(0x80 | size);
        } else if (size < 0x10000) {
            out.write(0xde);
            out.writeShortBE(size);
        } else {
            out.write(0xdf);
            out.writeIntBE(size);
        }
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
        writeMapHeader(map.size(), out);
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
        if (writeAsciiString(s, out)) {
            return;
        }
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

    /**
     * Writes an all-ASCII string (the common case) in one pass, header included, or writes nothing and
     * returns false at the first other char; then {@link #writeString} measures and encodes it in full.
     */
    private static boolean writeAsciiString(String s, ByteSink out) {
        int length = s.length();
        int header = length < 32 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
        out.ensure(header + length);
        byte[] buffer = out.array();
        int start = out.size();
        for (int i = 0, p = start + header; i < length; i++, p++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return false;
            }
            buffer[p] = (byte) c;
        }
        switch (header) {
            case 1 -> buffer[start] = (byte) (0xa0 | length);
            case 2 -> {
                buffer[start] = (byte) 0xd9;
                buffer[start + 1] = (byte) length;
            }
            case 3 -> {
                buffer[start] = (byte) 0xda;
                buffer[start + 1] = (byte) (length >>> 8);
                buffer[start + 2] = (byte) length;
            }
            default -> {
                buffer[start] = (byte) 0xdb;
                buffer[start + 1] = (byte) (length >>> 24);
                buffer[start + 2] = (byte) (length >>> 16);
                buffer[start + 3] = (byte) (length >>> 8);
                buffer[start + 4] = (byte) length;
            }
        }
        out.advance(header + length);
        return true;
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

    private static byte[] fixstr(String s) {
        byte[] ascii = ascii(s);
        return concat(new byte[] {(byte) (0xa0 | ascii.length)}, ascii);
    }

    private static byte[] concat(byte[]... parts) {
        ByteSink sink = new ByteSink();
        for (byte[] part : parts) {
            sink.write(part, 0, part.length);
        }
        return sink.toByteArray();
    }
}
