package io.sergeant.spi.backend;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a backend is created from: its URI as the user wrote it and its options.
 *
 * @param uri     the full URI; several nodes are comma separated ({@code redis://a:6379,redis://b:6379})
 * @param options backend options; unknown keys must be rejected by the backend
 */
public record BackendSpec(String uri, Map<String, String> options) {

    /** Checks that the URI is present and copies the options. */
    public BackendSpec {
        Objects.requireNonNull(uri, "uri is null");
        options = Map.copyOf(Objects.requireNonNull(options, "options is null"));
    }

    /** The scheme of the (first) URI, lower case: the part before the first {@code :}, or empty. */
    public String scheme() {
        int colon = uri.indexOf(':');
        return colon <= 0 ? "" : uri.substring(0, colon).trim().toLowerCase(Locale.ROOT);
    }

    /** The URI with any {@code user:password@} replaced by {@code ***@}, for logs and messages. */
    public String maskedUri() {
        return maskSecrets(uri);
    }

    /** The URI with secrets masked and the options with every value of a key naming a password or secret masked. */
    @Override
    public String toString() {
        java.util.Map<String, String> shown = new java.util.TreeMap<>();
        options.forEach((key, value) -> {
            String lower = key.toLowerCase(Locale.ROOT);
            shown.put(key, lower.contains("password") || lower.contains("secret") ? "***" : value);
        });
        return "BackendSpec[uri=" + maskedUri() + ", options=" + shown + "]";
    }

    /** Replaces the user-info part of every URI in {@code text} with {@code ***}. */
    public static String maskSecrets(String text) {
        return text.replaceAll("(?<=://)[^/@,]*@", "***@");
    }
}
