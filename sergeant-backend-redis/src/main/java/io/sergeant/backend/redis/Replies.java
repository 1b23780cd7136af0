package io.sergeant.backend.redis;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;

/** Script arguments and replies as the role classes of the Redis backend read and write them. */
final class Replies {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Replies() {
    }

    static byte[] arg(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] arg(String value) {
        return Objects.requireNonNull(value, "value is null").getBytes(StandardCharsets.UTF_8);
    }

    static long number(Object reply) {
        if (reply instanceof Long value) {
            return value;
        }
        if (reply instanceof byte[] bytes) {
            return Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
        }
        throw new IllegalStateException("unexpected Redis reply " + reply);
    }

    static String text(Object reply) {
        if (reply instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return String.valueOf(reply);
    }

    /** 128 random bits as 32 hex digits: a push id that no restart can repeat. */
    static String randomToken() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * 128 random bits as 22 characters of unpadded base64url ({@code A-Z a-z 0-9 - _}): the lease token of a
     * leased pop, which no restart can repeat. Shorter than hex because every receipt of the pop carries it
     * and is hashed by the worker (its lease keeper's sets) once per task.
     */
    static String leaseToken() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
