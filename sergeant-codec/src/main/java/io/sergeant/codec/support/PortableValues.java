package io.sergeant.codec.support;

import io.sergeant.api.ErrorCode;

import java.math.BigInteger;

/**
 * The value rules shared by the portable serializers ({@code msgpack}, {@code pickle}): which Java
 * integers are accepted and their range (signed 64-bit, plus unsigned 64-bit for {@link BigInteger}, as
 * msgpack can carry). Stateless; internal.
 */
public final class PortableValues {

    /** 2^64 - 1, the largest msgpack integer. */
    public static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);

    private PortableValues() {
    }

    /** Whether {@code value} is a Byte, Short, Integer or Long. */
    public static boolean isFixedInteger(Object value) {
        return value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte;
    }

    /** Checks that a BigInteger fits in [-2^63, 2^64-1]. */
    public static BigInteger checkRange(BigInteger value) {
        if (value.compareTo(LONG_MIN) < 0 || value.compareTo(UINT64_MAX) > 0) {
            throw new ValueRejection(ErrorCode.UNSUPPORTED_VALUE, "the integer " + value
                    + " is outside the 64-bit range [-2^63, 2^64-1]; send it as a string");
        }
        return value;
    }

    /** Whether {@code key} is a map key the portable serializers accept (String or integer). */
    public static boolean isKey(Object key) {
        return key instanceof String || isFixedInteger(key) || key instanceof BigInteger;
    }
}
