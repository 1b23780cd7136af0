package io.sergeant.codec.support;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DecodeLimits;

/**
 * What one payload may still cost its decoder: decoded values, retained bytes and time. Readers charge
 * every value they create ({@link #charge}); every few hundred charges, and whenever a reader asks
 * ({@link #checkDeadline}), the clock is read, so the work between two deadline checks stays small.
 * Values are charged as a tree: a reader that shares one decoded value between several places (pickle's
 * memo) charges it again for every reference (see {@link #chargeShared}), so nothing that later walks the
 * result (hashing, equality, re-encoding, logging) can be made to do more than the budget.
 *
 * <p>Costs are estimates of heap use on a 64-bit JVM with compressed references; they bound memory, they
 * do not measure it. One instance per payload; not thread safe.
 */
public final class DecodeBudget {

    /** A number, boolean or other small boxed value. */
    public static final long VALUE_BYTES = 16;
    /** A string or byte string, before its contents. */
    public static final long STRING_BYTES = 40;
    /** A list or map, before its slots. */
    public static final long CONTAINER_BYTES = 64;
    /** One list slot. */
    public static final long SLOT_BYTES = 8;
    /** One map entry (node plus table slot). */
    public static final long ENTRY_BYTES = 48;

    private static final int CHECK_EVERY = 256;

    private final String format;
    private final long maxObjects;
    private final long maxBytes;
    private final long deadlineNanos;
    private final boolean hasDeadline;
    private long objects;
    private long bytes;
    private int untilCheck = CHECK_EVERY;

    private DecodeBudget(String format, DecodeLimits limits, long deadlineNanos, boolean hasDeadline) {
        this.format = format;
        this.maxObjects = limits.maxObjects();
        this.maxBytes = limits.maxRetainedBytes();
        this.deadlineNanos = deadlineNanos;
        this.hasDeadline = hasDeadline;
    }

    /** A budget for one payload of {@code format} that must be decoded before {@code deadlineNanos} ({@link System#nanoTime()}). */
    public static DecodeBudget until(String format, DecodeLimits limits, long deadlineNanos) {
        return new DecodeBudget(format, limits, deadlineNanos, true);
    }

    /** A budget whose deadline is the limits' decode deadline from now. */
    public static DecodeBudget startingNow(String format, DecodeLimits limits) {
        return until(format, limits, deadlineFromNow(limits));
    }

    /** {@link System#nanoTime()} plus the limits' decode deadline. */
    public static long deadlineFromNow(DecodeLimits limits) {
        return System.nanoTime() + limits.decodeDeadline().toNanos();
    }

    /** Charges {@code count} values holding about {@code retainedBytes} bytes; throws when over budget. */
    public void charge(long count, long retainedBytes) {
        objects += count;
        bytes += retainedBytes;
        if (objects > maxObjects) {
            throw overBudget("values", maxObjects, "maxObjects");
        }
        if (bytes > maxBytes) {
            throw overBudget("retained bytes", maxBytes, "maxRetainedBytes");
        }
        if (--untilCheck <= 0) {
            checkDeadline();
        }
    }

    /** Charges one value of fixed size (a number, a boolean, a datetime). */
    public void chargeValue() {
        charge(1, VALUE_BYTES);
    }

    /** Charges one string or byte string of {@code length} bytes. */
    public void chargeString(long length) {
        charge(1, STRING_BYTES + length);
    }

    /**
     * Charges a value that is referenced once more (a shared reference): {@code weightObjects} values and
     * {@code weightBytes} bytes, its size as a tree. Same checks as {@link #charge}.
     */
    public void chargeShared(long weightObjects, long weightBytes) {
        charge(weightObjects, weightBytes);
    }

    /** Counts one step of work that allocates nothing; reads the clock every few hundred steps. */
    public void tick() {
        if (--untilCheck <= 0) {
            checkDeadline();
        }
    }

    /**
     * Like {@link #tick}, but reports a passed deadline instead of throwing it (for callbacks whose
     * exceptions the caller would wrap, such as an {@code ObjectInputFilter}).
     */
    public boolean tickPassedDeadline() {
        if (--untilCheck > 0) {
            return false;
        }
        untilCheck = CHECK_EVERY;
        return hasDeadline && System.nanoTime() - deadlineNanos > 0;
    }

    /**
     * Checks a value's size as a tree (its values and retained bytes, shared references counted once per
     * reference) against the limits, without charging it.
     */
    public void checkWeight(long weightObjects, long weightBytes) {
        if (weightObjects > maxObjects) {
            throw overBudget("values", maxObjects, "maxObjects");
        }
        if (weightBytes > maxBytes) {
            throw overBudget("retained bytes", maxBytes, "maxRetainedBytes");
        }
    }

    /** Throws {@code DECODE_DEADLINE_EXCEEDED} if the deadline has passed. */
    public void checkDeadline() {
        untilCheck = CHECK_EVERY;
        if (hasDeadline && System.nanoTime() - deadlineNanos > 0) {
            throw deadlineExceeded(format);
        }
    }

    /** Forgets what was charged (a reader starting over on the same payload); the deadline stays. */
    public void resetCounts() {
        objects = 0;
        bytes = 0;
    }

    /** Values charged so far. */
    public long objects() {
        return objects;
    }

    /** Retained bytes charged so far. */
    public long bytes() {
        return bytes;
    }

    /** The error for a payload of {@code format} that is still decoding at its deadline. */
    public static SergeantException deadlineExceeded(String format) {
        return new SergeantException(ErrorCode.DECODE_DEADLINE_EXCEEDED, format
                + " payload is still decoding at its decode deadline; the payload is hostile or too big, or"
                + " limits.decodeDeadline must be raised");
    }

    private SergeantException overBudget(String what, long max, String limit) {
        return new SergeantException(ErrorCode.DECODE_BUDGET_EXCEEDED, format + " payload decodes to more than "
                + max + " " + what + " (" + limit + "=" + max + ", counting shared references once per reference);"
                + " the payload is hostile or the decode limit must be raised");
    }
}
