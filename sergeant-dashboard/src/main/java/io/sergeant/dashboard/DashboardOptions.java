package io.sergeant.dashboard;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link DashboardServer} listens and whom it lets in. Immutable; build with {@link #builder()}.
 * The defaults are the safe ones: loopback only, port 8080, actions allowed but each behind a CSRF
 * token, no authentication (anyone who can reach loopback can use it).
 *
 * @param bind          the address to listen on ({@code 127.0.0.1} by default)
 * @param port          the port; 0 takes a free one ({@link DashboardServer#port()} tells which)
 * @param readOnly      hide every action and refuse every POST with 403
 * @param token         a bearer token every request must carry, or {@code null}
 * @param basicUser     the HTTP basic user every request must authenticate as, or {@code null}
 * @param basicPassword that user's password, or {@code null}
 * @param basePath      the path prefix the dashboard is served under behind a reverse proxy
 *                      ({@code ""} or e.g. {@code /sergeant}); links carry it, requests may or may not
 * @param backendLabel  what the pages show as the backend: its URI, whose user-info (credentials) is masked here
 * @param sampleEvery   how often the server samples queue sizes and worker counters for the charts
 * @param samplesKept   how many samples the charts show (the history is {@code sampleEvery * samplesKept})
 * @param kwargsMaxBytes the largest payload (of a dead letter or of a waiting task) the dead-letter and queue
 *                      pages and their API read from the backend to show its kwargs ({@link #DEFAULT_KWARGS_MAX_BYTES} by default, as the CLI's
 *                      {@code dead-letters --kwargs-max-bytes}); a larger one is listed with its size only, never
 *                      read; 0 reads none
 */
public record DashboardOptions(String bind, int port, boolean readOnly, String token, String basicUser,
                               String basicPassword, String basePath, String backendLabel, Duration sampleEvery,
                               int samplesKept, long kwargsMaxBytes) {

    /** The default of {@link #kwargsMaxBytes}: 1 MiB. */
    public static final long DEFAULT_KWARGS_MAX_BYTES = 1 << 20;

    /** Checks and normalises the options; token and basic auth exclude each other. */
    public DashboardOptions {
        Objects.requireNonNull(bind, "bind is null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        if (token != null && token.isBlank()) {
            throw new IllegalArgumentException("the token is blank: give a non-empty token or none");
        }
        if ((basicUser == null) != (basicPassword == null)) {
            throw new IllegalArgumentException("basic auth needs both a user and a password (user:pass)");
        }
        if (token != null && basicUser != null) {
            throw new IllegalArgumentException("choose either a token or basic auth, not both");
        }
        basePath = normaliseBasePath(basePath);
        backendLabel = backendLabel == null ? "" : maskSecrets(backendLabel);
        Objects.requireNonNull(sampleEvery, "sampleEvery is null");
        if (sampleEvery.isNegative() || sampleEvery.isZero()) {
            throw new IllegalArgumentException("sampleEvery must be positive, got " + sampleEvery);
        }
        if (samplesKept < 2) {
            throw new IllegalArgumentException("samplesKept must be at least 2, got " + samplesKept);
        }
        if (kwargsMaxBytes < 0) {
            throw new IllegalArgumentException("kwargsMaxBytes must not be negative, got " + kwargsMaxBytes);
        }
    }

    /** The options of the first release, with {@link #DEFAULT_KWARGS_MAX_BYTES}. */
    public DashboardOptions(String bind, int port, boolean readOnly, String token, String basicUser,
                            String basicPassword, String basePath, String backendLabel, Duration sampleEvery,
                            int samplesKept) {
        this(bind, port, readOnly, token, basicUser, basicPassword, basePath, backendLabel, sampleEvery, samplesKept,
                DEFAULT_KWARGS_MAX_BYTES);
    }

    /**
     * A builder with the defaults: 127.0.0.1:8080, actions allowed, no auth, samples every 5 s for 10 minutes,
     * dead-letter and waiting-task payloads up to 1 MiB read to show their kwargs.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether requests must authenticate. */
    public boolean authenticated() {
        return token != null || basicUser != null;
    }

    /**
     * Replaces the user-info part of every URI in {@code text} ({@code redis://user:pass@host}) with
     * {@code ***}, as {@code BackendSpec.maskSecrets} does for the backends' own messages.
     */
    static String maskSecrets(String text) {
        return text.replaceAll("(?<=://)[^/@,]*@", "***@");
    }

    private static String normaliseBasePath(String path) {
        if (path == null || path.isBlank() || path.equals("/")) {
            return "";
        }
        String trimmed = path.trim();
        if (!trimmed.startsWith("/")) {
            trimmed = "/" + trimmed;
        }
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (!trimmed.matches("(/[A-Za-z0-9._~-]+)+")) {
            throw new IllegalArgumentException("the base path '" + path + "' must be /segment[/segment...] of letters,"
                    + " digits, '.', '_', '~' or '-'");
        }
        return trimmed;
    }

    /** Mutable builder of {@link DashboardOptions}; not thread safe. */
    public static final class Builder {
        private String bind = "127.0.0.1";
        private int port = 8080;
        private boolean readOnly;
        private String token;
        private String basicUser;
        private String basicPassword;
        private String basePath = "";
        private String backendLabel = "";
        private Duration sampleEvery = Duration.ofSeconds(5);
        private int samplesKept = 120;
        private long kwargsMaxBytes = DEFAULT_KWARGS_MAX_BYTES;

        private Builder() {
        }

        /** The listening address. */
        public Builder bind(String value) { this.bind = value; return this; }

        /** The port (0 = a free one). */
        public Builder port(int value) { this.port = value; return this; }

        /** Refuse and hide actions. */
        public Builder readOnly(boolean value) { this.readOnly = value; return this; }

        /** Require this bearer token. */
        public Builder token(String value) { this.token = value; return this; }

        /** Require HTTP basic auth as {@code user:password}. */
        public Builder basicAuth(String userColonPassword) {
            int colon = userColonPassword.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("basic auth must be user:password with a non-empty user");
            }
            this.basicUser = userColonPassword.substring(0, colon);
            this.basicPassword = userColonPassword.substring(colon + 1);
            return this;
        }

        /** The path prefix behind a reverse proxy. */
        public Builder basePath(String value) { this.basePath = value; return this; }

        /** The backend as shown (already masked). */
        public Builder backendLabel(String value) { this.backendLabel = value; return this; }

        /** The sampling period of the charts. */
        public Builder sampleEvery(Duration value) { this.sampleEvery = value; return this; }

        /** How many samples the charts keep. */
        public Builder samplesKept(int value) { this.samplesKept = value; return this; }

        /** The largest dead-letter or waiting-task payload read to show its kwargs (0: none). */
        public Builder kwargsMaxBytes(long value) { this.kwargsMaxBytes = value; return this; }

        /** The options. */
        public DashboardOptions build() {
            return new DashboardOptions(bind, port, readOnly, token, basicUser, basicPassword, basePath, backendLabel,
                    sampleEvery, samplesKept, kwargsMaxBytes);
        }
    }
}
