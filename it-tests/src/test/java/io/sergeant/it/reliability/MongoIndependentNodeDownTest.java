package io.sergeant.it.reliability;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13 §2 on MongoDB, through a real worker process: a worker on two independent MongoDB nodes
 * ({@code mongodb://a,mongodb://b}, in-process wire servers, the second behind a loopback {@link FaultProxy})
 * holds tasks of the second node when every connection to it is reset and refused. Its pops and settles then
 * fail on that node for as long as it is down, yet every task pushed to the healthy node runs, none is
 * dead-lettered, and the same worker process carries on; in both delivery modes. The backend-level cases
 * (a node dying in the middle of a pop) are {@code NodeDownMidPopTest} in the MongoDB module.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class MongoIndependentNodeDownTest {

    @TempDir
    Path dir;

    private MongoServer healthy;
    private MongoServer doomed;
    private FaultProxy proxy;
    private Process worker;

    @AfterEach
    void stop() throws InterruptedException {
        if (worker != null && worker.isAlive()) {
            worker.destroyForcibly();
            worker.waitFor();
        }
        if (proxy != null) {
            proxy.close();
        }
        for (MongoServer server : new MongoServer[] {healthy, doomed}) {
            if (server != null) {
                server.shutdownNow();
            }
        }
    }

    @Test
    @DisplayName("at-least-once: a worker on two MongoDB nodes runs every task of the healthy one while the other is down, dead-letters none")
    void atLeastOnce() throws Exception {
        run("at-least-once", FaultRun.AT_LEAST_ONCE_WORKER);
    }

    @Test
    @DisplayName("at-most-once: a worker on two MongoDB nodes runs every task of the healthy one while the other is down")
    void atMostOnce() throws Exception {
        run("at-most-once", List.of("-Dsergeant.config.delivery.mode=at-most-once", "-Dsergeant.config.tasksPerTransaction=4",
                "-Dsergeant.config.executor.concurrency=2"));
    }

    private void run(String mode, List<String> modeOptions) throws Exception {
        healthy = start();
        doomed = start();
        proxy = FaultProxy.start(doomed.getLocalAddress().getPort());
        String healthyUri = "mongodb://127.0.0.1:" + healthy.getLocalAddress().getPort();
        String doomedUri = "mongodb://127.0.0.1:" + doomed.getLocalAddress().getPort();
        String timeouts = "/?serverSelectionTimeoutMS=1000&connectTimeoutMS=1000&socketTimeoutMS=2000";
        String backend = healthyUri + timeouts + ",mongodb://127.0.0.1:" + proxy.port() + timeouts;
        Path history = dir.resolve("history");
        Path output = dir.resolve("worker.log");
        List<String> options = new ArrayList<>(List.of("-Dsergeant.config.delivery.maxDeliveries=2"));
        options.addAll(modeOptions);
        worker = FaultRun.startHistoryWorker(history, backend, output, options);
        long pid = worker.pid();

        List<String> warmUp = FaultRun.pushTasks(history, healthyUri, "producer-warm", "warm", 10, 1);
        assertThat(FaultRun.awaitCompleted(history, warmUp, Duration.ofSeconds(60))).as("the worker runs").isTrue();
        // Slow tasks on the second node only: the worker holds some of them when the node goes down.
        List<String> onDoomed = FaultRun.pushTasks(history, doomedUri, "producer-doomed", "doomed", 6, 1_500);
        awaitStarted(history, onDoomed, Duration.ofSeconds(30));
        proxy.reset();

        List<String> after = FaultRun.pushTasks(history, healthyUri, "producer-after", "after", 40, 20);
        boolean ran = FaultRun.awaitCompleted(history, after, Duration.ofSeconds(60));
        FaultRun.sleep(3_000); // a lease (2 s) and a reap: a dropped delivery would now be counted or dead-lettered
        String text = Files.readString(output, StandardCharsets.UTF_8);
        long dead;
        try (MongoClient inspector = MongoClients.create(healthyUri)) {
            dead = inspector.getDatabase("sergeant").getCollection("sergeant_dead_letters").countDocuments();
        }
        HistoryReport report = new HistoryChecker().check(History.read(history));
        FaultRun.figures("worker on two independent MongoDB nodes (" + mode + "), one reset and refused while it held"
                + " its tasks", "ran-40-on-healthy=" + ran + " dead-letters-on-healthy=" + dead + " alive=" + worker.isAlive()
                + " same-pid=" + (worker.pid() == pid) + " " + report.figures());

        assertThat(ran).as("every task of the healthy node ran while the other was down\n%s", FaultRun.tail(text)).isTrue();
        assertThat(worker.isAlive()).as("the same worker carried on\n%s", FaultRun.tail(text)).isTrue();
        assertThat(dead).as("no task of the healthy node was dead-lettered\n%s", FaultRun.tail(text)).isZero();
        assertThat(report.overRun()).isEmpty();
        assertThat(report.unexpected()).isEmpty();
    }

    private static MongoServer start() {
        MongoServer server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", 0);
        return server;
    }

    private static void awaitStarted(Path history, List<String> ids, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            boolean started = History.read(history).records().stream()
                    .anyMatch(record -> record.kind() == HistoryRecord.Kind.STARTED && ids.contains(record.id()));
            if (started) {
                return;
            }
            FaultRun.sleep(50);
        }
        throw new AssertionError("none of " + ids + " started");
    }
}
