package io.sergeant.dashboard;

import io.sergeant.api.Broker;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The web dashboard over one {@link Broker}: the pages (overview, queue, dead letters, workers), their
 * JSON API under {@code /api}, and the actions (purge, requeue, delete), on an embedded Jetty server.
 * {@link #start} binds and starts sampling; {@link #close} stops both (the broker stays the caller's).
 * See {@code docs/dashboard.md} for the routes and the security model. Thread safe.
 */
public final class DashboardServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DashboardServer.class);

    private final DashboardOptions options;
    private final Server server;
    private final ServerConnector connector;
    private final ThroughputSampler sampler;
    private final ScheduledExecutorService sampling;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private DashboardServer(Broker broker, DashboardOptions options) {
        this.options = options;
        this.sampler = new ThroughputSampler(broker, options.samplesKept());
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("sergeant-dashboard");
        threads.setDaemon(true);
        this.server = new Server(threads);
        // Queue names are data and may hold '/', '%' or '..': links percent-encode them as one segment
        // (%2F, %25, %2E%2E, %5C), which Jetty refuses by default as ambiguous. The handler splits the raw path
        // on '/' before decoding each segment and never maps a path to a file, so nothing is ambiguous here.
        HttpConfiguration http = new HttpConfiguration();
        http.setUriCompliance(UriCompliance.DEFAULT.with("sergeant-queue-names", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
                UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING, UriCompliance.Violation.AMBIGUOUS_PATH_SEGMENT,
                UriCompliance.Violation.SUSPICIOUS_PATH_CHARACTERS));
        this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(options.bind());
        connector.setPort(options.port());
        server.addConnector(connector);
        server.setHandler(new DashboardHandler(new DashboardData(broker, sampler, options), new Security(options),
                broker, options));
        server.setStopTimeout(2_000);
        this.sampling = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sergeant-dashboard-sampler");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts a dashboard over {@code broker}: binds {@code options.bind():options.port()} and samples
     * the backend every {@code options.sampleEvery()}.
     *
     * @throws IllegalStateException when the address cannot be bound (in use, or not a local address),
     *                               naming it
     */
    public static DashboardServer start(Broker broker, DashboardOptions options) {
        Objects.requireNonNull(broker, "broker is null");
        Objects.requireNonNull(options, "options is null");
        DashboardServer dashboard = new DashboardServer(broker, options);
        try {
            dashboard.server.start();
        } catch (Exception e) {
            dashboard.close();
            throw new IllegalStateException("the dashboard cannot listen on " + options.bind() + ":" + options.port()
                    + ": " + e.getMessage() + "; choose another --port or --bind", e);
        }
        long period = options.sampleEvery().toMillis();
        dashboard.sampling.scheduleWithFixedDelay(dashboard.sampler::sample, 0, period, TimeUnit.MILLISECONDS);
        log.info("dashboard listening on {}", dashboard.url());
        return dashboard;
    }

    /** The port listened on (the one taken when the options asked for port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://<bind>:<port><basePath>/}. */
    public String url() {
        String host = options.bind().contains(":") ? "[" + options.bind() + "]" : options.bind();
        return "http://" + host + ":" + port() + options.basePath() + "/";
    }

    /** Stops the server and the sampling; idempotent. Does not close the broker. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        sampler.stop();
        sampling.shutdownNow();
        try {
            server.stop();
        } catch (Exception e) {
            log.warn("stopping the dashboard failed: {}", e.getMessage());
        }
    }

    /** Blocks until the server stopped (the CLI's foreground mode). */
    public void join() throws InterruptedException {
        server.join();
    }
}
