package io.sergeant.testkit.codec;

import io.sergeant.api.config.DecodeLimits;

import java.time.Duration;

/**
 * Decode limits for tests that check size, depth and length bounds, not the clock.
 *
 * <p>The production default decode deadline (one second) can pass on a loaded machine while a test decodes a
 * small payload, and the test would then see {@code DECODE_DEADLINE_EXCEEDED} instead of the code it checks.
 * These limits keep every size bound the caller gives and set the deadline to {@link #DEADLINE}, far longer
 * than any of these decodes takes however busy the machine is. Tests of the deadline itself build their own
 * {@link DecodeLimits}.
 */
public final class TestDecodeLimits {

    /** The decode deadline of these limits: one minute. */
    public static final Duration DEADLINE = Duration.ofMinutes(1);

    /** {@link DecodeLimits#DEFAULT} with the {@link #DEADLINE}: the default bounds, without a clock that a busy machine trips. */
    public static final DecodeLimits DEFAULT = DecodeLimits.DEFAULT.withDecodeDeadline(DEADLINE);

    private TestDecodeLimits() {
    }

    /** Limits with these bounds, the default object and retained-byte budgets, and the {@link #DEADLINE}. */
    public static DecodeLimits of(int maxEncodedBytes, long maxDecompressedBytes, int maxDepth, int maxCollectionLength) {
        return new DecodeLimits(maxEncodedBytes, maxDecompressedBytes, maxDepth, maxCollectionLength,
                DecodeLimits.DEFAULT_MAX_OBJECTS, DecodeLimits.DEFAULT_MAX_RETAINED_BYTES, DEADLINE);
    }
}
