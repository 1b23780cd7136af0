package io.sergeant.codec.pickle;

import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;
import io.sergeant.codec.support.Utf8;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * The byte cursor of the pickle reader: opcode arguments (little-endian integers, big-endian floats,
 * text lines) and the strings, byte strings and long integers they announce. Every declared length is
 * checked against {@code maxCollectionLength} and against the bytes that remain before anything is
 * allocated, and every value read is charged to the payload's {@link DecodeBudget}. One instance per
 * payload; not thread safe.
 */
final class PickleInput {

    static final String FORMAT = "pickle";
    private static final int MAX_LINE = 1024;

    private final byte[] in;
    private final int end;
    private final DecodeLimits limits;
    private final DecodeBudget budget;
    private int pos;

    PickleInput(byte[] in, DecodeLimits limits, DecodeBudget budget) {
        this.in = in;
        this.end = in.length;
        this.limits = limits;
        this.budget = budget;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return end - pos;
    }

    int size() {
        return end;
    }

    int u8() {
        need(1);
        return in[pos++] & 0xff;
    }

    int u16() {
        return u8() | (u8() << 8);
    }

    int i32() {
        need(4);
        int v = (in[pos] & 0xff) | ((in[pos + 1] & 0xff) << 8) | ((in[pos + 2] & 0xff) << 16) | (in[pos + 3] << 24);
        pos += 4;
        return v;
    }

    long u32() {
        return i32() & 0xffffffffL;
    }

    long u64() {
        long low = u32();
        return low | (u32() << 32);
    }

    long i64BigEndian() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (in[pos + i] & 0xff);
        }
        pos += 8;
        return v;
    }

    /** A str of {@code declared} UTF-8 bytes. */
    String string(long declared) {
        int length = length(declared, "string of bytes");
        String s = Utf8.decode(in, pos, length);
        if (s == null) {
            throw Errors.malformed(FORMAT, "the string at offset " + pos + " is not valid UTF-8");
        }
        pos += length;
        budget.chargeString(length);
        return s;
    }

    /** A bytes object of {@code declared} bytes. */
    byte[] bytes(long declared) {
        int length = length(declared, "bytes object of");
        budget.chargeString(length);
        byte[] bytes = Arrays.copyOfRange(in, pos, pos + length);
        pos += length;
        return bytes;
    }

    /** LONG1: a little-endian two's complement integer of at most 255 bytes. */
    Object long1() {
        int length = u8();
        need(length);
        return littleEndian(length);
    }

    /** LONG4: a little-endian two's complement integer of a declared number of bytes. */
    Object long4() {
        return littleEndian(length(i32(), "LONG4 integer of bytes"));
    }

    private Object littleEndian(int length) {
        if (length == 0) {
            budget.chargeValue();
            return 0L;
        }
        budget.chargeString(length);
        byte[] bigEndian = new byte[length];
        for (int i = 0; i < length; i++) {
            bigEndian[i] = in[pos + length - 1 - i];
        }
        pos += length;
        BigInteger value = new BigInteger(bigEndian);
        return value.bitLength() < 64 ? (Object) value.longValue() : value;
    }

    /** A newline-terminated UTF-8 line of at most 1 KiB (GLOBAL, INST, PUT, GET). */
    String line() {
        int start = pos;
        int limit = Math.min(end, pos + MAX_LINE);
        while (pos < limit && in[pos] != '\n') {
            pos++;
        }
        if (pos == limit) {
            throw Errors.malformed(FORMAT, "a text line (GLOBAL/INST/PUT/GET) has no end");
        }
        String text = Utf8.decode(in, start, pos - start);
        pos++;
        if (text == null) {
            throw Errors.malformed(FORMAT, "a text line is not valid UTF-8");
        }
        return text;
    }

    /** A decimal memo index on a line (PUT, GET). */
    long decimalLine() {
        String text = line();
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw Errors.malformed(FORMAT, "'" + text + "' is not a memo index", e);
        }
    }

    private int length(long declared, String what) {
        if (declared < 0) {
            throw Errors.malformed(FORMAT, "negative length " + declared + " for a " + what);
        }
        if (declared > limits.maxCollectionLength()) {
            throw Errors.collectionTooLarge(FORMAT, what, declared, limits.maxCollectionLength(), "maxCollectionLength");
        }
        if (declared > end - pos) {
            throw Errors.collectionTooLarge(FORMAT, what, declared, end - pos, "the number of bytes left");
        }
        return (int) declared;
    }

    private void need(int count) {
        if (end - pos < count) {
            throw Errors.malformed(FORMAT, "the payload ends in the middle of an opcode at offset " + pos);
        }
    }
}
