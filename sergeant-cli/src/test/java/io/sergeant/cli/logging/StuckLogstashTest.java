package io.sergeant.cli.logging;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.WorkerRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Logstash server that accepts connections and never reads does not slow the queue: with the shipped
 * LOGSTASH appender, a worker whose every task logs a large failure keeps draining at 90% or more of
 * its rate with a server that reads everything, and what did not fit in the buffer is counted as
 * dropped. (The hand-written appender this replaces froze the worker inside append.)
 *
 * <p>Robust measure on a loaded machine: the share of each run's wall time that the worker spent inside
 * the appender (a blocking appender makes it the whole run) is compared between the stuck and the
 * reading server, median of three alternating rounds each; a share at most 10 points higher means the
 * queue drains at 90% or more of its normal rate. Wall-clock rates are printed, not asserted.
 *
 * <p>Stopping the logging afterwards (a logback reset) does not wait on the stuck server either: it takes
 * about the appender's shutdown grace period, far below the minute the library's own stop can take.
 */
class StuckLogstashTest {

    private static final int TASKS = 3000;
    private static final String PADDING = "x".repeat(4096);

    @TempDir
    Path dir;

    /** A TCP server on loopback that accepts every connection and either drains it or never reads from it. */
    private static final class LogstashServer implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> connections = new CopyOnWriteArrayList<>();
        private final AtomicLong bytesRead = new AtomicLong();
        private final Thread acceptor;

        LogstashServer(boolean reads) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> accept(reads), "test-logstash-" + (reads ? "reading" : "stuck"));
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void accept(boolean reads) {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    connections.add(socket);
                    if (reads) {
                        Thread reader = new Thread(() -> drain(socket), "test-logstash-reader");
                        reader.setDaemon(true);
                        reader.start();
                    }
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void drain(Socket socket) {
            byte[] buffer = new byte[65536];
            try (InputStream in = socket.getInputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    bytesRead.addAndGet(n);
                }
            } catch (IOException e) {
                // The connection was closed: the test is over.
            }
        }

        String destination() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : connections) {
                socket.close();
            }
        }
    }

    /** What one run measured. */
    private record Run(double tasksPerSecond, double shareInAppender, long dropped, double stopSeconds) {
    }

    /** One run: fills a fresh queue and drains it with a worker logging to {@code server}. */
    private Run drain(LogstashServer server, int round) {
        WorkerConfig config = WorkerConfig.builder("logged").backend("sqlite:" + dir.resolve("round-" + round + ".db"))
                .pollInterval(Duration.ofMillis(20)).tasksPerTransaction(100).maxTasksPerRun(TASKS).build();
        Sergeant sergeant = Sergeant.create();
        try (Broker broker = sergeant.broker(config)) {
            List<Task> tasks = new ArrayList<>(TASKS);
            for (int i = 0; i < TASKS; i++) {
                tasks.add(Task.of(Map.of("id", i, "padding", PADDING)));
            }
            broker.pushTasks("logged", tasks, Priority.NORMAL, null);
        }
        ShippedLogback logging = ShippedLogback.with(Map.of("sergeant.log.appender", "LOGSTASH",
                "sergeant.log.logstash", server.destination(), "sergeant.log.buffer", "1024", "sergeant.log.level", "INFO"));
        Run run;
        double stopSeconds;
        try {
            ch.qos.logback.classic.Logger root = logging.context().getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            var logstash = root.getAppender("LOGSTASH");
            assertThat(logstash).as("the shipped LOGSTASH appender").isNotNull();
            TimingAppender timed = new TimingAppender(logstash);
            timed.setContext(logging.context());
            timed.start();
            root.detachAppender(logstash);
            root.addAppender(timed);
            long start = System.nanoTime();
            try (WorkerRuntime runtime = new WorkerRuntime(new FailingWorker(config, // each failure logs an ERROR line of several KiB with its stack trace
                    task -> new IllegalStateException("this task always fails")), sergeant, List.of())) {
                assertThat(runtime.run().outcomes()).containsEntry("failure", (long) TASKS);
            }
            long wall = System.nanoTime() - start;
            root.detachAppender(timed);
            root.addAppender(logstash);
            run = new Run(TASKS / (wall / 1e9), (double) timed.nanos() / wall, DroppedEventsCounter.dropped(logging.context()), 0);
        } finally {
            long stopping = System.nanoTime();
            logging.close(); // resets the context: stops the LOGSTASH appender
            stopSeconds = (System.nanoTime() - stopping) / 1e9;
        }
        return new Run(run.tasksPerSecond(), run.shareInAppender(), run.dropped(), stopSeconds);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void aServerThatNeverReadsDoesNotSlowTheQueue() throws Exception {
        List<Run> readingRuns = new ArrayList<>();
        List<Run> stuckRuns = new ArrayList<>();
        try (LogstashServer reading = new LogstashServer(true); LogstashServer stuck = new LogstashServer(false)) {
            for (int round = 0; round < 3; round++) {
                readingRuns.add(drain(reading, 2 * round));
                stuckRuns.add(drain(stuck, 2 * round + 1));
            }
            double readingShare = median(readingRuns.stream().map(Run::shareInAppender).toList());
            double stuckShare = median(stuckRuns.stream().map(Run::shareInAppender).toList());
            long droppedByStuck = stuckRuns.stream().mapToLong(Run::dropped).sum();
            System.out.printf("reading Logstash: %s%nstuck Logstash: %s%nmedian share of the drain time in the appender:"
                            + " %.1f%% reading, %.1f%% stuck; %d bytes read by the reading server%n",
                    readingRuns, stuckRuns, 100 * readingShare, 100 * stuckShare, reading.bytesRead.get());
            // Stopping the appender against the server that never reads is bounded by its shutdown grace
            // period (2 s) and a second; the parent appender waited a minute for its blocked write.
            assertThat(stuckRuns).allSatisfy(run -> assertThat(run.stopSeconds()).as("stop time, s").isLessThan(30));
            // The stuck server really stalled the appender (its buffer filled and events were dropped),
            // and the reading server really received the lines: neither run is vacuous.
            assertThat(droppedByStuck).isPositive();
            assertThat(reading.bytesRead.get()).isPositive();
            assertThat(stuckShare).isLessThanOrEqualTo(readingShare + 0.10);
        }
    }
}
