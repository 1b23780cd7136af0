package io.sergeant.backend.redis;

import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.BackendWakeups;
import io.sergeant.api.DeadLetter;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * At-most-once idle waits that take the task itself ({@link BackendWakeups#awaitOrTake}; docs/decisions.md
 * "At-most-once idle wait takes the task itself") on a real redis-server: a task a Python producer would push (a raw
 * {@code RPUSH}, no wake-up signal) and a Java push are both returned by the wait; an oversized payload reaching the
 * wait is buried as the plain pop buries it; a key of another type gives a clear error at once; a stop ends the wait
 * promptly and a task pushed as the stop lands is never lost; a delayed task still comes due during the wait. Waits
 * are a minute long, so a wait that ends within the generous bounds below was ended by what the test did.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class IdleTakeTest {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final long PROMPT_MILLIS = 20_000;

    private RedisServerProcess server;
    private Backend backend;
    private BackendWakeups wakeups;

    @BeforeEach
    void start() {
        server = RedisServerProcess.start();
        open(Map.of());
    }

    private void open(Map<String, String> options) {
        if (backend != null) {
            backend.close();
        }
        backend = new RedisBackendFactory().create(new BackendSpec(server.uri(), options), PluginContext.defaults());
        wakeups = backend.wakeupRole().orElseThrow();
    }

    @AfterEach
    void stop() {
        if (backend != null) {
            backend.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private Jedis raw() {
        return new Jedis("127.0.0.1", server.port());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private CompletableFuture<BackendWakeups.Awaited> waitFor(String queue) {
        return CompletableFuture.supplyAsync(() -> wakeups.awaitOrTake(queue, 10, LONG, () -> false));
    }

    /** Waits until a client is blocked in BLPOP (INFO clients), so what follows lands during the wait. */
    private void awaitBlocked() throws InterruptedException {
        for (int i = 0; i < 400; i++) {
            if (server.command("INFO", "clients").contains("blocked_clients:1")) {
                return;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("no client blocked within 10 s");
    }

    @Test
    @DisplayName("a task pushed by a raw RPUSH (as Python pushes, no wake-up signal) is returned by the wait itself")
    void aRawPushIsTaken() throws Exception {
        long taken = RedisWakeups.TAKEN.get();
        CompletableFuture<BackendWakeups.Awaited> waiting = waitFor("q");
        awaitBlocked();
        try (Jedis jedis = raw()) {
            jedis.rpush(bytes("q"), bytes("from python"));
        }
        BackendWakeups.Awaited awaited = waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
        assertThat(awaited.taken()).extracting(d -> new String(d.payload(), StandardCharsets.UTF_8))
                .containsExactly("from python");
        assertThat(awaited.taken().get(0).receipt()).as("unleased, as an at-most-once pop").isNull();
        assertThat(RedisWakeups.TAKEN.get()).isEqualTo(taken + 1);
        assertThat(server.command("LLEN", "q").trim()).isEqualTo("0");
    }

    @Test
    @DisplayName("a Java push is taken too: the push stores the task before it signals, so the task is served, not the signal")
    void aJavaPushIsTaken() throws Exception {
        CompletableFuture<BackendWakeups.Awaited> waiting = waitFor("q");
        awaitBlocked();
        backend.push("q", List.of(bytes("from java")), Priority.NORMAL, null);
        BackendWakeups.Awaited awaited = waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
        assertThat(awaited.taken()).extracting(d -> new String(d.payload(), StandardCharsets.UTF_8))
                .containsExactly("from java");
        // The signal it left is dropped by the next wait's next_due.lua, which does not wake for it.
        CompletableFuture<BackendWakeups.Awaited> next = waitFor("q");
        awaitBlocked();
        backend.push("q", List.of(bytes("second")), Priority.HIGH, null);
        assertThat(next.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS).taken())
                .extracting(d -> new String(d.payload(), StandardCharsets.UTF_8)).containsExactly("second");
    }

    @Test
    @DisplayName("an oversized payload reaching the wait is buried whole as a dead letter, as by the plain pop; the connection stays in step")
    void anOversizedPayloadIsBuried() throws Exception {
        open(Map.of("maxPayloadSize", Integer.toString(1 << 20)));
        byte[] huge = new byte[(int) (2.5 * BoundedPop.CHUNK)];
        new Random(7).nextBytes(huge);
        CompletableFuture<BackendWakeups.Awaited> waiting = waitFor("jobs");
        awaitBlocked();
        try (Jedis jedis = raw()) {
            jedis.rpush(bytes("jobs"), huge);
        }
        BackendWakeups.Awaited awaited = waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
        assertThat(awaited.taken()).as("never handed to the worker").isEmpty();
        assertThat(awaited.popNow()).isTrue();
        List<DeadLetter> dead = backend.deadLetterRole().orElseThrow().deadLetters("jobs", 10);
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).payload()).isEqualTo(huge);
        assertThat(dead.get(0).reason()).startsWith("undecodable: ").contains(huge.length + " bytes");
        assertThat(server.command("KEYS", "*oversized*")).as("no payload left on its way to the dead letters").isEmpty();
        // The pooled connections are in step: waits and pops go on.
        for (int i = 0; i < 3; i++) {
            CompletableFuture<BackendWakeups.Awaited> next = waitFor("jobs");
            awaitBlocked();
            backend.push("jobs", List.of(bytes("after-" + i)), Priority.NORMAL, null);
            assertThat(next.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS).taken())
                    .extracting(d -> new String(d.payload(), StandardCharsets.UTF_8)).containsExactly("after-" + i);
        }
        assertThat(backend.pop("jobs", 5, DeliveryOptions.AT_MOST_ONCE)).isEmpty();
    }

    @Test
    @DisplayName("a queue key of another type fails the wait at once with a clear error, whether there before the wait or set during it")
    void aForeignKeyFailsClearly() throws Exception {
        server.command("SET", "q", "not a list");
        long start = System.nanoTime();
        assertThatThrownBy(() -> failure(waitFor("q"))).isInstanceOf(SergeantException.class)
                .hasMessageContaining("key 'q' holds a string where the queue needs a list");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(LONG.dividedBy(3));
        assertThat(server.command("GET", "q").trim()).as("nothing changed").isEqualTo("not a list");

        // Set during the wait: the wait's next block (after a signal of a delayed task) meets it in its BLPOP.
        server.command("DEL", "q");
        CompletableFuture<BackendWakeups.Awaited> waiting = waitFor("q");
        awaitBlocked();
        server.command("SET", "q", "not a list");
        server.command("RPUSH", "__sergeant__:{q}:wake", "50000");
        start = System.nanoTime();
        assertThatThrownBy(() -> failure(waiting)).isInstanceOf(SergeantException.class)
                .hasMessageContaining("WRONGTYPE").hasMessageContaining("holds another type");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(LONG.dividedBy(3));
        assertThatThrownBy(() -> backend.pop("q", 1, DeliveryOptions.AT_MOST_ONCE)).isInstanceOf(SergeantException.class)
                .hasMessageContaining("key 'q' holds a string");
        assertThat(server.command("GET", "q").trim()).as("nothing changed").isEqualTo("not a list");
    }

    private static BackendWakeups.Awaited failure(CompletableFuture<BackendWakeups.Awaited> waiting) throws Throwable {
        try {
            return waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause();
        }
    }

    /** The connections are in step: the next wait on {@code q} takes a push. */
    private void assertTheNextWaitTakesAPush() throws Exception {
        CompletableFuture<BackendWakeups.Awaited> next = waitFor("q");
        awaitBlocked();
        backend.push("q", List.of(bytes("after")), Priority.NORMAL, null);
        assertThat(next.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS).taken()).hasSize(1);
    }

    /** The pooled node serving {@code queue} (a single node here). */
    private JedisCompat.PooledNode node(String queue) {
        return (JedisCompat.PooledNode) ((RedisBackend) backend).topology().shards(queue).get(0).client().jedis();
    }

    /**
     * Makes the next stop of {@code queue}'s wait end on its stop key on a busy machine too, not by the fallback cut:
     * an idle pooled connection is warmed (the pool is LIFO, so the wait usually holds the only one, and the push would
     * have to connect and handshake first), and the push is given {@link #PROMPT_MILLIS} rather than 500 ms.
     * Call it while the wait blocks.
     */
    private void letTheStopPushComplete(String queue) {
        ((RedisWakeups) wakeups).stopPushWait(Duration.ofMillis(PROMPT_MILLIS));
        JedisCompat.PooledNode node = node(queue);
        try (Connection warm = node.borrow()) {
            warm.sendCommand(Protocol.Command.PING);
            assertThat(warm.getStatusCodeReply()).isEqualTo("PONG");
        }
        assertThat(node.pool().getNumIdle()).as("an idle connection for the stop push").isPositive();
    }

    @Test
    @DisplayName("wakeUp() ends a taking wait promptly, on its stop key (no connection cut), and leaves no key behind")
    void aStopEndsTheWait() throws Exception {
        CompletableFuture<BackendWakeups.Awaited> waiting = waitFor("q");
        awaitBlocked();
        letTheStopPushComplete("q");
        long destroyed = node("q").pool().getDestroyedCount();
        long start = System.nanoTime();
        wakeups.wakeUp();
        BackendWakeups.Awaited awaited = waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
        assertThat(awaited.taken()).isEmpty();
        assertThat(awaited.popNow()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(LONG.dividedBy(3));
        assertThat(server.command("KEYS", "*stop*")).as("the stop key was read, so it is gone").isEmpty();
        // A cut (the fallback) marks the wait's connection broken and the pool destroys it: none was, so the BLPOP
        // ended on its stop key.
        assertThat(node("q").pool().getDestroyedCount()).as("pooled connections destroyed by the stop").isEqualTo(destroyed);
        // The connections are in step after the stop: the next wait takes a push.
        assertTheNextWaitTakesAPush();
    }

    @Test
    @DisplayName("a stop that lands as a task is pushed loses nothing: the task is either returned by the wait or still queued")
    void aStopRacingAPushLosesNothing() throws Exception {
        // A stop push that misses its 500 ms on a busy machine falls back to the cut, which may lose a task within the
        // at-most-once bound: this test is about the stop key, so the push gets the time it needs.
        ((RedisWakeups) wakeups).stopPushWait(Duration.ofMillis(PROMPT_MILLIS));
        int rounds = 60;
        int returned = 0;
        List<String> lost = new ArrayList<>();
        try (Jedis jedis = raw()) {
            for (int i = 0; i < rounds; i++) {
                AtomicBoolean stopping = new AtomicBoolean();
                CompletableFuture<BackendWakeups.Awaited> waiting =
                        CompletableFuture.supplyAsync(() -> wakeups.awaitOrTake("race", 1, LONG, stopping::get));
                awaitBlocked();
                String id = "t" + i;
                // The push and the stop race: the stop is swept from before to after the push.
                CompletableFuture<Void> pushed = CompletableFuture.runAsync(() -> {
                    try (Jedis pusher = raw()) {
                        if (id.hashCode() % 3 != 0) {
                            Thread.onSpinWait();
                        }
                        pusher.rpush("race", id);
                    }
                });
                if (i % 2 == 0) {
                    Thread.sleep(0, (i % 10) * 100_000);
                }
                stopping.set(true);
                wakeups.wakeUp();
                BackendWakeups.Awaited awaited = waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
                pushed.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
                List<String> queued = jedis.lrange("race", 0, -1);
                List<String> got = awaited.taken().stream().map(d -> new String(d.payload(), StandardCharsets.UTF_8)).toList();
                if (!got.isEmpty()) {
                    returned++;
                }
                if (!(got.equals(List.of(id)) && queued.isEmpty()) && !(got.isEmpty() && queued.equals(List.of(id)))) {
                    lost.add(id + ": returned " + got + ", queued " + queued);
                }
                jedis.del("race");
            }
        }
        System.out.printf("[idle take] %d of %d racing tasks were returned by the stopped wait, the rest stayed queued%n",
                returned, rounds);
        assertThat(lost).as("every task is returned or still queued, exactly once").isEmpty();
        // A stop key its wait did not read (the wait took a task first) expires: none is left without a TTL. A key
        // listed by KEYS may expire before its PTTL (-2, gone): only -1 (no TTL) is a leak.
        for (String key : server.command("KEYS", "*:stop:*").lines().filter(k -> !k.isBlank()).toList()) {
            assertThat(Long.parseLong(server.command("PTTL", key).trim())).as("PTTL of " + key).isNotEqualTo(-1);
        }
    }

    @Test
    @DisplayName("a stop returns within a few seconds even when its stop push cannot be made in time (server frozen,"
            + " no idle connection: the push must connect): the wait's connection is cut")
    void aStopIsBoundedWhenThePushCannotBeMade() throws Exception {
        open(Map.of("timeout", "30s"));
        CompletableFuture<BackendWakeups.Awaited> waiting = waitFor("q");
        awaitBlocked();
        JedisCompat.PooledNode node = node("q");
        node.pool().clear(); // no idle connection: the stop push has to open one (connect, then handshake)
        assertThat(node.pool().getNumIdle()).isZero();
        String pid = server.command("INFO", "server").lines().filter(l -> l.startsWith("process_id:"))
                .map(l -> l.substring("process_id:".length()).trim()).findFirst().orElseThrow();
        signal("STOP", pid); // the kernel still accepts connections; nothing answers them
        long took;
        BackendWakeups.Awaited awaited;
        try {
            long start = System.nanoTime();
            wakeups.wakeUp();
            took = System.nanoTime() - start;
            awaited = waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
        } finally {
            signal("CONT", pid);
        }
        // Without the bound the stop waited for the new connection's handshake: the 30 s read timeout.
        assertThat(Duration.ofNanos(took)).as("wakeUp() returned").isLessThan(Duration.ofSeconds(10));
        assertThat(awaited.taken()).isEmpty();
        assertThat(awaited.popNow()).isFalse();
        // The backend goes on: the next wait takes a push.
        assertTheNextWaitTakesAPush();
    }

    private static void signal(String signal, String pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, pid).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill -" + signal + " " + pid).isZero();
    }

    @Test
    @DisplayName("a queue name over 4 KB: a raw push, a Java push and a stop all end the wait as for a short name (the reply's key is bounded by the keys named)")
    void aLongQueueNameIsTaken() throws Exception {
        String queue = "long-".repeat(1_000) + "q"; // 5001 bytes: its wake-up and stop keys are longer still
        CompletableFuture<BackendWakeups.Awaited> waiting = waitFor(queue);
        awaitBlocked();
        try (Jedis jedis = raw()) {
            jedis.rpush(bytes(queue), bytes("raw"));
        }
        assertThat(waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS).taken())
                .extracting(d -> new String(d.payload(), StandardCharsets.UTF_8)).containsExactly("raw");
        CompletableFuture<BackendWakeups.Awaited> next = waitFor(queue);
        awaitBlocked();
        backend.push(queue, List.of(bytes("java")), Priority.NORMAL, null);
        assertThat(next.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS).taken())
                .extracting(d -> new String(d.payload(), StandardCharsets.UTF_8)).containsExactly("java");
        // A delayed push's signal (a reply keyed by the wake-up list) and a stop (keyed by the stop key).
        CompletableFuture<BackendWakeups.Awaited> third = waitFor(queue);
        awaitBlocked();
        backend.push(queue, List.of(bytes("later")), Priority.NORMAL, Instant.now().plusSeconds(3_600));
        Thread.sleep(200); // the signal is read and the wait blocks again (a broken reply would fail the wait)
        awaitBlocked();
        letTheStopPushComplete(queue);
        long destroyed = node(queue).pool().getDestroyedCount();
        wakeups.wakeUp();
        BackendWakeups.Awaited stopped = third.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
        assertThat(stopped.taken()).isEmpty();
        assertThat(stopped.popNow()).isFalse();
        assertThat(node(queue).pool().getDestroyedCount()).as("no reply was cut").isEqualTo(destroyed);
        assertThat(server.command("LLEN", queue).trim()).isEqualTo("0");
    }

    @Test
    @DisplayName("an ACL user without access to the stop keys: the take is switched off once (NOPERM), waits fall back to the wake-up list")
    void noPermissionForTheStopKeysTurnsTheTakeOff() throws Exception {
        // Every key of queue q but the stop keys ('seq' is the only other one starting with 's').
        server.command("ACL", "SETUSER", "limited", "on", ">secret", "resetkeys", "~q", "~q.*",
                "~__sergeant__:{q}:[^s]*", "~__sergeant__:{q}:seq*", "+@all");
        backend.close();
        backend = null;
        backend = new RedisBackendFactory().create(new BackendSpec("redis://limited:secret@127.0.0.1:" + server.port(),
                Map.of()), PluginContext.defaults());
        wakeups = backend.wakeupRole().orElseThrow();
        long noperm = RedisTestSupport.errorReplies(server, "NOPERM");
        for (int i = 0; i < 2; i++) {
            CompletableFuture<BackendWakeups.Awaited> waiting = waitFor("q");
            awaitBlocked();
            backend.push("q", List.of(bytes("t" + i)), Priority.NORMAL, null);
            BackendWakeups.Awaited awaited = waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
            assertThat(awaited.taken()).as("the wait on the wake-up list takes nothing").isEmpty();
            assertThat(awaited.popNow()).isTrue();
            assertThat(backend.pop("q", 10, DeliveryOptions.AT_MOST_ONCE)).extracting(Delivery::payload)
                    .containsExactly(bytes("t" + i));
        }
        assertThat(RedisTestSupport.errorReplies(server, "NOPERM") - noperm)
                .as("one refused BLPOP, then the take stays off").isEqualTo(1);
    }

    @Test
    @DisplayName("a BLPOP reply that arrived whole while its reader was frozen far past the deadline is still read;"
            + " one that has not arrived is cut at once")
    void aReplyWaitingPastTheDeadlineIsRead() throws Exception {
        Duration deadline = Duration.ofSeconds(1);
        server.command("RPUSH", "q", "waiting");
        try (Connection connection = new Connection("127.0.0.1", server.port())) {
            connection.sendCommand(new CommandArguments(Protocol.Command.CLIENT).add("SETNAME").add("frozen"));
            assertThat(connection.getStatusCodeReply()).isEqualTo("OK");
            connection.sendCommand(new CommandArguments(Protocol.Command.BLPOP).key(bytes("q")).add("5"));
            BoundedPop.flush(connection);
            awaitReplyWritten("frozen");
            // The reader "wakes" 10 s past its deadline, the reply waiting whole in the socket.
            long start = System.nanoTime() - deadline.toNanos() - TimeUnit.SECONDS.toNanos(10);
            BoundedPop.Blpopped popped = BoundedPop.readBlpop(connection, 0, 0, null, start, deadline, null);
            assertThat(new String(popped.value(), StandardCharsets.UTF_8)).isEqualTo("waiting");
        }
        try (Connection connection = new Connection("127.0.0.1", server.port())) {
            // Nothing to pop: the server answers only after 30 s; past the deadline the reader does not wait for it.
            connection.sendCommand(new CommandArguments(Protocol.Command.BLPOP).key(bytes("none")).add("30"));
            BoundedPop.flush(connection);
            long start = System.nanoTime() - deadline.toNanos() - TimeUnit.SECONDS.toNanos(10);
            assertThatThrownBy(() -> BoundedPop.readBlpop(connection, 0, 0, null, start, deadline, null))
                    .isInstanceOf(BoundedPop.CutReply.class).hasMessageContaining("did not arrive whole");
        }
    }

    /** Waits until the server has written the reply of the client named {@code name} (no output left, not blocked). */
    private void awaitReplyWritten(String name) throws InterruptedException {
        for (int i = 0; i < 400; i++) {
            String line = server.command("CLIENT", "LIST").lines().filter(l -> l.contains(" name=" + name + " "))
                    .findFirst().orElse("");
            if (line.contains(" cmd=blpop ") && line.contains(" flags=N ") && line.contains(" obl=0 ")
                    && line.contains(" oll=0 ")) {
                return;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("the reply was not written within 10 s: " + server.command("CLIENT", "LIST"));
    }

    @Test
    @DisplayName("a long value in the wake-up list is no task: it is dropped with its connection (logged as such, not"
            + " as a lost task), the wait goes on, nothing becomes a dead letter of the queue")
    void aLongSignalIsNotBuried() throws Exception {
        open(Map.of("maxPayloadSize", "16"));
        try (Captured log = Captured.start()) {
            CompletableFuture<BackendWakeups.Awaited> waiting = waitFor("q");
            awaitBlocked();
            long destroyed = node("q").pool().getDestroyedCount();
            server.command("RPUSH", "__sergeant__:{q}:wake", "x".repeat(100));
            // The same wait blocks again, on another connection, and takes the next push.
            awaitBlocked();
            backend.push("q", List.of(bytes("after")), Priority.NORMAL, null);
            assertThat(waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS).taken())
                    .extracting(d -> new String(d.payload(), StandardCharsets.UTF_8)).containsExactly("after");
            assertThat(node("q").pool().getDestroyedCount()).as("the value's connection dropped").isEqualTo(destroyed + 1);
            assertThat(log.at(Level.INFO)).anySatisfy(m -> assertThat(m).contains("a value of 100 bytes from a key"
                    + " other than the queue's ('__sergeant__:{q}:wake'").contains("no task"));
            assertThat(log.at(Level.WARNING)).as("no task was lost").isEmpty();
        }
        assertThat(backend.deadLetterRole().orElseThrow().deadLetters("q", 10)).isEmpty();
    }

    /** What RedisWakeups and RedisQueue log while it is open (java.util.logging, which System.Logger uses here). */
    private static final class Captured implements AutoCloseable {
        private final List<Logger> loggers = List.of(Logger.getLogger(RedisWakeups.class.getName()),
                Logger.getLogger(RedisQueue.class.getName()));
        private final List<Level> levels = loggers.stream().map(Logger::getLevel).toList();
        private final List<LogRecord> records = new CopyOnWriteArrayList<>();
        private final Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };

        static Captured start() {
            Captured captured = new Captured();
            captured.handler.setLevel(Level.ALL);
            for (Logger logger : captured.loggers) {
                logger.setLevel(Level.ALL);
                logger.addHandler(captured.handler);
            }
            return captured;
        }

        /** Waits until something was logged at {@code level}, at most {@link #PROMPT_MILLIS}. */
        void await(Level level) throws InterruptedException {
            for (int i = 0; i < PROMPT_MILLIS / 25 && at(level).isEmpty(); i++) {
                Thread.sleep(25);
            }
        }

        /** The messages logged at exactly {@code level} (System.Logger's DEBUG is FINE). */
        List<String> at(Level level) {
            return records.stream().filter(r -> r.getLevel().equals(level)).map(LogRecord::getMessage).toList();
        }

        @Override
        public void close() {
            for (int i = 0; i < loggers.size(); i++) {
                loggers.get(i).removeHandler(handler);
                loggers.get(i).setLevel(levels.get(i));
            }
        }
    }

    /** An ACL user that may run everything on queue {@code q}'s keys but its stop keys, plus {@code extra} rules. */
    private Backend limitedBackend(String user, String... extra) {
        List<String> rules = new ArrayList<>(List.of("ACL", "SETUSER", user, "on", ">secret", "resetkeys", "~q", "~q.*",
                "~__sergeant__:{q}:[^s]*", "~__sergeant__:{q}:seq*", "+@all"));
        rules.addAll(List.of(extra));
        server.command(rules.toArray(String[]::new));
        return new RedisBackendFactory().create(new BackendSpec("redis://" + user + ":secret@127.0.0.1:" + server.port(),
                Map.of()), PluginContext.defaults());
    }

    @Test
    @DisplayName("a stop push the server refuses (an ACL user that may BLPOP the stop keys but not RPUSH them) is not"
            + " silent: one WARNING naming the commands, the take is switched off; a later backend logs it at DEBUG")
    void aRefusedStopPushTurnsTheTakeOff() throws Exception {
        backend.close();
        // A selector lets BLPOP name the stop keys; nothing else may touch them (RPUSH, PEXPIRE: NOPERM).
        backend = limitedBackend("stopless", "(~q ~__sergeant__:{q}:* +blpop)");
        wakeups = backend.wakeupRole().orElseThrow();
        long noperm = RedisTestSupport.errorReplies(server, "NOPERM");
        try (Captured log = Captured.start()) {
            CompletableFuture<BackendWakeups.Awaited> waiting = waitFor("q");
            awaitBlocked();
            wakeups.wakeUp(); // the push is refused: the wait is cut
            BackendWakeups.Awaited awaited = waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
            assertThat(awaited.taken()).isEmpty();
            assertThat(awaited.popNow()).isFalse();
            assertThat(RedisTestSupport.errorReplies(server, "NOPERM") - noperm).as("the stop push refused").isPositive();
            assertThat(log.at(Level.WARNING)).singleElement().satisfies(m -> assertThat(m).contains("refused the stop")
                    .contains("NOPERM").contains("MULTI, EXEC, and RPUSH and PEXPIRE on '__sergeant__:{q}:stop:*'"));
            assertThat(server.command("KEYS", "*stop*")).as("nothing was pushed").isEmpty();

            // The take is off: the next wait blocks on the wake-up list alone (no BLPOP on q: a push only signals).
            noperm = RedisTestSupport.errorReplies(server, "NOPERM");
            CompletableFuture<BackendWakeups.Awaited> next = waitFor("q");
            awaitBlocked();
            backend.push("q", List.of(bytes("t")), Priority.NORMAL, null);
            BackendWakeups.Awaited woke = next.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
            assertThat(woke.taken()).isEmpty();
            assertThat(woke.popNow()).isTrue();
            assertThat(backend.pop("q", 10, DeliveryOptions.AT_MOST_ONCE)).extracting(Delivery::payload)
                    .containsExactly(bytes("t"));
            CompletableFuture<BackendWakeups.Awaited> third = waitFor("q");
            awaitBlocked();
            wakeups.wakeUp(); // a wait on the wake-up list is cut: no push
            assertThat(third.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS).taken()).isEmpty();
            assertThat(RedisTestSupport.errorReplies(server, "NOPERM")).as("no push tried").isEqualTo(noperm);

            // A new backend (a new worker run) for the same server, user and queue: refused again, logged at DEBUG.
            backend.close();
            backend = limitedBackend("stopless", "(~q ~__sergeant__:{q}:* +blpop)");
            wakeups = backend.wakeupRole().orElseThrow();
            CompletableFuture<BackendWakeups.Awaited> again = waitFor("q");
            awaitBlocked();
            wakeups.wakeUp();
            assertThat(again.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS).taken()).isEmpty();
            assertThat(log.at(Level.WARNING)).as("once per process").hasSize(1);
            assertThat(log.at(Level.FINE)).anySatisfy(m -> assertThat(m).contains("refused the stop"));
        }
    }

    @Test
    @DisplayName("MULTI refused but RPUSH allowed: the stop key is written all the same, so the wait ends on it (no cut);"
            + " the refusal is still logged and turns the take off")
    void aRefusedMultiStillEndsTheWaitOnItsStopKey() throws Exception {
        backend.close();
        backend = limitedBackend("nomulti", "~__sergeant__:{q}:stop:*", "-multi");
        wakeups = backend.wakeupRole().orElseThrow();
        try (Captured log = Captured.start()) {
            CompletableFuture<BackendWakeups.Awaited> waiting = waitFor("q");
            awaitBlocked();
            letTheStopPushComplete("q");
            long destroyed = node("q").pool().getDestroyedCount();
            wakeups.wakeUp();
            BackendWakeups.Awaited awaited = waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
            assertThat(awaited.taken()).isEmpty();
            assertThat(awaited.popNow()).isFalse();
            assertThat(node("q").pool().getDestroyedCount()).as("ended on its stop key, not cut").isEqualTo(destroyed);
            // The wait ends as soon as RPUSH ran; the push's thread logs when EXEC's answer came.
            log.await(Level.WARNING);
            assertThat(log.at(Level.WARNING)).singleElement().satisfies(m -> assertThat(m).contains("NOPERM")
                    .contains("'multi'"));
            assertThat(server.command("KEYS", "*stop*")).as("the wait read its stop key").isEmpty();
        }
        // The take is off: a push only signals the next wait.
        CompletableFuture<BackendWakeups.Awaited> next = waitFor("q");
        awaitBlocked();
        backend.push("q", List.of(bytes("t")), Priority.NORMAL, null);
        assertThat(next.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS).popNow()).isTrue();
    }

    @Test
    @DisplayName("wakeUp() again while the first stop push is on its way starts no second push (server frozen meanwhile)")
    void aRepeatedStopPushesOnce() throws Exception {
        CompletableFuture<BackendWakeups.Awaited> waiting = waitFor("q");
        awaitBlocked();
        letTheStopPushComplete("q");
        // Two idle connections, so a second push would not have to wait for one.
        JedisCompat.PooledNode node = node("q");
        try (Connection one = node.borrow(); Connection two = node.borrow()) {
            one.sendCommand(Protocol.Command.PING);
            two.sendCommand(Protocol.Command.PING);
            assertThat(one.getStatusCodeReply()).isEqualTo("PONG");
            assertThat(two.getStatusCodeReply()).isEqualTo("PONG");
        }
        Set<Long> before = pushThreads();
        String pid = server.command("INFO", "server").lines().filter(l -> l.startsWith("process_id:"))
                .map(l -> l.substring("process_id:".length()).trim()).findFirst().orElseThrow();
        signal("STOP", pid);
        Thread first = new Thread(wakeups::wakeUp, "first-stop");
        Thread second = new Thread(wakeups::wakeUp, "second-stop");
        Set<Long> started;
        try {
            first.start();
            awaitWaiting(first);
            second.start();
            awaitWaiting(second); // it joined the wait for the push (the old code started a second push first)
            started = pushThreads();
            started.removeAll(before);
        } finally {
            signal("CONT", pid);
        }
        first.join(PROMPT_MILLIS);
        second.join(PROMPT_MILLIS);
        assertThat(started).as("stop push threads started by the two calls").hasSize(1);
        BackendWakeups.Awaited awaited = waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
        assertThat(awaited.taken()).isEmpty();
        assertThat(awaited.popNow()).isFalse();
    }

    private static Set<Long> pushThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("sergeant-redis-stop-push"))
                .map(Thread::getId).collect(Collectors.toSet());
    }

    /** Waits until {@code thread} waits on a monitor with a timeout (wakeUp() waiting for a wait to end). */
    private static void awaitWaiting(Thread thread) throws InterruptedException {
        for (int i = 0; i < 800; i++) {
            if (thread.getState() == Thread.State.TIMED_WAITING) {
                return;
            }
            Thread.sleep(25);
        }
        throw new AssertionError(thread.getName() + " did not wait within 20 s: " + thread.getState());
    }

    @Test
    @DisplayName("a delayed task comes due while the wait blocks: the wait returns at its time (not before) to pop it")
    void aDelayedTaskComesDue() throws Exception {
        Instant due = Instant.now().plusMillis(1_200);
        backend.push("q", List.of(bytes("later")), Priority.NORMAL, due);
        long start = System.nanoTime();
        BackendWakeups.Awaited awaited = wakeups.awaitOrTake("q", 10, LONG, () -> false);
        Instant woke = Instant.now();
        assertThat(awaited.popNow()).isTrue();
        assertThat(awaited.taken()).isEmpty();
        assertThat(woke).as("not before its time (same clock, loopback)").isAfterOrEqualTo(due.minusMillis(5));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(LONG.dividedBy(3));
        assertThat(backend.pop("q", 10, DeliveryOptions.AT_MOST_ONCE)).extracting(Delivery::payload)
                .containsExactly(bytes("later"));
        System.out.printf("[idle take] the delayed task's wait ended %d ms after its time%n",
                Duration.between(due, woke).toMillis());
    }

    @Test
    @DisplayName("a delayed task pushed during the wait shortens it: the wait returns at the new due time")
    void aDelayedPushDuringTheWait() throws Exception {
        CompletableFuture<BackendWakeups.Awaited> waiting = waitFor("q");
        awaitBlocked();
        Instant due = Instant.now().plusMillis(800);
        backend.push("q", List.of(bytes("soon")), Priority.NORMAL, due);
        BackendWakeups.Awaited awaited = waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
        assertThat(Instant.now()).isAfterOrEqualTo(due.minusMillis(5));
        assertThat(awaited.popNow()).isTrue();
        assertThat(backend.pop("q", 10, DeliveryOptions.AT_MOST_ONCE)).extracting(Delivery::payload)
                .containsExactly(bytes("soon"));
    }

    @Test
    @DisplayName("with a pool of one connection (no second one for the stop push) the wait takes nothing and only signals")
    void aPoolOfOneDoesNotTake() throws Exception {
        open(Map.of("poolSize", "1"));
        CompletableFuture<BackendWakeups.Awaited> waiting = waitFor("q");
        awaitBlocked();
        // Pushed through another backend object: the wait holds this one's only connection.
        try (Backend producer = new RedisBackendFactory().create(new BackendSpec(server.uri(), Map.of()),
                PluginContext.defaults())) {
            producer.push("q", List.of(bytes("t")), Priority.NORMAL, null);
        }
        BackendWakeups.Awaited awaited = waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS);
        assertThat(awaited.taken()).isEmpty();
        assertThat(awaited.popNow()).isTrue();
        assertThat(server.command("LLEN", "q").trim()).isEqualTo("1");
    }
}
