package io.sergeant.executor.process;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The parent-child protocol over the child's stdin and stdout: length-prefixed frames
 * {@code magic(1) type(1) sequence(8) length(4) payload(length)}. The magic byte detects a child whose
 * stdout was written to by something other than the protocol (native code, a library writing to the
 * raw file descriptor) instead of misreading it. Not thread safe: callers serialize writes per stream.
 */
final class Frames {

    /** The first byte of every frame. */
    static final byte MAGIC = (byte) 0xE5;
    /** The bytes of a frame before its payload: magic, type, sequence and length. */
    static final int HEADER = 1 + 1 + Long.BYTES + Integer.BYTES;
    /** Largest payload accepted, far above any task the codec's limits let through. */
    static final int MAX_PAYLOAD = 256 << 20;

    /** Parent to child: run the task in the payload (encoded with the worker's codec) under this sequence number. */
    static final byte TASK = 1;
    /** Parent to child: the task of this sequence number passed its timeout; interrupt it. */
    static final byte INTERRUPT = 2;
    /** Parent to child: finalize the worker and exit. */
    static final byte SHUTDOWN = 3;
    /** Child to parent: the worker is initialized; the sequence number is the child's pid. */
    static final byte READY = 10;
    /** Child to parent: the result of the task of this sequence number (see {@link #result}). */
    static final byte RESULT = 11;
    /** Child to parent: the worker could not be opened; the payload is the error, UTF-8. */
    static final byte FAILED = 12;

    private Frames() {
    }

    /**
     * One frame.
     *
     * @param type     the frame type
     * @param sequence the task sequence number (or pid for READY, 0 when unused)
     * @param payload  the payload, never null
     */
    record Frame(byte type, long sequence, byte[] payload) {
    }

    /** Writes and flushes one frame. */
    static void write(DataOutputStream out, byte type, long sequence, byte[] payload) throws IOException {
        out.writeByte(MAGIC);
        out.writeByte(type);
        out.writeLong(sequence);
        out.writeInt(payload.length);
        out.write(payload);
        out.flush();
    }

    /**
     * Reads one frame; returns null at a clean end of stream (before the first byte of a frame).
     *
     * @throws IOException on a read error, a truncated frame or bytes that are not a frame
     */
    static Frame read(DataInputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        if ((byte) first != MAGIC) {
            throw new IOException("protocol error: byte 0x" + Integer.toHexString(first)
                    + " where a frame starts; something wrote to the child's stdout outside the protocol");
        }
        try {
            byte type = in.readByte();
            long sequence = in.readLong();
            int length = in.readInt();
            if (length < 0 || length > MAX_PAYLOAD) {
                throw new IOException("protocol error: frame length " + length + " outside 0.." + MAX_PAYLOAD);
            }
            byte[] payload = new byte[length];
            in.readFully(payload);
            return new Frame(type, sequence, payload);
        } catch (EOFException e) {
            throw new IOException("protocol error: truncated frame", e);
        }
    }

    /**
     * Encodes a result payload: the outcome's name, the error text (may be null) and how long the run
     * took in the child, in nanoseconds ({@code preWork} to the end of the outcome handler).
     */
    static byte[] result(String outcome, String error, long nanos) {
        byte[] name = outcome.getBytes(StandardCharsets.UTF_8);
        byte[] text = error == null ? new byte[0] : error.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(4 + name.length + 1 + 4 + text.length + 8);
        buffer.putInt(name.length).put(name).put((byte) (error == null ? 0 : 1)).putInt(text.length).put(text).putLong(nanos);
        return buffer.array();
    }

    /**
     * A decoded result payload.
     *
     * @param outcome the outcome's name
     * @param error   the error text, or null
     * @param nanos   the run's duration in the child, in nanoseconds; -1 when the payload has none
     */
    record ResultPayload(String outcome, String error, long nanos) {
    }

    /** Decodes a result payload. */
    static ResultPayload parseResult(byte[] payload) throws IOException {
        try {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(payload);
            byte[] name = new byte[checked(buffer.getInt(), buffer.remaining())];
            buffer.get(name);
            boolean hasError = buffer.get() != 0;
            byte[] text = new byte[checked(buffer.getInt(), buffer.remaining())];
            buffer.get(text);
            long nanos = buffer.remaining() >= Long.BYTES ? buffer.getLong() : -1;
            return new ResultPayload(new String(name, StandardCharsets.UTF_8),
                    hasError ? new String(text, StandardCharsets.UTF_8) : null, nanos);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException("protocol error: truncated result", e);
        }
    }

    private static int checked(int length, int remaining) throws IOException {
        if (length < 0 || length > remaining) {
            throw new IOException("protocol error: length " + length + " with " + remaining + " byte(s) left");
        }
        return length;
    }
}
