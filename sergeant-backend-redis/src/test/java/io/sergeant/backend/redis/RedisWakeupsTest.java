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
