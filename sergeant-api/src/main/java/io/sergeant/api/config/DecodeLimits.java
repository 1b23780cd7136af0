package io.sergeant.api.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds every decoder honours, so a hostile or broken payload gives a typed
 * {@link io.sergeant.api.SergeantException} and never an {@code OutOfMemoryError}, a
 * {@code StackOverflowError} or a worker busy for minutes.
 *
 * <p>The object and retained-byte budgets are per payload and count the decoded value as a tree: a
 * value a payload references twice (pickle's memo, JDK back-references) counts twice, so whatever walks
 * the result afterwards (equality, hashing, re-encoding, logging) does bounded work. Containers grow as
 * their elements arrive; a declared length never allocates more than the budget allows.
 *
 * @param maxEncodedBytes      largest payload accepted as it comes from the backend
 * @param maxDecompressedBytes largest payload accepted after decompression
 * @param maxDepth             deepest nesting of lists and maps
 * @param maxCollectionLength  longest list, map, string or byte string
 * @param maxObjects           most decoded values (every list, map, string, number...) in one payload,
 *                             shared references counted once per reference
 * @param maxRetainedBytes     most bytes the decoded values of one payload may hold (an estimate of the
 *                             heap they use: string and byte contents plus a fixed cost per value and
 *                             per container slot), shared references counted once per reference
 * @param decodeDeadline       longest time decoding one payload (decompression included) may take; a
 *                             payload still decoding then is refused with {@code DECODE_DEADLINE_EXCEEDED}
 */
public record DecodeLimits(int maxEncodedBytes, long maxDecompressedBytes, int maxDepth, int maxCollectionLength,
                           int maxObjects, long maxRetainedBytes, Duration decodeDeadline) {

    /** Default most decoded values per payload: 2,000,000. */
    public static final int DEFAULT_MAX_OBJECTS = 2_000_000;
    /** Default most retained bytes per payload: 64 MiB. */
    public static final long DEFAULT_MAX_RETAINED_BYTES = 64L << 20;
    /** Default decode deadline per payload: 1 second. */
    public static final Duration DEFAULT_DECODE_DEADLINE = Duration.ofSeconds(1);

    /**
     * 16 MiB encoded, 64 MiB decompressed, depth 128, 1,000,000 elements, 2,000,000 values and 64 MiB
     * retained per payload, 1 s to decode it.
     */
    public static final DecodeLimits DEFAULT = new DecodeLimits(16 << 20, 64L << 20, 128, 1_000_000);

    /** Checks that every bound is positive. */
    public DecodeLimits {
        Objects.requireNonNull(decodeDeadline, "decodeDeadline is null");
        if (maxEncodedBytes <= 0 || maxDecompressedBytes <= 0 || maxDepth <= 0 || maxCollectionLength <= 0
                || maxObjects <= 0 || maxRetainedBytes <= 0 || decodeDeadline.isNegative() || decodeDeadline.isZero()) {
            throw new IllegalArgumentException("every decode limit must be positive: maxEncodedBytes=" + maxEncodedBytes
                    + ", maxDecompressedBytes=" + maxDecompressedBytes + ", maxDepth=" + maxDepth
                    + ", maxCollectionLength=" + maxCollectionLength + ", maxObjects=" + maxObjects
                    + ", maxRetainedBytes=" + maxRetainedBytes + ", decodeDeadline=" + decodeDeadline);
        }
    }

    /** The four size bounds with the default object and retained-byte budgets and decode deadline. */
    public DecodeLimits(int maxEncodedBytes, long maxDecompressedBytes, int maxDepth, int maxCollectionLength) {
        this(maxEncodedBytes, maxDecompressedBytes, maxDepth, maxCollectionLength, DEFAULT_MAX_OBJECTS,
                DEFAULT_MAX_RETAINED_BYTES, DEFAULT_DECODE_DEADLINE);
    }

    /** These limits with another per-payload object and retained-byte budget. */
    public DecodeLimits withBudget(int newMaxObjects, long newMaxRetainedBytes) {
        return new DecodeLimits(maxEncodedBytes, maxDecompressedBytes, maxDepth, maxCollectionLength, newMaxObjects,
                newMaxRetainedBytes, decodeDeadline);
    }

    /** These limits with another decode deadline. */
    public DecodeLimits withDecodeDeadline(Duration newDecodeDeadline) {
        return new DecodeLimits(maxEncodedBytes, maxDecompressedBytes, maxDepth, maxCollectionLength, maxObjects,
                maxRetainedBytes, newDecodeDeadline);
    }
}
