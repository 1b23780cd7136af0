package io.sergeant.codec.pickle;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.Task;
import io.sergeant.codec.support.ByteSink;
import io.sergeant.codec.support.PortableValues;
import io.sergeant.codec.support.PythonDatetimes;
import io.sergeant.codec.support.Utf8;
import io.sergeant.codec.support.ValueRejection;

import java.math.BigInteger;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Writes one pickle the way CPython's C pickler does at protocol 4/5 for Sergeant's values: PROTO, then
 * frames as CPython cuts them (a frame is closed when it holds 64 KiB or more at the start of the next
 * object, a str or bytes of 64 KiB or more is written outside any frame, and a frame shorter than 4
 * bytes is written without its FRAME header), every str/bytes/dict/list/tuple/global followed by MEMOIZE, lists and dicts in batches of
 * 1000 (APPEND/SETITEM for a single item, MARK ... APPENDS/SETITEMS otherwise), the smallest integer
 * opcodes, and a task as {@code STACK_GLOBAL("sergeant.objects", "Task") EMPTY_TUPLE NEWOBJ} followed by
 * {@code BUILD} with the state dict. Datetimes are written as naive {@code datetime.datetime} in the
 * clock's zone (with Python's fold bit), as Python Sergeant hands them to tasks.
 * One instance per payload; not thread safe.
 */
final class PickleWriter {

    private static final int BATCH_SIZE = 1000;
    /** CPython's {@code _FRAME_SIZE_TARGET}: frames are cut at the first object boundary past it. */
    static final int FRAME_SIZE_TARGET = 64 * 1024;
    /** CPython's {@code _FRAME_SIZE_MIN}: shorter frames are written without a FRAME header. */
    private static final int FRAME_SIZE_MIN = 4;
    private static final int FRAME_HEADER = 9;
    private static final byte[] SERGEANT_OBJECTS = ascii("sergeant.objects");
    private static final byte[] TASK = ascii("Task");
    private static final byte[] DATETIME = ascii("datetime");
    private static final byte[] KWARGS = ascii("kwargs");
    private static final byte[] TRACE_ID = ascii("trace_id");
    private static final byte[] DATE = ascii("date");
    private static final byte[] RUN_COUNT = ascii("run_count");

    private final ByteSink out;
    private final int protocol;
    private final int maxDepth;
    private final ZoneId zone;
    private int memoSize;
    private int datetimeClassMemo = -1;
    /** Where the open frame's FRAME header is reserved. */
    private int frameStart;

    PickleWriter(ByteSink out, int protocol, int maxDepth, ZoneId zone) {
        this.out = out;
        this.protocol = protocol;
        this.maxDepth = maxDepth;
        this.zone = zone;
    }

    /** Writes a whole pickle of {@code value} (a {@link Task} or a plain value). */
    void writePickle(Object value) {
        out.write(0x80);
        out.write(protocol);
        openFrame();
        if (value instanceof Task task) {
            writeTask(task);
        } else {
            writeValue(value, 0);
        }
        out.write('.');
        closeFrame();
    }

    /** Reserves the FRAME header of a new frame at the end of the output. */
    private void openFrame() {
        frameStart = out.size();
        out.write(0x95);
        out.writeLongLE(0);
    }

    /** Fills in the open frame's header, or removes it if the frame is shorter than 4 bytes (as CPython). */
    private void closeFrame() {
        int bodyStart = frameStart + FRAME_HEADER;
        int bodyLength = out.size() - bodyStart;
        if (bodyLength >= FRAME_SIZE_MIN) {
            out.putLongLE(frameStart + 1, bodyLength);
            return;
        }
        byte[] buffer = out.array();
        System.arraycopy(buffer, bodyStart, buffer, frameStart, bodyLength);
        out.reset();
        out.advance(frameStart + bodyLength);
    }

    /** CPython's check at the start of saving every object: a frame of 64 KiB or more is closed. */
    private void objectBoundary() {
        if (out.size() - frameStart - FRAME_HEADER >= FRAME_SIZE_TARGET) {
            closeFrame();
            openFrame();
        }
    }

    /** Whether a str or bytes of {@code length} bytes is written outside any frame (CPython's large-bytes path). */
    private static boolean large(int length) {
        return length >= FRAME_SIZE_TARGET;
    }

    private void writeTask(Task task) {
        if (maxDepth < 3) {
            throw ValueRejection.tooDeep(maxDepth);
        }
        // save(task) -> save_reduce: save(cls) -> save_global: save(module), save(name); save(args); ...
        objectBoundary();
        objectBoundary();
        writeAscii(SERGEANT_OBJECTS);
        writeAscii(TASK);
        out.write(0x93); // STACK_GLOBAL
        memoize();
        objectBoundary();
        out.write(')'); // EMPTY_TUPLE
        out.write(0x81); // NEWOBJ
        memoize();
        objectBoundary();
        out.write('}');
        memoize();
        out.write('(');
        writeAscii(KWARGS);
        objectBoundary();
        writeDict(task.kwargs(), 3);
        writeAscii(TRACE_ID);
        objectBoundary();
        if (task.traceId() == null) {
            out.write('N');
        } else {
            try {
                writeString(task.traceId());
            } catch (ValueRejection rejection) {
                throw new io.sergeant.api.SergeantException(ErrorCode.UNSUPPORTED_VALUE,
                        "cannot serialize the task's trace id: " + rejection.getMessage());
            }
        }
        writeAscii(DATE);
        objectBoundary();
        writeDouble(task.date());
        writeAscii(RUN_COUNT);
        objectBoundary();
        writeLong(task.runCount());
        out.write('u'); // SETITEMS
        out.write('b'); // BUILD
    }

    private void writeValue(Object value, int depth) {
        objectBoundary();
        if (value == null) {
            out.write('N');
        } else if (value instanceof String s) {
            writeString(s);
        } else if (PortableValues.isFixedInteger(value)) {
            writeLong(((Number) value).longValue());
        } else if (value instanceof Boolean b) {
            out.write(b ? 0x88 : 0x89);
        } else if (value instanceof Double d) {
            writeDouble(d);
        } else if (value instanceof Float f) {
            writeDouble(f.doubleValue());
        } else if (value instanceof Map<?, ?> map) {
            writeDict(map, depth + 1);
        } else if (value instanceof List<?> list) {
            writeList(list, depth + 1);
        } else if (value instanceof byte[] bytes) {
            writeBytes(bytes);
        } else if (value instanceof BigInteger big) {
            writeBigInteger(PortableValues.checkRange(big));
        } else if (PythonDatetimes.isDatetime(value)) {
            writeDatetime(value);
        } else {
            throw ValueRejection.unsupportedType(value);
        }
    }

    private void writeDict(Map<?, ?> map, int depth) {
        checkDepth(depth);
        out.write('}');
        memoize();
        Iterator<? extends Map.Entry<?, ?>> entries = map.entrySet().iterator();
        int left = map.size();
        while (left > 0) {
            int batch = Math.min(BATCH_SIZE, left);
            if (batch > 1) {
                out.write('(');
            }
            for (int i = 0; i < batch; i++) {
                Map.Entry<?, ?> entry = entries.next();
                Object key = entry.getKey();
                if (!PortableValues.isKey(key)) {
                    throw ValueRejection.unsupportedKey(key).atKey(key);
                }
                try {
                    writeValue(key, depth);
                    writeValue(entry.getValue(), depth);
                } catch (ValueRejection rejection) {
                    throw rejection.atKey(key);
                }
            }
            out.write(batch > 1 ? 'u' : 's');
            left -= batch;
        }
    }

    private void writeList(List<?> list, int depth) {
        checkDepth(depth);
        out.write(']');
        memoize();
        Iterator<?> items = list.iterator();
        int left = list.size();
        int index = 0;
        while (left > 0) {
            int batch = Math.min(BATCH_SIZE, left);
            if (batch > 1) {
                out.write('(');
            }
            for (int i = 0; i < batch; i++) {
                try {
                    writeValue(items.next(), depth);
                } catch (ValueRejection rejection) {
                    throw rejection.atIndex(index);
                }
                index++;
            }
            out.write(batch > 1 ? 'e' : 'a');
            left -= batch;
        }
    }

    private void writeDatetime(Object value) {
        LocalDateTime local = PythonDatetimes.toNaiveLocal(value, zone);
        if (local.getYear() < 1 || local.getYear() > 9999) {
            throw new ValueRejection(ErrorCode.UNSUPPORTED_VALUE, "the datetime " + value
                    + " is outside Python's years 1 to 9999");
        }
        objectBoundary(); // save(cls)
        if (datetimeClassMemo < 0) {
            writeAscii(DATETIME);
            writeAscii(DATETIME);
            out.write(0x93); // STACK_GLOBAL
            datetimeClassMemo = memoSize;
            memoize();
        } else if (datetimeClassMemo < 0x100) {
            out.write('h'); // BINGET
            out.write(datetimeClassMemo);
        } else {
            out.write('j'); // LONG_BINGET
            out.writeIntLE(datetimeClassMemo);
        }
        int micros = local.getNano() / 1000;
        int month = local.getMonthValue() | (PythonDatetimes.fold(value, zone) ? 0x80 : 0);
        objectBoundary(); // save(args)
        objectBoundary(); // save(state bytes)
        out.write('C');
        out.write(10);
        out.write(local.getYear() >> 8);
        out.write(local.getYear() & 0xff);
        out.write(month);
        out.write(local.getDayOfMonth());
        out.write(local.getHour());
        out.write(local.getMinute());
        out.write(local.getSecond());
        out.write(micros >> 16);
        out.write((micros >> 8) & 0xff);
        out.write(micros & 0xff);
        memoize();
        out.write(0x85); // TUPLE1
        memoize();
        out.write('R'); // REDUCE
        memoize();
    }

    private void checkDepth(int depth) {
        if (depth > maxDepth) {
            throw ValueRejection.tooDeep(maxDepth);
        }
    }

    private void memoize() {
        out.write(0x94);
        memoSize++;
    }

    private void writeString(String s) {
        int length = Utf8.encodedLength(s);
        if (length < 0) {
            throw new ValueRejection(ErrorCode.UNSUPPORTED_VALUE,
                    "the string holds a lone UTF-16 surrogate, which UTF-8 cannot encode; fix the string");
        }
        if (large(length)) {
            closeFrame();
            out.write('X');
            out.writeIntLE(length);
            Utf8.encode(s, length, out);
            openFrame();
            memoize();
            return;
        }
        if (length < 0x100) {
            out.write(0x8c);
            out.write(length);
        } else {
            out.write('X');
            out.writeIntLE(length);
        }
        Utf8.encode(s, length, out);
        memoize();
    }

    private void writeAscii(byte[] ascii) {
        objectBoundary();
        out.write(0x8c);
        out.write(ascii.length);
        out.write(ascii, 0, ascii.length);
        memoize();
    }

    private void writeBytes(byte[] bytes) {
        if (large(bytes.length)) {
            closeFrame();
            out.write('B');
            out.writeIntLE(bytes.length);
            out.write(bytes, 0, bytes.length);
            openFrame();
            memoize();
            return;
        }
        if (bytes.length < 0x100) {
            out.write('C');
            out.write(bytes.length);
        } else {
            out.write('B');
            out.writeIntLE(bytes.length);
        }
        out.write(bytes, 0, bytes.length);
        memoize();
    }

    private void writeLong(long v) {
        if (v >= 0 && v <= 0xff) {
            out.write('K');
            out.write((int) v);
        } else if (v >= 0 && v <= 0xffff) {
            out.write('M');
            out.writeShortLE((int) v);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write('J');
            out.writeIntLE((int) v);
        } else {
            writeBigInteger(BigInteger.valueOf(v));
        }
    }

    private void writeBigInteger(BigInteger v) {
        if (v.bitLength() < 32) {
            writeLong(v.longValue());
            return;
        }
        byte[] bigEndian = v.toByteArray();
        out.write(0x8a); // LONG1
        out.write(bigEndian.length);
        for (int i = bigEndian.length - 1; i >= 0; i--) {
            out.write(bigEndian[i]);
        }
    }

    private void writeDouble(double d) {
        out.write('G');
        out.writeLongBE(Double.doubleToRawLongBits(d));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
