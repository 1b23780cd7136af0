package io.sergeant.api.config;

/**
 * Bounds every decoder honours, so a hostile or broken payload gives a typed
 * {@link io.sergeant.api.SergeantException} and never an {@code OutOfMemoryError} or
 * {@code StackOverflowError}.
 *
 * @param maxEncodedBytes      largest payload accepted as it comes from the backend
 * @param maxDecompressedBytes largest payload accepted after decompression
 * @param maxDepth             deepest nesting of lists and maps
 * @param maxCollectionLength  longest list, map, string or byte string
 */
public record DecodeLimits(int maxEncodedBytes, long maxDecompressedBytes, int maxDepth, int maxCollectionLength) {

    /** 16 MiB encoded, 64 MiB decompressed, depth 128, 1,000,000 elements. */
    public static final DecodeLimits DEFAULT = new DecodeLimits(16 << 20, 64L << 20, 128, 1_000_000);

    /** Checks that every bound is positive. */
    public DecodeLimits {
        if (maxEncodedBytes <= 0 || maxDecompressedBytes <= 0 || maxDepth <= 0 || maxCollectionLength <= 0) {
            throw new IllegalArgumentException("every decode limit must be positive: maxEncodedBytes=" + maxEncodedBytes
                    + ", maxDecompressedBytes=" + maxDecompressedBytes + ", maxDepth=" + maxDepth
                    + ", maxCollectionLength=" + maxCollectionLength);
        }
    }
}
