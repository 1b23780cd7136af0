package io.sergeant.backend.redis;

import io.sergeant.api.Priority;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.BackendWakeups;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.DefaultJedisClientConfig;
import io.sergeant.spi.backend.DeliveryOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wake-up role on a real redis-server: a push ends a wait with {@code true}; {@code wakeUp()} ends a
 * wait in progress; and a stop flagged before the wait started ends it at once even though its
 * {@code wakeUp()} came before the wait and found nothing to cut (the race behind a 30 s stop in CI).
 * Waits are a minute long (in 9.5 s blocks under the default 10 s socket timeout), so a wait that returns
 * within the generous bounds below was ended by what the test did, not by its timeout.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisWakeupsTest {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final long PROMPT_MILLIS = 20_000;

    private RedisServerProcess server;
    private Backend backend;
    private BackendWakeups wakeups;

    @BeforeEach
    void start() {
        server = RedisServerProcess.start();
        backend = new RedisBackendFactory().create(new BackendSpec(server.uri(), Map.of()), PluginContext.defaults());
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

    @Test
    @DisplayName("a push ends a wait with true")
    void aPushEndsTheWait() throws Exception {
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> wakeups.awaitTasks("q", LONG));
        Thread.sleep(300);
        backend.push("q", List.of("t".getBytes(StandardCharsets.UTF_8)), Priority.NORMAL, null);
        assertThat(waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    @DisplayName("wakeUp() ends a wait in progress with false")
    void wakeUpEndsAWaitInProgress() throws Exception {
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> wakeups.awaitTasks("q", LONG));
        Thread.sleep(500);
        wakeups.wakeUp();
        assertThat(waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS)).isFalse();
    }

    @Test
    @DisplayName("a stop flagged before the wait, whose wakeUp() came too early, ends the wait at once")
    void aStopBeforeTheWaitIsNotMissed() throws Exception {
        AtomicBoolean stopping = new AtomicBoolean();
        // As core stops: the flag first, then wakeUp(), here before any wait has started.
        stopping.set(true);
        wakeups.wakeUp();
        long start = System.nanoTime();
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> wakeups.awaitTasks("q", LONG, stopping::get));
        assertThat(waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(LONG.dividedBy(3));
    }

    @Test
    @DisplayName("a connection a stop cut is never lent out again: later commands keep their password and database")
    void aCutConnectionIsNotLentOut() throws Exception {
        try (RedisServerProcess secured = RedisServerProcess.start("--requirepass", "pw");
             Backend db5 = new RedisBackendFactory().create(
                     new BackendSpec("redis://:pw@127.0.0.1:" + secured.port() + "/5", Map.of()), PluginContext.defaults())) {
            BackendWakeups waits = db5.wakeupRole().orElseThrow();
            // The stop lands inside the wait's last check before its BLPOP (the flag's second read; the first is
            // the wait's loop), on the waiting thread: wakeUp() cuts the registered connection, and the wait
            // ends without sending. The cut connection must not be lent out again: Jedis would send the next
            // command on a fresh socket without AUTH and SELECT (NOAUTH here, database 0 without a password).
            // This holds because Jedis' disconnect() marks the connection broken, so the pool destroys it on
            // return; the test guards that (the late cut, after the return, is what Blocked.ended prevents).
            AtomicInteger reads = new AtomicInteger();
            assertThat(waits.awaitTasks("q", LONG, () -> {
                if (reads.incrementAndGet() == 2) {
                    waits.wakeUp();
                }
                return false;
            })).isFalse();
            assertThat(reads.get()).as("the flag was read in the last check before the BLPOP").isGreaterThanOrEqualTo(2);
            for (int i = 0; i < 20; i++) {
                db5.push("after", List.of(("t" + i).getBytes(StandardCharsets.UTF_8)), Priority.NORMAL, null);
            }
            try (Jedis admin = new Jedis(new HostAndPort("127.0.0.1", secured.port()),
                    DefaultJedisClientConfig.builder().password("pw").build())) {
                assertThat(admin.dbSize()).as("keys in database 0").isZero();
                admin.select(5);
                assertThat(admin.dbSize()).as("keys in database 5").isPositive();
            }
            assertThat(db5.pop("after", 100, DeliveryOptions.AT_MOST_ONCE)).hasSize(20);
        }
    }

    @Test
    @DisplayName("a flag raised during a wait ends it at the wakeUp() that follows")
    void aStopDuringTheWaitEndsIt() throws Exception {
        AtomicBoolean stopping = new AtomicBoolean();
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> wakeups.awaitTasks("q", LONG, stopping::get));
        Thread.sleep(500);
        stopping.set(true);
        wakeups.wakeUp();
        assertThat(waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS)).isFalse();
    }

    @Test
    @DisplayName("a stop landing between the wait's last look at the flag and the sending of its BLPOP ends the wait")
    void aStopJustBeforeTheBlpopIsNotMissed() throws Exception {
        // One block as long as the wait (socket timeout 90 s): a BLPOP the stop missed outlasts the bound below.
        backend.close();
        backend = new RedisBackendFactory().create(new BackendSpec(server.uri(), Map.of("timeout", "90s")),
                PluginContext.defaults());
        wakeups = backend.wakeupRole().orElseThrow();
        AtomicBoolean stopping = new AtomicBoolean();
        AtomicReference<Thread> stopper = new AtomicReference<>();
        BooleanSupplier flag = () -> {
            boolean value = stopping.get();
            if (!value && stopper.get() == null && readBeforeTheBlpop()) {
                // The stop lands right after this read (the last before the BLPOP goes out), from another thread
                // as requestStop() does it: the flag, then wakeUp(). The read goes on once the stopper is done,
                // or blocked (the wait may hold off a cut until its BLPOP is sent: then the cut ends the BLPOP).
                Thread thread = new Thread(() -> {
                    stopping.set(true);
                    wakeups.wakeUp();
                }, "stopper");
                stopper.set(thread);
                thread.start();
                awaitDoneOrBlocked(thread);
            }
            return value;
        };
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> wakeups.awaitTasks("q", LONG, flag));
        // Before the fix Jedis reconnected the cut connection when the BLPOP was sent: it blocked a minute on a
        // socket no wakeUp() would cut.
        assertThat(waiting.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(stopper.get()).as("the stop was made to land just before the BLPOP").isNotNull();
        stopper.get().join(PROMPT_MILLIS);
        // The connection the stop cut is not handed out again: the next wait blocks, and a push ends it.
        CompletableFuture<Boolean> next = CompletableFuture.supplyAsync(() -> wakeups.awaitTasks("q", LONG));
        Thread.sleep(300);
        backend.push("q", List.of("t".getBytes(StandardCharsets.UTF_8)), Priority.NORMAL, null);
        assertThat(next.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
    }

    /** Whether the flag is read by RedisWakeups.block, i.e. after the connection to cut is registered. */
    private static boolean readBeforeTheBlpop() {
        return StackWalker.getInstance().walk(frames -> frames.anyMatch(frame ->
                frame.getClassName().equals(RedisWakeups.class.getName()) && frame.getMethodName().equals("block")));
    }

    private static void awaitDoneOrBlocked(Thread thread) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() - end < 0) {
            Thread.State state = thread.getState();
            if (state == Thread.State.TERMINATED || state == Thread.State.BLOCKED || state == Thread.State.WAITING) {
                return;
            }
            Thread.onSpinWait();
        }
    }
}
