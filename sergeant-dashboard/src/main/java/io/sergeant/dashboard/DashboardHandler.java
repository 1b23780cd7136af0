package io.sergeant.dashboard;

import io.sergeant.api.Broker;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Routes every request: authentication first, then the CSRF cookie, then the page, the API answer or
 * the action. Actions are POST only, refused in read-only mode and without a valid CSRF token; an
 * action from a page answers with a redirect to the page (303), from {@code /api} with JSON. Thread safe.
 */
final class DashboardHandler extends Handler.Abstract {

    private static final Logger log = LoggerFactory.getLogger(DashboardHandler.class);
    private static final int MAX_BODY = 1 << 20;
    private static final int DEFAULT_LIMIT = 50;

    private final DashboardData data;
    private final Security security;
    private final DashboardOptions options;
    private final Pages pages;
    private final Actions actions;
    private final SecureRandom random = new SecureRandom();

    DashboardHandler(DashboardData data, Security security, Broker broker, DashboardOptions options) {
        this.data = data;
        this.security = security;
        this.options = options;
        this.pages = new Pages(options.basePath(), options.readOnly());
        this.actions = new Actions(broker);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Exchange exchange = new Exchange(request, response, callback, options.basePath());
        exchange.securityHeaders();
        try {
            route(exchange);
        } catch (SergeantException e) {
            int status = e.code() == ErrorCode.BACKEND_ROLE_MISSING ? 501
                    : e.code() == ErrorCode.BACKEND_UNAVAILABLE ? 503 : 502;
            error(exchange, status, e.code().name(), e.getMessage());
        } catch (IllegalArgumentException e) {
            error(exchange, 400, "INVALID_ARGUMENT", e.getMessage());
        } catch (RuntimeException | IOException e) {
            log.warn("dashboard: {} {} failed", request.getMethod(), exchange.path(), e);
            error(exchange, 500, "INTERNAL_ERROR", e.toString());
        }
        return true;
    }

    private void route(Exchange exchange) throws IOException {
        String method = exchange.method();
        List<String> path = exchange.segments();
        boolean api = !path.isEmpty() && path.get(0).equals("api");
        String tokenParam = exchange.query("token");
        if (tokenParam != null && !api && method.equals("GET") && security.isToken(tokenParam)) {
            // A browser's first visit with ?token=: keep it in a cookie, drop it from the address bar.
            exchange.cookie(Security.TOKEN_COOKIE, tokenParam);
            exchange.redirect(options.basePath() + exchange.path());
            return;
        }
        if (!security.authenticated(exchange.header("Authorization"), exchange.cookie(Security.TOKEN_COOKIE))) {
            if (options.basicUser() != null) {
                exchange.header("WWW-Authenticate", "Basic realm=\"sergeant\", charset=\"UTF-8\"");
            }
            error(exchange, 401, "UNAUTHORIZED", options.token() != null
                    ? "this dashboard needs its token: send 'Authorization: Bearer <token>', or open any page once with ?token=<token>"
                    : "this dashboard needs HTTP basic authentication");
            return;
        }
        String csrfCookie = exchange.cookie(Security.CSRF_COOKIE);
        if (csrfCookie == null || !csrfCookie.matches("[0-9a-f]{48}")) {
            csrfCookie = security.newCsrfCookie();
            exchange.cookie(Security.CSRF_COOKIE, csrfCookie);
        }
        String csrf = security.csrfToken(csrfCookie);
        if (method.equals("GET") || method.equals("HEAD")) {
            get(exchange, path, api, csrf);
        } else if (method.equals("POST")) {
            post(exchange, path, api, exchange.cookie(Security.CSRF_COOKIE));
        } else {
            exchange.header("Allow", "GET, HEAD, POST");
            error(exchange, 405, "METHOD_NOT_ALLOWED", method + " is not supported: pages and the API answer GET, actions POST");
        }
    }

    private void get(Exchange exchange, List<String> path, boolean api, String csrf) {
        int limit = limit(exchange.query("limit"));
        if (api) {
            List<String> rest = path.subList(1, path.size());
            Object model = switch (rest.size()) {
                case 1 -> switch (rest.get(0)) {
                    case "queues" -> data.overview();
                    case "workers" -> data.workers();
                    case "csrf" -> Map.of("csrfToken", csrf, "readOnly", options.readOnly());
                    default -> null;
                };
                case 2 -> switch (rest.get(0)) {
                    case "queues" -> data.queue(rest.get(1), limit);
                    case "dead-letters" -> data.deadLetters(rest.get(1), limit);
                    default -> null;
                };
                default -> null;
            };
            if (model == null) {
                error(exchange, 404, "NOT_FOUND", "no API route " + exchange.path() + "; see docs/dashboard.md");
            } else {
                exchange.send(200, "application/json", Json.write(model));
            }
            return;
        }
        String nonce = HexFormat.of().formatHex(nonceBytes());
        exchange.header("Content-Security-Policy", "default-src 'none'; style-src 'nonce-" + nonce + "'; script-src 'nonce-"
                + nonce + "'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
        String title;
        String body;
        if (path.isEmpty()) {
            title = "Queues";
            body = pages.overview(data.overview());
        } else if (path.size() == 1 && path.get(0).equals("workers")) {
            title = "Workers";
            body = pages.workers(data.workers());
        } else if (path.size() == 2 && path.get(0).equals("queues")) {
            title = "Queue " + path.get(1);
            body = pages.queue(data.queue(path.get(1), limit), csrf);
        } else if (path.size() == 2 && path.get(0).equals("dead-letters")) {
            title = "Dead letters of " + path.get(1);
            body = pages.deadLetters(data.deadLetters(path.get(1), limit), csrf);
        } else {
            error(exchange, 404, "NOT_FOUND", "no page " + exchange.path());
            return;
        }
        exchange.send(200, "text/html; charset=utf-8", Html.page(options.basePath(), title, options.backendLabel(),
                options.readOnly(), notice(exchange), body, nonce));
    }

    private void post(Exchange exchange, List<String> path, boolean api, String csrfCookie) throws IOException {
        if (options.readOnly()) {
            error(exchange, 403, "READ_ONLY", "this dashboard runs with --read-only: actions are refused");
            return;
        }
        Map<String, List<String>> form = exchange.form(MAX_BODY);
        String token = first(form, "csrf");
        if (token == null) {
            token = exchange.header("X-CSRF-Token");
        }
        if (!security.csrfValid(csrfCookie, token)) {
            error(exchange, 403, "CSRF", "the CSRF token is missing or does not match the sergeant_csrf cookie: reload the"
                    + " page, or GET /api/csrf with a cookie jar and send its token as X-CSRF-Token");
            return;
        }
        List<String> action = api ? path.subList(1, path.size()) : path;
        Map<String, Object> result;
        String back;
        if (action.size() == 3 && action.get(0).equals("queues") && action.get(2).equals("purge")) {
            result = actions.purge(action.get(1), first(form, "confirm"));
            back = "/queues/" + Html.segment(action.get(1));
        } else if (action.size() == 3 && action.get(0).equals("dead-letters")
                && (action.get(2).equals("requeue") || action.get(2).equals("delete"))) {
            result = actions.deadLetters(action.get(1), action.get(2).equals("requeue"), form);
            back = "/dead-letters/" + Html.segment(action.get(1));
        } else {
            error(exchange, 404, "NOT_FOUND", "no action " + exchange.path() + "; see docs/dashboard.md");
            return;
        }
        if (api) {
            exchange.send(200, "application/json", Json.write(result));
        } else {
            exchange.redirect(options.basePath() + back + "?done=" + result.get("done") + "&n=" + result.get("count")
                    + "&missing=" + result.get("missing"));
        }
    }

    /** The notice after an action's redirect, from fixed wording (never text taken from the address). */
    private static String notice(Exchange exchange) {
        String done = exchange.query("done");
        if (done == null) {
            return null;
        }
        long count = number(exchange.query("n"));
        long missing = number(exchange.query("missing"));
        String text = switch (done) {
            case "purged" -> count > 0 ? "Purged the ready and delayed tasks." : "Nothing to purge.";
            case "requeued" -> "Requeued " + count + " dead letter(s).";
            case "deleted" -> "Deleted " + count + " dead letter(s).";
            default -> null;
        };
        if (text != null && missing > 0) {
            text += " " + missing + " were already gone.";
        }
        return text;
    }

    private void error(Exchange exchange, int status, String code, String message) {
        if (exchange.wantsJson()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", code);
            body.put("message", message);
            exchange.send(status, "application/json", Json.write(body));
        } else {
            String nonce = HexFormat.of().formatHex(nonceBytes());
            exchange.header("Content-Security-Policy", "default-src 'none'; style-src 'nonce-" + nonce + "'; script-src 'nonce-"
                    + nonce + "'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
            exchange.send(status, "text/html; charset=utf-8", Html.page(options.basePath(), "Error", options.backendLabel(),
                    options.readOnly(), null, "<h1>" + status + " " + Html.escape(code) + "</h1><p class=\"error\" id=\"error\">"
                            + Html.escape(message) + "</p>", nonce));
        }
    }

    private byte[] nonceBytes() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return bytes;
    }

    private static int limit(String text) {
        if (text == null) {
            return DEFAULT_LIMIT;
        }
        try {
            // Parsed as a long so that 99999999999 lists the most, like 501: no parameter lists more than MAX_LIMIT.
            return (int) Math.max(1, Math.min(DashboardData.MAX_LIMIT, Long.parseLong(text)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("limit must be a number 1.." + DashboardData.MAX_LIMIT + ", got '" + text + "'");
        }
    }

    private static long number(String text) {
        try {
            return text == null ? 0 : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String first(Map<String, List<String>> form, String key) {
        List<String> values = form.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** One request and its response, with the parsing the routes need. */
    private static final class Exchange {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final String path;
        private final Map<String, List<String>> query;
        /** Whether the request body was read (or dropped): see {@link #dropUnreadBody()}. */
        private boolean bodyRead;

        Exchange(Request request, Response response, Callback callback, String basePath) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            String raw = request.getHttpURI().getPath();
            raw = raw == null || raw.isEmpty() ? "/" : raw;
            // Behind a proxy that keeps the prefix the path starts with it; one that strips it, not.
            if (!basePath.isEmpty() && (raw.equals(basePath) || raw.startsWith(basePath + "/"))) {
                raw = raw.substring(basePath.length());
            }
            this.path = raw.isEmpty() ? "/" : raw;
            this.query = parse(request.getHttpURI().getQuery());
        }

        String method() {
            return request.getMethod();
        }

        String path() {
            return path;
        }

        List<String> segments() {
            List<String> segments = new ArrayList<>();
            for (String segment : path.split("/")) {
                if (!segment.isEmpty()) {
                    segments.add(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
                }
            }
            return segments;
        }

        String query(String key) {
            return first(query, key);
        }

        String header(String name) {
            return request.getHeaders().get(name);
        }

        void header(String name, String value) {
            response.getHeaders().put(name, value);
        }

        boolean wantsJson() {
            String accept = header("Accept");
            return path.startsWith("/api/") || path.equals("/api") || (accept != null && accept.contains("application/json")
                    && !accept.contains("text/html"));
        }

        String cookie(String name) {
            for (String header : request.getHeaders().getValuesList(HttpHeader.COOKIE)) {
                for (String pair : header.split(";")) {
                    int equals = pair.indexOf('=');
                    if (equals > 0 && pair.substring(0, equals).trim().equals(name)) {
                        return pair.substring(equals + 1).trim();
                    }
                }
            }
            return null;
        }

        void cookie(String name, String value) {
            response.getHeaders().add(HttpHeader.SET_COOKIE, name + "=" + value + "; Path=/; HttpOnly; SameSite=Strict");
        }

        void securityHeaders() {
            header("X-Content-Type-Options", "nosniff");
            header("X-Frame-Options", "DENY");
            header("Referrer-Policy", "no-referrer");
            header("Cache-Control", "no-store");
        }

        /**
         * Reads and drops (up to {@link #MAX_BODY} bytes) a request body no one read, before any answer: an
         * answer sent over unread body bytes makes Jetty close the connection with them unread, which resets
         * it (RST) and can throw the answer away before the client reads it (a read-only dashboard's 403 to a
         * POST came back as "header parser received no bytes" in RedisDashboardApiTest). GET and HEAD carry
         * no body here.
         */
        private void dropUnreadBody() {
            if (bodyRead || method().equals("GET") || method().equals("HEAD")) {
                return;
            }
            bodyRead = true;
            try (InputStream in = Content.Source.asInputStream(request)) {
                in.readNBytes(MAX_BODY);
            } catch (IOException | RuntimeException e) {
                // the client went away or sent a broken body: the answer may not reach it either
            }
        }

        Map<String, List<String>> form(int max) throws IOException {
            bodyRead = true;
            String type = header("Content-Type");
            if (request.getLength() > max) {
                throw new IllegalArgumentException("the request body is over " + max + " bytes");
            }
            byte[] body;
            try (InputStream in = Content.Source.asInputStream(request)) {
                body = in.readNBytes(max + 1);
            }
            if (body.length > max) {
                throw new IllegalArgumentException("the request body is over " + max + " bytes");
            }
            if (body.length > 0 && (type == null || !type.toLowerCase(java.util.Locale.ROOT)
                    .startsWith("application/x-www-form-urlencoded"))) {
                throw new IllegalArgumentException("actions take an application/x-www-form-urlencoded body, not " + type);
            }
            return parse(new String(body, StandardCharsets.UTF_8));
        }

        void send(int status, String contentType, String body) {
            dropUnreadBody();
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
            Content.Sink.write(response, true, body, callback);
        }

        void redirect(String location) {
            dropUnreadBody();
            response.setStatus(303);
            response.getHeaders().put(HttpHeader.LOCATION, location);
            Content.Sink.write(response, true, "", callback);
        }

        private static Map<String, List<String>> parse(String text) {
            Map<String, List<String>> values = new LinkedHashMap<>();
            if (text == null || text.isEmpty()) {
                return values;
            }
            for (String pair : text.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int equals = pair.indexOf('=');
                String key = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
                String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            }
            return values;
        }
    }
}
