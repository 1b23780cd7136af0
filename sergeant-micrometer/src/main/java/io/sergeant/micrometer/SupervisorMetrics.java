package io.sergeant.micrometer;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One scrape target for a supervisor and all its workers. Each worker process serves its own meters
 * on a free loopback port ({@link PrometheusListenerProvider} with {@code port=0}) and writes the port
 * to {@code <portDirectory>/<pid>.port}; this endpoint's {@code /metrics} answers the supervisor's own
 * JVM and process meters (label {@code worker="supervisor"}) and {@code sergeant_supervisor_workers},
 * followed by a fresh scrape of every live worker (label {@code worker="<pid>"}), merged family by
 * family. A worker that does not answer within {@value #WORKER_TIMEOUT_MILLIS} ms is left out of that
 * scrape; files of exited workers are deleted.
 *
 * <p>{@code /health/ready} is 200 when at least one worker is registered and every live worker's own
 * {@code /health/ready} is 200. Thread safe; {@link #close()} stops serving.
 */
public final class SupervisorMetrics implements AutoCloseable {

    static final long WORKER_TIMEOUT_MILLIS = 2000;

    private final Path portDirectory;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AutoCloseable gc;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(WORKER_TIMEOUT_MILLIS)).build();
    private final MetricsEndpoint endpoint;

    /**
     * Serves on {@code address}; workers register in {@code portDirectory}.
     *
     * @throws java.io.UncheckedIOException when the address cannot be bound
     */
    public SupervisorMetrics(InetSocketAddress address, Path portDirectory) {
        this.portDirectory = Objects.requireNonNull(portDirectory, "portDirectory is null");
        registry.config().commonTags("worker", "supervisor");
        gc = ProcessMeters.bind(registry);
        Gauge.builder("sergeant.supervisor.workers", this, metrics -> metrics.workerPorts().size())
                .description("Worker processes of this supervisor serving metrics").register(registry);
        endpoint = MetricsEndpoint.start(address, this::scrape, this::notReadyReason);
    }

    /** The JVM options that make a worker process register here. */
    public List<String> workerJvmOptions() {
        return List.of("-Dsergeant.listeners=prometheus", "-Dsergeant.prometheus.port=0",
                "-Dsergeant.prometheus.host=127.0.0.1", "-Dsergeant.prometheus.portDirectory=" + portDirectory);
    }

    /** The port served. */
    public int port() {
        return endpoint.port();
    }

    /** This supervisor's meters, then every live worker's, merged. */
    String scrape() {
        List<String> scrapes = new ArrayList<>();
        scrapes.add(registry.scrape());
        for (WorkerPort worker : workerPorts()) {
            get(worker, "/metrics").ifPresent(scrapes::add);
        }
        return PrometheusText.merge(scrapes);
    }

    private String notReadyReason() {
        List<WorkerPort> workers = workerPorts();
        if (workers.isEmpty()) {
            return "no worker serves metrics yet";
        }
        for (WorkerPort worker : workers) {
            if (get(worker, "/health/ready").isEmpty()) {
                return "worker " + worker.pid() + " is not ready";
            }
        }
        return null;
    }

    /** A 200 answer's body, or empty. */
    private Optional<String> get(WorkerPort worker, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.port() + path))
                .timeout(Duration.ofMillis(WORKER_TIMEOUT_MILLIS)).GET().build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Registered workers whose process is alive; files of exited ones are deleted. */
    List<WorkerPort> workerPorts() {
        List<WorkerPort> workers = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(portDirectory, "*.port")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                long pid;
                int port;
                try {
                    pid = Long.parseLong(name.substring(0, name.length() - ".port".length()));
                    port = Integer.parseInt(Files.readString(file, StandardCharsets.UTF_8).trim());
                } catch (NumberFormatException | IOException e) {
                    continue;
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    workers.add(new WorkerPort(pid, port));
                } else {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException e) {
            return workers;
        }
        workers.sort(java.util.Comparator.comparingLong(WorkerPort::pid));
        return workers;
    }

    /** Stops serving and closes the registry. Idempotent. */
    @Override
    public void close() {
        endpoint.close();
        try {
            gc.close();
        } catch (Exception e) {
            // Closing: nothing to report to.
        }
        registry.close();
    }

    record WorkerPort(long pid, int port) {
    }
}
