package io.sergeant.backend.redis;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.BackendSpec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A parsed backend URI. Accepted forms:
 * <ul>
 *   <li>{@code redis://[user:password@]host[:port][/db]} and {@code rediss://…} (TLS); several,
 *       comma separated, are independent nodes in configuration order;</li>
 *   <li>{@code redis-cluster://[user:password@]h1:p1,h2:p2,…} (seed nodes of one Redis Cluster;
 *       later seeds may repeat the scheme; no database index).</li>
 * </ul>
 * User and password may be percent-encoded. {@link #toString()} never shows the password.
 *
 * @param cluster whether this is a Redis Cluster
 * @param nodes   the nodes, at least one
 */
record RedisUri(boolean cluster, List<Node> nodes) {

    /** The default Redis port. */
    static final int DEFAULT_PORT = 6379;

    /**
     * One node.
     *
     * @param host     host name or IP address (IPv6 without brackets)
     * @param port     TCP port
     * @param tls      whether to connect with TLS ({@code rediss://})
     * @param user     ACL user, or null for the default user
     * @param password password, or null for none
     * @param database database index (0 for a cluster)
     */
    record Node(String host, int port, boolean tls, String user, String password, int database) {

        /** Checks host and port. */
        Node {
            Objects.requireNonNull(host, "host is null");
        }

        /** The node as a URI without its password, for messages. */
        String masked() {
            String scheme = tls ? "rediss" : "redis";
            String userInfo = user == null && password == null ? "" : "***@";
            String printableHost = host.contains(":") ? "[" + host + "]" : host;
            return scheme + "://" + userInfo + printableHost + ":" + port + "/" + database;
        }

        @Override
        public String toString() {
            return masked();
        }
    }

    /** Copies the node list. */
    RedisUri {
        nodes = List.copyOf(nodes);
    }

    /**
     * Parses a backend URI.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} naming the masked URI and what is wrong
     */
    static RedisUri parse(String uri) {
        Objects.requireNonNull(uri, "uri is null");
        String[] parts = uri.trim().split(",");
        String firstScheme = scheme(parts[0]);
        if (firstScheme == null) {
            throw invalid(uri, "it has no scheme");
        }
        boolean cluster = firstScheme.equals("redis-cluster");
        List<Node> nodes = new ArrayList<>();
        String[] inheritedCredentials = null;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].trim();
            if (part.isEmpty()) {
                throw invalid(uri, "node " + (i + 1) + " is empty");
            }
            String scheme = scheme(part);
            String rest;
            boolean tls;
            if (cluster) {
                if (scheme != null && !scheme.equals("redis-cluster")) {
                    throw invalid(uri, "a cluster URI mixes in scheme '" + scheme + "'");
                }
                rest = scheme == null ? part : part.substring(scheme.length() + 3);
                tls = false;
            } else {
                if (scheme == null) {
                    throw invalid(uri, "node " + (i + 1) + " has no redis:// or rediss:// scheme");
                }
                if (!scheme.equals("redis") && !scheme.equals("rediss")) {
                    throw invalid(uri, "scheme '" + scheme + "' is not redis, rediss or redis-cluster");
                }
                rest = part.substring(scheme.length() + 3);
                tls = scheme.equals("rediss");
            }
            Node node = parseNode(uri, rest, tls, cluster);
            if (cluster && node.user() == null && node.password() == null && inheritedCredentials != null) {
                node = new Node(node.host(), node.port(), false, inheritedCredentials[0], inheritedCredentials[1], 0);
            }
            if (cluster && inheritedCredentials == null && (node.user() != null || node.password() != null)) {
                inheritedCredentials = new String[] {node.user(), node.password()};
            }
            nodes.add(node);
        }
        return new RedisUri(cluster, nodes);
    }

    private static Node parseNode(String uri, String rest, boolean tls, boolean cluster) {
        String user = null;
        String password = null;
        int slash = rest.indexOf('/', rest.lastIndexOf('@') + 1);
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                password = decode(uri, userInfo);
            } else {
                String rawUser = userInfo.substring(0, colon);
                user = rawUser.isEmpty() ? null : decode(uri, rawUser);
                password = decode(uri, userInfo.substring(colon + 1));
            }
        }
        String host;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw invalid(uri, "an IPv6 address lacks its closing ']'");
            }
            host = authority.substring(1, close);
            String after = authority.substring(close + 1);
            if (after.startsWith(":")) {
                portText = after.substring(1);
            } else if (!after.isEmpty()) {
                throw invalid(uri, "unexpected '" + after + "' after an IPv6 address");
            }
        } else {
            int colon = authority.lastIndexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? null : authority.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw invalid(uri, "a node has no host");
        }
        int port = portText == null ? DEFAULT_PORT : number(uri, portText, "port");
        if (port < 1 || port > 65535) {
            throw invalid(uri, "port " + port + " is outside 1-65535");
        }
        int database = 0;
        if (!path.isEmpty()) {
            if (path.contains("?") || path.contains("/")) {
                throw invalid(uri, "the path '/" + path + "' is not a database index");
            }
            database = number(uri, path, "database index");
            if (database < 0) {
                throw invalid(uri, "database index " + database + " is negative");
            }
            if (cluster && database != 0) {
                throw invalid(uri, "Redis Cluster has only database 0, not " + database);
            }
        }
        return new Node(host, port, tls, user, password, database);
    }

    private static String scheme(String part) {
        int marker = part.indexOf("://");
        if (marker <= 0) {
            return null;
        }
        return part.substring(0, marker).trim().toLowerCase(Locale.ROOT);
    }

    private static int number(String uri, String text, String what) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw invalid(uri, "the " + what + " '" + text + "' is not a number");
        }
    }

    private static String decode(String uri, String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '%') {
                if (i + 2 >= bytes.length) {
                    throw invalid(uri, "a percent-encoding in the user info is truncated");
                }
                int high = Character.digit(bytes[i + 1], 16);
                int low = Character.digit(bytes[i + 2], 16);
                if (high < 0 || low < 0) {
                    throw invalid(uri, "a percent-encoding in the user info is not hexadecimal");
                }
                out.write(high * 16 + low);
                i += 2;
            } else {
                out.write(bytes[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * {@code uri} with every user-info part replaced by {@code ***}; stricter than
     * {@link BackendSpec#maskSecrets} for unencoded passwords that contain {@code /}.
     */
    static String mask(String uri) {
        String[] parts = uri.split(",", -1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            int start = part.indexOf("://");
            start = start < 0 ? 0 : start + 3;
            int at = part.lastIndexOf('@');
            out.append(i > 0 ? "," : "");
            out.append(at < start ? part : part.substring(0, start) + "***" + part.substring(at));
        }
        return BackendSpec.maskSecrets(out.toString());
    }

    private static SergeantException invalid(String uri, String problem) {
        return new SergeantException(ErrorCode.INVALID_CONFIGURATION, "invalid Redis URI '"
                + mask(uri) + "': " + problem + "; expected redis://[user:password@]host:port[/db], "
                + "rediss://… for TLS, several of them comma separated, or redis-cluster://[user:password@]h1:p1,h2:p2");
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(cluster ? "redis-cluster://" : "");
        for (int i = 0; i < nodes.size(); i++) {
            if (i > 0) {
                text.append(',');
            }
            Node node = nodes.get(i);
            text.append(cluster ? (node.host() + ":" + node.port()) : node.masked());
        }
        return text.toString();
    }
}
