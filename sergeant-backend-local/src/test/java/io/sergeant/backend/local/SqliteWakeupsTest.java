package io.sergeant.backend.local;

import io.sergeant.api.Priority;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.BackendWakeups;
import io.sergeant.spi.backend.DeliveryOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pickup without polling on SQLite: a push in this JVM (through another backend object on the same
 * file) wakes a waiting worker, a delayed task wakes it at its due time, {@code wakeUp()} ends a wait.
 * Waits are 30 s long, so a wait that returns within the assertion's generous bound was woken.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqliteWakeupsTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private LocalBackend open() {
        return LocalBackend.open(LocalSettings.from(new BackendSpec("sqlite:" + dir.resolve("q.db"), Map.of())),
                Clock.systemUTC());
    }

    @Test
    @DisplayName("a push through another backend object of the JVM wakes the wait; a delayed task at its time")
    void pushAndDueTimeWakeTheWait() throws Exception {
        try (LocalBackend worker = open(); LocalBackend producer = open()) {
            BackendWakeups wakeups = worker.wakeupRole().orElseThrow();
            assertThat(wakeups.awaitTasks("q", Duration.ofMillis(50))).as("nothing to wait for").isFalse();

            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> wakeups.awaitTasks("q", LONG));
            Thread.sleep(300);
            producer.push("q", List.of(bytes("now")), Priority.NORMAL, null);
            assertThat(waiting.get(15, TimeUnit.SECONDS)).isTrue();
            assertThat(worker.pop("q", 10, DeliveryOptions.AT_MOST_ONCE)).hasSize(1);

            Instant due = Instant.now().plusMillis(800);
            producer.push("q", List.of(bytes("later")), Priority.NORMAL, due);
            assertThat(worker.pop("q", 10, DeliveryOptions.AT_MOST_ONCE)).as("not due yet").isEmpty();
            assertThat(wakeups.awaitTasks("q", LONG)).as("woken at the due time, read from the file").isTrue();
            assertThat(Instant.now()).isAfterOrEqualTo(due.minusMillis(2));
            assertThat(worker.pop("q", 10, DeliveryOptions.AT_MOST_ONCE)).hasSize(1);
        }
    }

    @Test
    @DisplayName("wakeUp() ends a wait at once with false")
    void wakeUpEndsTheWait() throws Exception {
        try (LocalBackend worker = open()) {
            BackendWakeups wakeups = worker.wakeupRole().orElseThrow();
            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> wakeups.awaitTasks("q", LONG));
            Thread.sleep(300);
            wakeups.wakeUp();
            assertThat(waiting.get(15, TimeUnit.SECONDS)).isFalse();
        }
    }

    @Test
    @DisplayName("a stop flagged before the wait, whose wakeUp() came too early, ends the wait at once")
    void aStopBeforeTheWaitIsNotMissed() throws Exception {
        try (LocalBackend worker = open()) {
            BackendWakeups wakeups = worker.wakeupRole().orElseThrow();
            AtomicBoolean stopping = new AtomicBoolean(true); // as core stops: the flag, then wakeUp()
            wakeups.wakeUp();
            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> wakeups.awaitTasks("q", LONG, stopping::get));
            assertThat(waiting.get(15, TimeUnit.SECONDS)).isFalse();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
