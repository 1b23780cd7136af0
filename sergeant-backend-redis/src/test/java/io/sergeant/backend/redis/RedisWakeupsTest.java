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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wake-up role on a real redis-server: a push ends a wait with {@code true}; {@code wakeUp()} ends a
 * wait in progress; and a stop flagged before the wait started ends it at once even though its
 * {@code wakeUp()} came before the wait and found nothing to cut (the race behind a 30 s stop in CI).
 * Waits are a minute long (under the 5 s socket timeout's 4.5 s blocks), so a wait that returns within
 * the generous bounds below was ended by what the test did, not by its timeout.
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
}
