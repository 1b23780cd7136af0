package io.sergeant.codec.compress;

import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * The bounded decompression loop the compressors share: the compressed input is checked against
 * {@code maxEncodedBytes}, output is read in chunks into a buffer that grows only up to
 * {@code maxDecompressedBytes} (nothing a header claims is trusted), and one byte past the bound is a
 * {@code DECOMPRESSED_TOO_LARGE} error. Stateless; internal to the package.
 */
final class BoundedDecompression {

    /** Opens a decompressing stream over the compressed bytes. */
    @FunctionalInterface
    interface Opener {
        InputStream open(InputStream compressed) throws IOException;
    }

    private BoundedDecompression() {
    }

    static void checkInput(String format, byte[] data, DecodeLimits limits) {
        Objects.requireNonNull(data, "data is null");
        if (data.length > limits.maxEncodedBytes()) {
            throw Errors.payloadTooLarge(format, data.length, limits.maxEncodedBytes());
        }
        if (data.length == 0) {
            throw Errors.malformed(format, "the payload is empty");
        }
    }

    static int maxOutput(DecodeLimits limits) {
        return (int) Math.min(limits.maxDecompressedBytes(), Integer.MAX_VALUE - 16);
    }

    static byte[] initialBuffer(int compressedLength, int max) {
        return new byte[(int) Math.min(max, Math.max(256L, compressedLength * 4L))];
    }

    /** Most bytes one read may produce, so that the deadline is checked often. */
    static final int CHUNK = 1 << 20;

    /** Throws {@code DECODE_DEADLINE_EXCEEDED} once {@link System#nanoTime()} has passed {@code deadlineNanos}. */
    static void checkDeadline(String format, long deadlineNanos) {
        if (System.nanoTime() - deadlineNanos > 0) {
            throw DecodeBudget.deadlineExceeded(format);
        }
    }

    /**
     * Decompresses {@code data} through the stream {@code opener} makes, bounded, checking the deadline
     * every {@link #CHUNK} bytes of output.
     */
    static byte[] decompress(String format, byte[] data, DecodeLimits limits, long deadlineNanos, Opener opener) {
        checkInput(format, data, limits);
        int max = maxOutput(limits);
        try (InputStream in = opener.open(new ByteArrayInputStream(data))) {
            byte[] buffer = initialBuffer(data.length, max);
            int size = 0;
            while (true) {
                if (size == buffer.length) {
                    if (size >= max) {
                        if (in.read() >= 0) {
                            throw Errors.decompressedTooLarge(format, limits.maxDecompressedBytes());
                        }
                        break;
                    }
                    buffer = Arrays.copyOf(buffer, (int) Math.min(max, buffer.length * 2L));
                }
                checkDeadline(format, deadlineNanos);
                int n = in.read(buffer, size, Math.min(CHUNK, buffer.length - size));
                if (n < 0) {
                    break;
                }
                size += n;
            }
            return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
        } catch (SergeantException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw Errors.malformed(format, "cannot be decompressed (" + e.getMessage() + ")", e);
        }
    }
}
