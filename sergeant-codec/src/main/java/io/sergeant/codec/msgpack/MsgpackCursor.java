package io.sergeant.codec.msgpack;

import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;
import io.sergeant.codec.support.Utf8;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * The bytes of one msgpack payload and a position in them, with the bounded primitives the readers share:
 * big-endian integers that fail at the end of the payload instead of reading past it, and strings and
 * binaries whose declared length is checked against {@code maxCollectionLength} and against the bytes
 * that remain before anything is allocated, and charged to the payload's {@link DecodeBudget}. One
 * instance per payload; not thread safe.
 */
class MsgpackCursor {

    static final String FORMAT = "msgpack";

    final byte[] in;
    final int end;
    final DecodeLimits limits;
    final KeyCache keyCache;
    final DecodeBudget budget;
    int pos;

    MsgpackCursor(byte[] in, DecodeLimits limits, KeyCache keyCache, DecodeBudget budget) {
        this.in = in;
        this.end = in.length;
        this.limits = limits;
        this.keyCache = keyCache;
        this.budget = budget;
    }

    /**
     * Checks a declared container or string length: not over {@code maxCollectionLength}, and not more
     * elements than the bytes left could hold at {@code minBytesPerElement} each.
     */
    final int length(long declared, String what, int minBytesPerElement) {
        if (declared > limits.maxCollectionLength()) {
            throw Errors.collectionTooLarge(FORMAT, what, declared, limits.maxCollectionLength(), "maxCollectionLength");
        }
        long available = end - pos;
        if (declared * minBytesPerElement > available) {
            throw Errors.collectionTooLarge(FORMAT, what, declared, available, "the number of bytes left");
        }
        return (int) declared;
    }

    /** A str of this declared length. */
    final String string(long declared) {
        int length = length(declared, "string of bytes", 1);
        budget.chargeString(length);
        String s = Utf8.decode(in, pos, length);
        if (s == null) {
            throw Errors.malformed(FORMAT, "the str at offset " + pos + " is not valid UTF-8");
        }
        pos += length;
        return s;
    }

    /** A fixstr map key, through the key cache. */
    final String key(int declared) {
        int length = length(declared, "string of bytes", 1);
        budget.chargeString(length);
        String s = keyCache.decode(in, pos, length);
        if (s == null) {
            throw Errors.malformed(FORMAT, "the str at offset " + pos + " is not valid UTF-8");
        }
        pos += length;
        return s;
    }

    /** A bin of this declared length, copied. */
    final byte[] binary(long declared) {
        int length = length(declared, "binary of bytes", 1);
        budget.chargeString(length);
        byte[] bytes = Arrays.copyOfRange(in, pos, pos + length);
        pos += length;
        return bytes;
    }

    /** A uint 64 as a Long when it fits, else a BigInteger. */
    static Object uint64(long bits) {
        if (bits >= 0) {
            return bits;
        }
        return new BigInteger(Long.toUnsignedString(bits));
    }

    final void need(int count) {
        if (end - pos < count) {
            throw Errors.malformed(FORMAT, "the payload ends in the middle of a value at offset " + pos);
        }
    }

    final int u8() {
        need(1);
        return in[pos++] & 0xff;
    }

    final int u16() {
        need(2);
        int v = ((in[pos] & 0xff) << 8) | (in[pos + 1] & 0xff);
        pos += 2;
        return v;
    }

    final long u32() {
        need(4);
        long v = ((long) (in[pos] & 0xff) << 24) | ((in[pos + 1] & 0xff) << 16) | ((in[pos + 2] & 0xff) << 8)
                | (in[pos + 3] & 0xff);
        pos += 4;
        return v;
    }

    final long i64() {
        long high = u32();
        return (high << 32) | u32();
    }
}
