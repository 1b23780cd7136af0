package io.sergeant.it.pickup;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.WorkerRuntime;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pickup without polling on a real redis-server (issue 15 §4): an idle worker sends few commands
 * (counted with {@code INFO commandstats}), a push wakes it long before its poll interval, a delayed
 * task comes due at its time and not before, a stop ends a worker blocked on Redis within about a
 * second, and a Redis restart during the wait is survived. Bounds are generous: the poll interval is
 * 30 s where the test needs it, so the wake-up is what the assertions see, never a poll.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IdlePickupTest {

    private static final Pattern CALLS = Pattern.compile("cmdstat_([a-z|]+):calls=(\\d+)");

    private final Sergeant sergeant = Sergeant.create();
    private RedisServerProcess redis;
    private WorkerRuntime runtime;
    private CompletableFuture<?> running;

    @AfterEach
    void tearDown() throws Exception {
        if (runtime != null) {
            runtime.requestStop();
            try {
                running.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // Say where the worker hangs: without the threads' stacks a CI timeout here is a guess.
                Thread.getAllStackTraces().forEach((thread, stack) -> {
                    System.out.println("[pickup] thread " + thread.getName() + " " + thread.getState());
                    for (StackTraceElement frame : stack) {
                        System.out.println("[pickup]     at " + frame);
                    }
                });
                throw new AssertionError("the worker did not stop within 30 s of requestStop(); thread stacks above", e);
            }
            runtime.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    @DisplayName("an idle worker with the default poll interval sends at most 2 commands a second")
    void idleWorkerIsQuiet(DeliveryMode mode) throws Exception {
        redis = RedisServerProcess.start();
        WorkerConfig config = WorkerConfig.builder("idle-" + mode.name().toLowerCase()).backend(redis.uri())
                .delivery(mode).executor("thread", 2).build();
        start(config);
        Thread.sleep(1_500); // start-up commands (script loads, registry) are not idle ones
        redis.command("CONFIG", "RESETSTAT");
        long window = 6_000;
        List<String> sent = monitor(window);
        Map<String, Long> calls = commandCalls();
        System.out.printf("[pickup] idle %s worker: %d commands sent in %d ms %s; commandstats (with the commands"
                + " scripts run inside) %s%n", mode, sent.size(), window, sent, calls);
        assertThat(calls).as("the idle worker waits in BLPOP").containsKey("blpop");
        assertThat(sent).as("commands an idle worker sent in %d ms", window)
                .hasSizeLessThanOrEqualTo((int) (2 * window / 1000) + 1);
    }

    /** The commands clients send during {@code millis} (MONITOR; commands run inside scripts are left out). */
    private List<String> monitor(long millis) throws Exception {
        List<String> sent = new java.util.ArrayList<>();
        try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), redis.port())) {
            socket.getOutputStream().write("MONITOR\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
            long end = System.currentTimeMillis() + millis;
            Pattern line = Pattern.compile("^\\+[0-9.]+ \\[\\d+ ([^\\]]+)\\] \"([^\"]+)\"");
            while (System.currentTimeMillis() < end) {
                socket.setSoTimeout((int) Math.max(1, end - System.currentTimeMillis()));
                String text;
                try {
                    text = in.readLine();
                } catch (java.net.SocketTimeoutException e) {
                    break;
                }
                if (text == null) {
                    break;
                }
                Matcher m = line.matcher(text);
                if (m.find() && !m.group(1).equals("lua")) {
                    sent.add(m.group(2).toLowerCase(java.util.Locale.ROOT));
                }
            }
        }
        return sent;
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    @DisplayName("a push wakes an idle worker, a delayed task runs at its time, a stop ends the wait at once")
    void wakeUpsDelayedTasksAndStop(DeliveryMode mode) throws Exception {
        redis = RedisServerProcess.start();
        WorkerConfig config = WorkerConfig.builder("wake-" + mode.name().toLowerCase()).backend(redis.uri())
                .delivery(mode).executor("thread", 2).pollInterval(Duration.ofSeconds(30)).build();
        BlockingQueue<Ran> ran = start(config);
        Thread.sleep(1_500);
        try (Broker broker = sergeant.broker(config)) {
            long pushedAt = System.currentTimeMillis();
            broker.pushTask(config.name(), Task.of(Map.of("id", "now")), Priority.NORMAL, null);
            Ran now = ran.poll(15, TimeUnit.SECONDS);
            assertThat(now).as("the pushed task ran well before the 30 s poll interval").isNotNull();
            assertThat(now.id()).isEqualTo("now");
            System.out.printf("[pickup] %s: pushed task ran after %d ms%n", mode, now.millis() - pushedAt);

            Instant due = Instant.now().plusMillis(1_500);
            broker.pushTask(config.name(), Task.of(Map.of("id", "delayed")), Priority.NORMAL, due);
            Ran delayed = ran.poll(15, TimeUnit.SECONDS);
            assertThat(delayed).as("the delayed task ran well before the 30 s poll interval").isNotNull();
            assertThat(delayed.id()).isEqualTo("delayed");
            assertThat(delayed.millis()).as("not before its time (same clock, loopback)")
                    .isGreaterThanOrEqualTo(due.toEpochMilli() - 5);
            System.out.printf("[pickup] %s: delayed task ran %d ms after its time%n", mode,
                    delayed.millis() - due.toEpochMilli());
        }
        Thread.sleep(500);
        long stopAt = System.nanoTime();
        runtime.requestStop();
        running.get(10, TimeUnit.SECONDS);
        long stopMillis = (System.nanoTime() - stopAt) / 1_000_000;
        System.out.printf("[pickup] %s: stop took %d ms%n", mode, stopMillis);
        assertThat(stopMillis).as("a stop ends a worker waiting on Redis (poll interval 30 s)").isLessThan(5_000);
        runtime.close();
        runtime = null;
    }

    @org.junit.jupiter.api.Test
    @DisplayName("a task a Python producer would push (a plain RPUSH, no wake-up signal) reaches an idle at-most-once worker long before its fallback poll")
    void aPlainPushWakesAnIdleAtMostOnceWorker() throws Exception {
        redis = RedisServerProcess.start();
        // Poll interval 30 s, so the fallback poll is 30 s: only the wait itself can explain a pickup within the bound.
        WorkerConfig config = WorkerConfig.builder("plain-push").backend(redis.uri())
                .delivery(DeliveryMode.AT_MOST_ONCE).executor("thread", 1).pollInterval(Duration.ofSeconds(30)).build();
        BlockingQueue<Ran> ran = start(config);
        Thread.sleep(1_500); // the worker is idle now: blocked on its queue
        try (Broker broker = sergeant.broker(config)) {
            for (int i = 0; i < 3; i++) {
                // Encoded by a Java producer into a list of its own, then moved into the queue by a bare list command:
                // the worker's queue gets the task the way Python's RPUSH puts it there, with no signal.
                broker.pushTask("staging", Task.of(Map.of("id", "plain-" + i)), Priority.NORMAL, null);
                redis.command("DEL", "__sergeant__:{plain-push}:wake");
                long pushedAt = System.currentTimeMillis();
                redis.command("LMOVE", "staging", config.name(), "LEFT", "RIGHT");
                Ran plain = ran.poll(15, TimeUnit.SECONDS);
                assertThat(plain).as("the plainly pushed task ran well before the 30 s fallback poll").isNotNull();
                assertThat(plain.id()).isEqualTo("plain-" + i);
                System.out.printf("[pickup] plain push %d ran after %d ms%n", i, plain.millis() - pushedAt);
                Thread.sleep(300); // idle again
            }
            assertThat(broker.stats(config.name()).ready()).isZero();
        }
    }

    /** How another client makes a task deliverable again without pushing it. */
    enum Return { HAND_BACK, RELEASE, REAPED_LEASE, REQUEUED_DEAD_LETTER }

    @ParameterizedTest
    @EnumSource(Return.class)
    @DisplayName("a task handed back, released, reaped or requeued elsewhere wakes an idle worker long before its fallback poll")
    void returnedTasksWakeAnIdleWorker(Return how) throws Exception {
        redis = RedisServerProcess.start();
        // Poll interval 30 s, so the fallback poll (the longer of it and 2 s) is 30 s: only a wake-up
        // can explain a pickup within the bound below. The worker's lease keeper reaps every 2 s.
        WorkerConfig config = WorkerConfig.builder("back-" + how.name().toLowerCase(java.util.Locale.ROOT))
                .backend(redis.uri()).delivery(DeliveryMode.AT_LEAST_ONCE).executor("thread", 2)
                .pollInterval(Duration.ofSeconds(30)).build();
        try (io.sergeant.core.internal.broker.DefaultBroker other = sergeant.openBroker(config, sergeant.pluginContext(config))) {
            io.sergeant.spi.backend.Backend backend = other.backend();
            other.pushTask(config.name(), Task.of(Map.of("id", how.name())), Priority.NORMAL, null);
            // The other client takes the task before the worker starts: leased for 4 s, or popped outright.
            io.sergeant.spi.backend.DeliveryOptions options = how == Return.REQUEUED_DEAD_LETTER
                    ? io.sergeant.spi.backend.DeliveryOptions.AT_MOST_ONCE
                    : io.sergeant.spi.backend.DeliveryOptions.leased(Duration.ofSeconds(4), 5);
            long takenAt = System.currentTimeMillis();
            List<io.sergeant.spi.backend.Delivery> taken = backend.pop(config.name(), 1, options);
            assertThat(taken).hasSize(1);
            BlockingQueue<Ran> ran = start(config);
            Thread.sleep(1_500); // the worker is idle now: blocked on the wake-up list
            assertThat(ran).as("nothing to run while the other client holds the task").isEmpty();
            long returnedAt = System.currentTimeMillis();
            switch (how) {
                case HAND_BACK -> backend.leaseRole().orElseThrow().handBack(config.name(), List.of(taken.get(0).receipt()));
                case RELEASE -> backend.leaseRole().orElseThrow().release(config.name(), List.of(taken.get(0).receipt()));
                // The lease expires 4 s after the pop; the worker's lease keeper reaps it within 2 s of that.
                case REAPED_LEASE -> returnedAt = takenAt + 4_000;
                case REQUEUED_DEAD_LETTER -> {
                    backend.deadLetterRole().orElseThrow().deadLetter(config.name(), taken.get(0), "test");
                    assertThat(other.requeueDeadLetters(config.name())).isEqualTo(1);
                }
            }
            Ran back = ran.poll(15, TimeUnit.SECONDS);
            assertThat(back).as("the %s task ran well before the 30 s fallback poll", how).isNotNull();
            assertThat(back.id()).isEqualTo(how.name());
            System.out.printf("[pickup] %s: the task ran %d ms after it was made deliverable%n", how,
                    back.millis() - returnedAt);
        }
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    @DisplayName("Redis killed and restarted while a worker waits: it reconnects and a later push wakes it")
    void redisRestartDuringTheWait(DeliveryMode mode) throws Exception {
        redis = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always");
        WorkerConfig config = WorkerConfig.builder("outage-" + mode.name().toLowerCase()).backend(redis.uri())
                .delivery(mode).executor("thread", 2).pollInterval(Duration.ofSeconds(30)).build();
        BlockingQueue<Ran> ran = start(config);
        Thread.sleep(1_500);
        redis.kill();
        Thread.sleep(1_500);
        redis.restart();
        try (Broker broker = sergeant.broker(config)) {
            broker.pushTask(config.name(), Task.of(Map.of("id", "after")), Priority.NORMAL, null);
            Ran after = ran.poll(40, TimeUnit.SECONDS);
            assertThat(after).as("the task pushed after the restart ran").isNotNull();
            assertThat(after.id()).isEqualTo("after");
            assertThat(broker.stats(config.name()).ready()).isZero();
        }
    }

    private BlockingQueue<Ran> start(WorkerConfig config) {
        BlockingQueue<Ran> ran = new LinkedBlockingQueue<>();
        Worker worker = new TaskRecorder(config,
                task -> ran.add(new Ran(String.valueOf(task.kwargs().get("id")), System.currentTimeMillis())));
        runtime = new WorkerRuntime(worker, config, sergeant, List.of());
        running = CompletableFuture.runAsync(runtime::run);
        return ran;
    }

    private Map<String, Long> commandCalls() {
        Map<String, Long> calls = new java.util.TreeMap<>();
        Matcher m = CALLS.matcher(redis.command("INFO", "commandstats"));
        while (m.find()) {
            calls.merge(m.group(1), Long.parseLong(m.group(2)), Long::sum);
        }
        return calls;
    }

    private record Ran(String id, long millis) {
    }
}
