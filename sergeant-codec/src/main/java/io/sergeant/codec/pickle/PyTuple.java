package io.sergeant.codec.pickle;

import io.sergeant.codec.support.DecodeBudget;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Map;
import java.util.RandomAccess;

/**
 * A decoded Python tuple: an unmodifiable list (equal to any list with the same elements). Tuple-ness is
 * not kept on the Java side: written back, it becomes a Python list. Immutable, thread safe once published.
 *
 * <p>A tuple knows, from its construction, whether Python could hash it (it holds no list or dict, at any
 * depth) and its size as a tree ({@link #weightObjects}, {@link #weightBytes}: shared elements counted once
 * per reference, saturating), so a dict key can be refused or charged before anything hashes it: hashing
 * or comparing a tuple whose elements share references costs its tree size, which pickle's memo can make
 * exponential in the payload size. The hash of a hashable tuple is computed once, on first use.
 */
final class PyTuple extends AbstractList<Object> implements RandomAccess {

    static final PyTuple EMPTY = new PyTuple(new Object[0]);

    private final Object[] items;
    private final boolean hashable;
    private final long weightObjects;
    private final long weightBytes;
    /** The cached hash of a hashable tuple; 0 until computed (as String's, a benign race). */
    private int hash;

    PyTuple(Object[] items) {
        this.items = items;
        boolean canHash = true;
        long objects = 1;
        long bytes = DecodeBudget.CONTAINER_BYTES + items.length * DecodeBudget.SLOT_BYTES;
        for (Object item : items) {
            if (item instanceof PyTuple tuple) {
                canHash &= tuple.hashable;
                objects = saturatedAdd(objects, tuple.weightObjects);
                bytes = saturatedAdd(bytes, tuple.weightBytes);
            } else {
                canHash &= !(item instanceof ArrayList<?>) && !(item instanceof Map<?, ?>);
                objects = saturatedAdd(objects, 1);
                bytes = saturatedAdd(bytes, leafBytes(item));
            }
        }
        this.hashable = canHash;
        this.weightObjects = objects;
        this.weightBytes = bytes;
    }

    /** Whether Python could hash this tuple (no list or dict inside, at any depth). */
    boolean hashable() {
        return hashable;
    }

    /** Values in this tuple as a tree, itself included (meaningful when {@link #hashable}). */
    long weightObjects() {
        return weightObjects;
    }

    /** Retained bytes of this tuple as a tree (meaningful when {@link #hashable}). */
    long weightBytes() {
        return weightBytes;
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }

    @Override
    public int hashCode() {
        if (!hashable) {
            return super.hashCode();
        }
        int h = hash;
        if (h == 0) {
            h = super.hashCode();
            hash = h;
        }
        return h;
    }

    @Override
    public boolean equals(Object other) {
        if (other == this) {
            return true;
        }
        if (other instanceof PyTuple tuple && hashable && tuple.hashable && hashCode() != tuple.hashCode()) {
            return false;
        }
        return super.equals(other);
    }

    static long leafBytes(Object value) {
        if (value instanceof String s) {
            return DecodeBudget.STRING_BYTES + s.length();
        }
        if (value instanceof byte[] b) {
            return DecodeBudget.STRING_BYTES + b.length;
        }
        if (value instanceof java.math.BigInteger big) {
            return DecodeBudget.STRING_BYTES + big.bitLength() / 8;
        }
        return DecodeBudget.VALUE_BYTES;
    }

    static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
