package io.sergeant.dashboard;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A client of one dashboard with its own cookie jar (so it keeps its CSRF cookie), never following redirects. */
final class HttpSession {

    private final String base;
    private final HttpClient client;
    private final List<String> headers = new ArrayList<>();

    HttpSession(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.client = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Sends this header with every request. */
    HttpSession with(String name, String value) {
        headers.add(name);
        headers.add(value);
        return this;
    }

    HttpResponse<String> get(String path) {
        return send(builder(path).GET().build());
    }

    /** POSTs a form of alternating names and values. */
    HttpResponse<String> post(String path, String... form) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i + 1 < form.length; i += 2) {
            if (body.length() > 0) {
                body.append('&');
            }
            body.append(URLEncoder.encode(form[i], StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(form[i + 1], StandardCharsets.UTF_8));
        }
        return send(builder(path).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
    }

    /** The CSRF token for this session's cookie, from {@code GET /api/csrf}. */
    String csrf() {
        HttpResponse<String> response = get("/api/csrf");
        Matcher matcher = Pattern.compile("\"csrfToken\":\"([0-9a-f]+)\"").matcher(response.body());
        if (!matcher.find()) {
            throw new AssertionError("no CSRF token in " + response.statusCode() + " " + response.body());
        }
        return matcher.group(1);
    }

    private HttpRequest.Builder builder(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
        for (int i = 0; i + 1 < headers.size(); i += 2) {
            builder.header(headers.get(i), headers.get(i + 1));
        }
        return builder;
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
