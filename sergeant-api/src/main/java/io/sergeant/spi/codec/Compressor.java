package io.sergeant.spi.codec;

/**
 * Compresses encoded tasks in the format Python Sergeant's compressor of the same name writes and reads.
 * Thread safe. {@link #decompress} stops at {@code DecodeLimits.maxDecompressedBytes} with
 * {@code DECOMPRESSED_TOO_LARGE} (bounded memory, whatever the input claims) and reports corrupt
 * input as {@code MALFORMED_PAYLOAD}.
 */
public interface Compressor {

    /** Compresses. */
    byte[] compress(byte[] data);

    /** Decompresses, bounded. */
    byte[] decompress(byte[] data);

    /**
     * Decompresses, bounded, giving up with {@code DECODE_DEADLINE_EXCEEDED} once {@link System#nanoTime()}
     * passes {@code deadlineNanos}. The default ignores the deadline (decompression is bounded by
     * {@code maxDecompressedBytes} anyway); the built-in compressors honour it.
     *
     * @since 0.1
     */
    default byte[] decompress(byte[] data, long deadlineNanos) {
        return decompress(data);
    }
}
