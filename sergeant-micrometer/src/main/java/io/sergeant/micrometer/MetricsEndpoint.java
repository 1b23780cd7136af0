package io.sergeant.micrometer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * A small HTTP endpoint (the JDK's HTTP server, one daemon thread): {@code GET /metrics} answers the
 * Prometheus text format, {@code /health/live} 200 while the process runs, {@code /health/ready} 200
 * when ready and 503 with the reason otherwise. Binds the address it is given; the {@code sergeant}
 * command binds 127.0.0.1 unless told otherwise. Thread safe; {@link #close()} stops it.
 */
public final class MetricsEndpoint implements AutoCloseable {

    /** The content type of the Prometheus text exposition format. */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving on {@code address} (port 0: any free port, see {@link #port()}).
     *
     * @param metrics        the Prometheus text of a scrape, computed per request
     * @param notReadyReason null when ready, else why not
     * @throws UncheckedIOException when the address cannot be bound (in use, or not local), naming it
     */
    public static MetricsEndpoint start(InetSocketAddress address, Supplier<String> metrics, Supplier<String> notReadyReason) {
        Objects.requireNonNull(metrics, "metrics is null");
        Objects.requireNonNull(notReadyReason, "notReadyReason is null");
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + address + ": " + e.getMessage()
                    + "; choose another --metrics-port (0 picks a free one) or --metrics-host", e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sergeant-metrics-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", exchange -> respond(exchange, 200, PROMETHEUS_TEXT, metrics));
        server.createContext("/health/live", exchange -> respond(exchange, 200, "text/plain; charset=utf-8", () -> "live\n"));
        server.createContext("/health/ready", exchange -> {
            String reason = notReadyReason.get();
            respond(exchange, reason == null ? 200 : 503, "text/plain; charset=utf-8",
                    () -> reason == null ? "ready\n" : "not ready: " + reason + "\n");
        });
        server.start();
        return new MetricsEndpoint(server, executor);
    }

    private static void respond(HttpExchange exchange, int status, String contentType, Supplier<String> body) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes;
            int code = status;
            try {
                bytes = body.get().getBytes(StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                bytes = ("cannot produce the response: " + e + "\n").getBytes(StandardCharsets.UTF_8);
                code = 500;
            }
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(code, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** The port served, useful after binding port 0. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The address served. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops serving at once. Idempotent. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
