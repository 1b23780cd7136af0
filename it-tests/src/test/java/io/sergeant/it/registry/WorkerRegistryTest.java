package io.sergeant.it.registry;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.WorkerStatus;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.runtime.WorkerHeartbeat;
import io.sergeant.core.worker.WorkerMain;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The worker registry end to end, with real worker processes: a running worker is listed with its pid
 * and the task it runs; a worker killed with SIGKILL disappears when its TTL passes; a worker stopped
 * with SIGTERM deregisters at once. On SQLite and on a real redis-server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WorkerRegistryTest {

    /**
     * The workers' heartbeat period ({@link WorkerHeartbeat#INTERVAL_MILLIS_PROPERTY}), 2 s instead of the
     * product's 5 s, so a killed worker's record expires after 6 s instead of 15 s (the kill test waits for
     * it). A record still has at least 4 s to live right after the kill, which the test checks it does.
     */
    private static final Duration INTERVAL = Duration.ofSeconds(2);
    private static final Duration TTL = INTERVAL.multipliedBy(3);

    private RedisServerProcess redis;
    private final List<Process> workers = new ArrayList<>();
    private final Map<Process, Path> logs = new HashMap<>();

    @TempDir
    Path directory;

    @BeforeAll
    void startRedis() {
        redis = RedisServerProcess.start();
    }

    @AfterAll
    void stopRedis() {
        redis.close();
    }

    @AfterEach
    void killWorkers() {
        workers.forEach(Process::destroyForcibly);
    }

    private String backend(String kind) {
        return kind.equals("sqlite") ? "sqlite:" + directory.resolve("registry.db") : redis.uri();
    }

    private Broker broker(String backend) {
        return Sergeant.create().broker(WorkerConfig.builder(SleepyWorker.QUEUE).backend(backend).build());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "redis"})
    @DisplayName("a running worker is listed with its task; killed with SIGKILL, it disappears within its TTL")
    void aKilledWorkerDisappearsWithinItsTtl(String kind) throws Exception {
        String backend = backend(kind);
        try (Broker broker = broker(backend)) {
            broker.purgeTasks(SleepyWorker.QUEUE);
            broker.pushTask(SleepyWorker.QUEUE, Task.of(Map.of("seconds", 120), "trace-sleepy"), Priority.NORMAL, null);
            Process worker = startWorker(backend);

            WorkerStatus listed = awaitWorker(broker, worker.pid(), status -> !status.running().isEmpty(),
                    Duration.ofSeconds(60));
            assertThat(listed.queue()).isEqualTo(SleepyWorker.QUEUE);
            assertThat(listed.executor()).isEqualTo("thread");
            assertThat(listed.running()).singleElement().satisfies(task -> assertThat(task.traceId()).isEqualTo("trace-sleepy"));
            assertThat(listed.rssBytes()).isPositive();

            worker.destroyForcibly();
            assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long killedAt = System.nanoTime();
            assertThat(find(broker, worker.pid())).as("still listed right after the kill, until its TTL passes").isPresent();
            awaitGone(broker, worker.pid(), TTL.plusSeconds(30));
            Duration gone = Duration.ofNanos(System.nanoTime() - killedAt);
            // The record expires at most one TTL after the last heartbeat, which came before the kill; the
            // margin covers the polling and a loaded machine.
            assertThat(gone).as("time from kill to disappearance").isLessThanOrEqualTo(TTL.plusSeconds(10));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "redis"})
    @DisplayName("a worker stopped with SIGTERM deregisters at once, without waiting for its TTL")
    void aStoppedWorkerDeregisters(String kind) throws Exception {
        String backend = backend(kind);
        try (Broker broker = broker(backend)) {
            broker.purgeTasks(SleepyWorker.QUEUE);
            Process worker = startWorker(backend);
            awaitWorker(broker, worker.pid(), status -> true, Duration.ofSeconds(60));

            long stoppedAt = System.nanoTime();
            worker.destroy();
            if (!worker.waitFor(60, TimeUnit.SECONDS)) {
                fail("worker " + worker.pid() + " did not exit within 60 s of SIGTERM\n" + diagnose(worker));
            }
            assertThat(find(broker, worker.pid())).as("listed after a graceful stop").isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).isLessThan(Duration.ofSeconds(60));
        }
    }

    /** Where a worker that did not stop was: its threads (jcmd Thread.print) and the end of its log. */
    private String diagnose(Process worker) throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(worker.pid()), "Thread.print").redirectErrorStream(true).start();
        String threads = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor(20, TimeUnit.SECONDS);
        List<String> log = Files.readAllLines(logs.get(worker));
        return "=== its threads\n" + threads + "\n=== the last 80 lines of its log\n"
                + String.join("\n", log.subList(Math.max(0, log.size() - 80), log.size()));
    }

    private Process startWorker(String backend) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsergeant.config.backend=" + backend,
                "-D" + WorkerHeartbeat.INTERVAL_MILLIS_PROPERTY + "=" + INTERVAL.toMillis(), "-cp", System.getProperty("java.class.path"),
                WorkerMain.class.getName(), "--worker-class", SleepyWorker.class.getName());
        Path log = directory.resolve("worker-" + System.nanoTime() + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        workers.add(process);
        logs.put(process, log);
        return process;
    }

    private static Optional<WorkerStatus> find(Broker broker, long pid) {
        return broker.workers().stream().filter(status -> status.pid() == pid).findFirst();
    }

    private static WorkerStatus awaitWorker(Broker broker, long pid, java.util.function.Predicate<WorkerStatus> ready,
                                            Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<WorkerStatus> status = find(broker, pid);
            if (status.isPresent() && ready.test(status.get())) {
                return status.get();
            }
            Thread.sleep(200);
        }
        return fail("worker " + pid + " was not listed as expected within " + max + "; listed: " + broker.workers());
    }

    private static void awaitGone(Broker broker, long pid, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (find(broker, pid).isPresent()) {
            if (System.nanoTime() > deadline) {
                fail("worker " + pid + " is still listed " + max + " after it was killed");
            }
            Thread.sleep(200);
        }
    }
}
