package io.sergeant.codec.support;

import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8, as Python's {@code str.encode()}/{@code bytes.decode()}: lone surrogates cannot be
 * encoded and invalid sequences (overlong forms, surrogates, values past U+10FFFF) cannot be decoded,
 * where the JDK would silently substitute. Stateless; internal.
 */
public final class Utf8 {

    private Utf8() {
    }

    /** The UTF-8 length of {@code s}, or -1 if it holds a lone surrogate. */
    public static int encodedLength(String s) {
        int length = s.length();
        long bytes = length;
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                bytes += 1;
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 >= length || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return -1;
                }
                bytes += 2; // 4 bytes for 2 chars
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return -1;
            } else {
                bytes += 2;
            }
        }
        return bytes > Integer.MAX_VALUE - 16 ? -1 : (int) bytes;
    }

    /** Writes {@code s} (already checked by {@link #encodedLength}) into the sink. */
    public static void encode(String s, int encodedLength, ByteSink sink) {
        sink.ensure(encodedLength);
        byte[] out = sink.array();
        int p = sink.size();
        int length = s.length();
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[p++] = (byte) c;
            } else if (c < 0x800) {
                out[p++] = (byte) (0xC0 | (c >> 6));
                out[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c)) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[p++] = (byte) (0xF0 | (cp >> 18));
                out[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[p++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                out[p++] = (byte) (0xE0 | (c >> 12));
                out[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        sink.advance(encodedLength);
    }

    /** Decodes strictly; returns {@code null} if the bytes are not valid UTF-8. */
    public static String decode(byte[] in, int offset, int length) {
        int end = offset + length;
        int i = offset;
        while (i < end && in[i] >= 0) {
            i++;
        }
        if (i == end) {
            return new String(in, offset, length, StandardCharsets.ISO_8859_1);
        }
        while (i < end) {
            int b = in[i] & 0xFF;
            if (b < 0x80) {
                i++;
            } else if (b >= 0xC2 && b <= 0xDF) {
                if (i + 1 >= end || !continuation(in[i + 1])) {
                    return null;
                }
                i += 2;
            } else if (b >= 0xE0 && b <= 0xEF) {
                if (i + 2 >= end || !continuation(in[i + 1]) || !continuation(in[i + 2])) {
                    return null;
                }
                int b1 = in[i + 1] & 0xFF;
                if ((b == 0xE0 && b1 < 0xA0) || (b == 0xED && b1 >= 0xA0)) {
                    return null; // overlong, or a surrogate
                }
                i += 3;
            } else if (b >= 0xF0 && b <= 0xF4) {
                if (i + 3 >= end || !continuation(in[i + 1]) || !continuation(in[i + 2])
                        || !continuation(in[i + 3])) {
                    return null;
                }
                int b1 = in[i + 1] & 0xFF;
                if ((b == 0xF0 && b1 < 0x90) || (b == 0xF4 && b1 >= 0x90)) {
                    return null; // overlong, or past U+10FFFF
                }
                i += 4;
            } else {
                return null;
            }
        }
        return new String(in, offset, length, StandardCharsets.UTF_8);
    }

    private static boolean continuation(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
