package io.sergeant.codec.msgpack;

import io.sergeant.codec.support.Utf8;

import java.util.Arrays;

/**
 * A small, fixed-size cache of decoded map keys, so the few key names a queue's tasks repeat (kwargs
 * names) are decoded once instead of once per payload. A hit requires the exact same bytes as the entry,
 * which were valid UTF-8 when the entry was made, so a hit returns what {@link Utf8#decode} would (an
 * equal String). Holds at most {@value #SLOTS} entries of at most {@value #MAX_KEY_BYTES} bytes each; a
 * colliding key replaces the entry, so hostile payloads cost misses, never memory.
 *
 * <p>Thread safe without locks: slots are written and read racily, which is safe because an entry is
 * immutable (final fields) and any entry seen, old or new, is a correct one.
 */
final class KeyCache {

    /** Longer keys are decoded without the cache. */
    static final int MAX_KEY_BYTES = 32;
    private static final int SLOTS = 512;

    private final Entry[] slots = new Entry[SLOTS];

    /** Decodes {@code length} bytes at {@code offset} strictly; {@code null} if they are not valid UTF-8. */
    String decode(byte[] in, int offset, int length) {
        if (length > MAX_KEY_BYTES) {
            return Utf8.decode(in, offset, length);
        }
        int hash = length;
        for (int i = offset, end = offset + length; i < end; i++) {
            hash = 31 * hash + in[i];
        }
        int slot = (hash ^ (hash >>> 9)) & (SLOTS - 1);
        Entry entry = slots[slot];
        if (entry != null && entry.matches(in, offset, length)) {
            return entry.string;
        }
        String decoded = Utf8.decode(in, offset, length);
        if (decoded != null) {
            slots[slot] = new Entry(Arrays.copyOfRange(in, offset, offset + length), decoded);
        }
        return decoded;
    }

    private static final class Entry {
        final byte[] bytes;
        final String string;

        Entry(byte[] bytes, String string) {
            this.bytes = bytes;
            this.string = string;
        }

        /** A plain loop: for keys this short it beats the vectorised {@link Arrays#equals}'s set-up. */
        boolean matches(byte[] in, int offset, int length) {
            byte[] expected = bytes;
            if (expected.length != length) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                if (expected[i] != in[offset + i]) {
                    return false;
                }
            }
            return true;
        }
    }
}
