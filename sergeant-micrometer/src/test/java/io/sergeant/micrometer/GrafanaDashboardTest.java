package io.sergeant.micrometer;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.config.DeliveryConfig;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.observe.SergeantListener;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.core.worker.WorkerRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The importable Grafana dashboard ({@code docs/grafana/sergeant.json}) queries series that a real
 * worker's {@code /metrics} serves: every metric name in its queries is in the scrape of a worker run.
 * The scrape is kept in {@code target/metrics-of-a-run.txt}.
 */
class GrafanaDashboardTest {

    private static final Pattern METRIC = Pattern.compile("\\b((?:sergeant|jvm|process)_[a-z_]+)\\b");

    @TempDir
    Path dir;

    @Test
    void everySeriesTheDashboardQueriesIsServedByAWorkerAfterARun() throws Exception {
        String dashboard = Files.readString(Path.of("..", "docs", "grafana", "sergeant.json"), StandardCharsets.UTF_8);
        Set<String> queried = new TreeSet<>();
        for (Matcher matcher = METRIC.matcher(dashboard); matcher.find(); ) {
            queried.add(matcher.group(1));
        }
        assertThat(queried).as("the dashboard's metric names").contains("sergeant_tasks_total", "sergeant_queue_depth");

        Path ports = dir.resolve("ports");
        SergeantListener prometheus = new PrometheusListenerProvider().create(Map.of("port", "0",
                "portDirectory", ports.toString(), "depthInterval", "1"));
        String scrape;
        try {
            WorkerConfig config = WorkerConfig.builder("reports").backend("sqlite:" + dir.resolve("q.db"))
                    .pollInterval(Duration.ofMillis(20)).maxTasksPerRun(3)
                    .delivery(DeliveryConfig.DEFAULT.withReapInterval(Duration.ofMillis(100))).build();
            Sergeant sergeant = Sergeant.create().withListeners(prometheus);
            try (Broker broker = sergeant.broker(config)) {
                // First a payload no serializer reads: a decode failure, dead-lettered; then three tasks.
                ((DefaultBroker) broker).backend().push("reports", List.of("not a task".getBytes(StandardCharsets.UTF_8)),
                        Priority.NORMAL, null);
                broker.pushTask("reports", Map.of("kind", "ok"));
                broker.pushTask("reports", Map.of("kind", "ok"));
                broker.pushTask("reports", Map.of("kind", "fail"));
            }
            try (WorkerRuntime runtime = new WorkerRuntime(new SergeantMetricsTest.MixedWorker(config), sergeant, List.of())) {
                runtime.run();
            }
            int port = Integer.parseInt(Files.readString(ports.resolve(ProcessHandle.current().pid() + ".port")));
            scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        } finally {
            if (prometheus instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
        Files.writeString(Path.of("target", "metrics-of-a-run.txt"), scrape, StandardCharsets.UTF_8);

        for (String name : queried) {
            assertThat(scrape.lines().anyMatch(line -> line.startsWith(name + "{") || line.startsWith(name + " ")))
                    .as("the dashboard queries %s; the worker's /metrics serves no such series", name).isTrue();
        }
    }
}
