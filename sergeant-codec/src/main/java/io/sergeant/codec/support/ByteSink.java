package io.sergeant.codec.support;

import java.util.Arrays;

/**
 * A growable byte buffer with big-endian and little-endian writers, optionally bounded. Not thread
 * safe: one instance per thread (codecs keep one per thread and {@link #reset} it between uses).
 * Internal.
 */
public final class ByteSink {

    /** Buffers bigger than this are dropped on {@link #reset} so one large payload does not pin memory. */
    private static final int RETAINED_CAPACITY = 1 << 20;
    private static final int INITIAL_CAPACITY = 512;

    private final long limit;
    private final Runnable onOverflow;
    private byte[] buffer;
    private int size;

    /** An unbounded sink (up to the largest Java array). */
    public ByteSink() {
        this(Integer.MAX_VALUE - 16, null);
    }

    /**
     * A sink that calls {@code onOverflow} (which must throw) before it grows past {@code limit} bytes.
     */
    public ByteSink(long limit, Runnable onOverflow) {
        this.limit = Math.min(limit, Integer.MAX_VALUE - 16);
        this.onOverflow = onOverflow;
        this.buffer = new byte[INITIAL_CAPACITY];
    }

    /** Empties the sink, dropping an oversized buffer. */
    public ByteSink reset() {
        size = 0;
        if (buffer.length > RETAINED_CAPACITY) {
            buffer = new byte[INITIAL_CAPACITY];
        }
        return this;
    }

    /** Bytes written so far. */
    public int size() {
        return size;
    }

    /** How many more bytes fit under the limit. */
    public long remaining() {
        return limit - size;
    }

    /** Makes room for {@code extra} more bytes. */
    public void ensure(int extra) {
        long needed = (long) size + extra;
        if (needed > limit) {
            if (onOverflow != null) {
                onOverflow.run();
            }
            throw new IllegalStateException("buffer limit of " + limit + " bytes exceeded");
        }
        if (needed > buffer.length) {
            long grown = Math.max(needed, Math.min(limit, (long) buffer.length * 2));
            buffer = Arrays.copyOf(buffer, (int) grown);
        }
    }

    /** The backing array (valid up to {@link #size()}); for writers that fill it directly. */
    public byte[] array() {
        return buffer;
    }

    /** Advances the size after a direct write into {@link #array()}. */
    public void advance(int count) {
        size += count;
    }

    /** Writes one byte. */
    public void write(int b) {
        if (size == buffer.length) {
            ensure(1);
        }
        buffer[size++] = (byte) b;
    }

    /** Writes {@code length} bytes of {@code bytes} from {@code offset}. */
    public void write(byte[] bytes, int offset, int length) {
        ensure(length);
        System.arraycopy(bytes, offset, buffer, size, length);
        size += length;
    }

    /** Writes a big-endian 16-bit value. */
    public void writeShortBE(int v) {
        ensure(2);
        buffer[size++] = (byte) (v >>> 8);
        buffer[size++] = (byte) v;
    }

    /** Writes a big-endian 32-bit value. */
    public void writeIntBE(int v) {
        ensure(4);
        buffer[size++] = (byte) (v >>> 24);
        buffer[size++] = (byte) (v >>> 16);
        buffer[size++] = (byte) (v >>> 8);
        buffer[size++] = (byte) v;
    }

    /** Writes a big-endian 64-bit value. */
    public void writeLongBE(long v) {
        writeIntBE((int) (v >>> 32));
        writeIntBE((int) v);
    }

    /** Writes a little-endian 16-bit value. */
    public void writeShortLE(int v) {
        ensure(2);
        buffer[size++] = (byte) v;
        buffer[size++] = (byte) (v >>> 8);
    }

    /** Writes a little-endian 32-bit value. */
    public void writeIntLE(int v) {
        ensure(4);
        buffer[size++] = (byte) v;
        buffer[size++] = (byte) (v >>> 8);
        buffer[size++] = (byte) (v >>> 16);
        buffer[size++] = (byte) (v >>> 24);
    }

    /** Writes a little-endian 64-bit value. */
    public void writeLongLE(long v) {
        writeIntLE((int) v);
        writeIntLE((int) (v >>> 32));
    }

    /** Overwrites 8 bytes at {@code position} with a little-endian 64-bit value. */
    public void putLongLE(int position, long v) {
        for (int i = 0; i < 8; i++) {
            buffer[position + i] = (byte) (v >>> (8 * i));
        }
    }

    /** A copy of the written bytes. */
    public byte[] toByteArray() {
        return Arrays.copyOf(buffer, size);
    }
}
