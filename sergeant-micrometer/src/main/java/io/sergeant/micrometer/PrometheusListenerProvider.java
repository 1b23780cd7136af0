package io.sergeant.micrometer;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sergeant.api.observe.SergeantListener;
import io.sergeant.api.observe.SergeantListenerProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;

/**
 * The {@code prometheus} listener of worker processes ({@code -Dsergeant.listeners=prometheus}): a
 * Prometheus registry with Sergeant's meters ({@link SergeantMetrics}), the JVM and process meters and
 * the common tag {@code worker} (the pid), served by a {@link MetricsEndpoint}. The {@code sergeant
 * worker --metrics-port} and {@code sergeant supervisor --metrics-port} options set it up.
 *
 * <p>Settings ({@code -Dsergeant.prometheus.<key>=...}): {@code port} (required; 0 picks a free port),
 * {@code host} (default 127.0.0.1), {@code portDirectory} (if given, the bound port is written to
 * {@code <portDirectory>/<pid>.port}, which is how a supervisor finds its workers' endpoints) and
 * {@code depthInterval} (seconds between queue depth samples, default 10).
 */
public final class PrometheusListenerProvider implements SergeantListenerProvider {

    /** Public for ServiceLoader. */
    public PrometheusListenerProvider() {
    }

    @Override
    public String name() {
        return "prometheus";
    }

    @Override
    public SergeantListener create(Map<String, String> settings) {
        String port = settings.get("port");
        if (port == null) {
            throw new IllegalArgumentException("sergeant.prometheus.port is not set; give the port to serve /metrics on (0: any free port)");
        }
        int portNumber = integer("port", port, 0, 65535);
        String host = settings.getOrDefault("host", "127.0.0.1");
        Duration depthInterval = Duration.ofSeconds(integer("depthInterval", settings.getOrDefault("depthInterval", "10"), 1, 3600));
        String pid = Long.toString(ProcessHandle.current().pid());

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("worker", pid);
        AutoCloseable gc = ProcessMeters.bind(registry);
        SergeantMetrics metrics = new SergeantMetrics(registry, depthInterval);
        MetricsEndpoint endpoint = MetricsEndpoint.start(new InetSocketAddress(host, portNumber), registry::scrape,
                metrics.health()::notReadyReason);
        String directory = settings.get("portDirectory");
        if (directory != null) {
            writePort(Path.of(directory), pid, endpoint.port());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            endpoint.close();
            metrics.close();
            try {
                gc.close();
            } catch (Exception e) {
                // Shutting down: nothing left to report to.
            }
            registry.close();
        }, "sergeant-metrics-shutdown"));
        return metrics;
    }

    private static void writePort(Path directory, String pid, int port) {
        try {
            Files.createDirectories(directory);
            Path temporary = directory.resolve(pid + ".port.tmp");
            Files.writeString(temporary, Integer.toString(port), StandardCharsets.UTF_8);
            Files.move(temporary, directory.resolve(pid + ".port"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the metrics port to " + directory + ": " + e.getMessage(), e);
        }
    }

    private static int integer(String key, String value, int min, int max) {
        try {
            int number = Integer.parseInt(value.trim());
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw new IllegalArgumentException("sergeant.prometheus." + key + " is '" + value + "'; give a whole number from "
                + min + " to " + max);
    }
}
