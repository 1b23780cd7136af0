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
}
