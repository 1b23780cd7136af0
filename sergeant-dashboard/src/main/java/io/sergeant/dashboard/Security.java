package io.sergeant.dashboard;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Authentication and CSRF checks. Authentication (optional): a bearer token (header
 * {@code Authorization: Bearer T}, or the {@code sergeant_token} cookie a browser gets by opening any
 * page once with {@code ?token=T}) or HTTP basic auth; compared in constant time. CSRF: every client
 * gets a random {@code sergeant_csrf} cookie (HttpOnly, SameSite=Strict); the token that every POST
 * must carry (form field {@code csrf} or header {@code X-CSRF-Token}) is the HMAC-SHA256 of that
 * cookie under a key drawn when the server starts, so a token is valid only with its own cookie and
 * only until the server restarts. Thread safe.
 */
final class Security {

    static final String CSRF_COOKIE = "sergeant_csrf";
    static final String TOKEN_COOKIE = "sergeant_token";

    private final DashboardOptions options;
    private final byte[] key = new byte[32];
    private final SecureRandom random = new SecureRandom();

    Security(DashboardOptions options) {
        this.options = options;
        random.nextBytes(key);
    }

    /** Whether the request authenticates (always true when no authentication is configured). */
    boolean authenticated(String authorization, String tokenCookie) {
        if (options.token() != null) {
            String bearer = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                    ? authorization.substring(7).trim() : null;
            return same(options.token(), bearer) || same(options.token(), tokenCookie);
        }
        if (options.basicUser() != null) {
            if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
                return false;
            }
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return false;
            }
            return same(options.basicUser() + ":" + options.basicPassword(), decoded);
        }
        return true;
    }

    /** Whether {@code candidate} is the configured token, in constant time (a browser's {@code ?token=}). */
    boolean isToken(String candidate) {
        return options.token() != null && same(options.token(), candidate);
    }

    /** A fresh CSRF cookie value. */
    String newCsrfCookie() {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** The CSRF token that goes with a cookie value. */
    String csrfToken(String cookie) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(cookie.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    /** Whether a POST's token matches its CSRF cookie. */
    boolean csrfValid(String cookie, String token) {
        return cookie != null && !cookie.isEmpty() && token != null && same(csrfToken(cookie), token);
    }

    private static boolean same(String expected, String given) {
        if (given == null) {
            return false;
        }
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }
}
