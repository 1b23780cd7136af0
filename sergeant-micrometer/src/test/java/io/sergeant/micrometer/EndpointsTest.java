package io.sergeant.micrometer;

import io.sergeant.api.Broker;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.observe.SergeantListener;
import io.sergeant.api.observe.WorkerInfo;
import io.sergeant.core.Sergeant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The worker's Prometheus endpoint with health, and the supervisor's one target over its workers. */
class EndpointsTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aWorkersEndpointServesPrometheusTextAndIsReadyWhileItsLoopRunsAndTheBackendAnswers() throws Exception {
        Path ports = dir.resolve("ports");
        SergeantListener listener = new PrometheusListenerProvider().create(Map.of("port", "0", "portDirectory", ports.toString(),
                "depthInterval", "1"));
        String pid = Long.toString(ProcessHandle.current().pid());
        int port = Integer.parseInt(Files.readString(ports.resolve(pid + ".port")));
        assertThat(get(port, "/health/live").statusCode()).isEqualTo(200);
        HttpResponse<String> notReady = get(port, "/health/ready");
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(notReady.body()).contains("no worker loop is running");

        WorkerConfig config = WorkerConfig.builder("reports").backend("sqlite:" + dir.resolve("q.db")).build();
        try (Broker broker = Sergeant.create().broker(config)) {
            broker.pushTask("reports", Map.of("n", 1));
            WorkerInfo worker = new WorkerInfo("reports", pid, "at-least-once", 1, broker);
            listener.workerStarted(worker);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (get(port, "/health/ready").statusCode() != 200 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(get(port, "/health/ready").statusCode()).isEqualTo(200);

            HttpResponse<String> metrics = get(port, "/metrics");
            assertThat(metrics.headers().firstValue("Content-Type")).hasValue(MetricsEndpoint.PROMETHEUS_TEXT);
            assertThat(metrics.body())
                    .contains("sergeant_queue_depth{queue=\"reports\",state=\"ready\",worker=\"" + pid + "\"} 1.0")
                    .contains("jvm_memory_used_bytes").contains("process_cpu_usage").contains("worker=\"" + pid + "\"");

            // One scrape target for a supervisor: its own meters and every registered worker's, merged.
            try (SupervisorMetrics supervisor = new SupervisorMetrics(new InetSocketAddress("127.0.0.1", 0), ports)) {
                assertThat(supervisor.workerJvmOptions()).contains("-Dsergeant.prometheus.portDirectory=" + ports);
                String merged = get(supervisor.port(), "/metrics").body();
                assertThat(merged).contains("sergeant_queue_depth{queue=\"reports\",state=\"ready\",worker=\"" + pid + "\"} 1.0")
                        .contains("sergeant_supervisor_workers{worker=\"supervisor\"} 1.0")
                        .contains("worker=\"supervisor\"");
                // Each family's HELP and TYPE once, although two scrapes had them.
                assertThat(merged.lines().filter(line -> line.equals("# TYPE jvm_threads_live_threads gauge"))).hasSize(1);
                assertThat(merged.lines().filter(line -> line.startsWith("jvm_threads_live_threads{"))).hasSize(2);
                assertThat(get(supervisor.port(), "/health/ready").statusCode()).isEqualTo(200);
            }
            listener.workerStopped(worker);
            assertThat(get(port, "/health/ready").statusCode()).isEqualTo(503);
        }
    }

    @Test
    void theProviderRejectsAMissingOrBadPortWithTheSettingsName() {
        assertThatThrownBy(() -> new PrometheusListenerProvider().create(Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sergeant.prometheus.port");
        assertThatThrownBy(() -> new PrometheusListenerProvider().create(Map.of("port", "http")))
                .hasMessageContaining("sergeant.prometheus.port is 'http'");
    }

    @Test
    void mergingKeepsEveryFamilysSamplesTogetherUnderOneHeader() {
        String a = "# HELP up Up.\n# TYPE up gauge\nup{worker=\"1\"} 1.0\n# HELP x X.\n# TYPE x counter\nx_total{worker=\"1\"} 2.0\n";
        String b = "# HELP up Up.\n# TYPE up gauge\nup{worker=\"2\"} 1.0\n";
        assertThat(PrometheusText.merge(List.of(a, b))).isEqualTo(
                "# HELP up Up.\n# TYPE up gauge\nup{worker=\"1\"} 1.0\nup{worker=\"2\"} 1.0\n# HELP x X.\n# TYPE x counter\nx_total{worker=\"1\"} 2.0\n");
    }
}
