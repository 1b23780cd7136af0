package io.sergeant.backend.mongo;

import io.sergeant.api.Priority;
import io.sergeant.spi.backend.BackendWakeups;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pickup on the in-process server, which has no change streams (docs/decisions.md "MongoDB pickup:
 * in-process wake-ups and bounded polling"): an idle wait sends nothing and fails nothing, and what
 * this JVM does to the queue wakes it. Bounds on how long a wake-up takes are loose on purpose (a
 * busy machine); bounds on how early are exact.
 */
class MongoWakeupsTest {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final long PROMPT_MILLIS = 10_000;

    private static InProcessMongo server;

    private MongoBackend worker;
    private MongoBackend producer;
    private BackendWakeups wakeups;
    private String queue;

    @BeforeAll
    static void startServer() {
        server = new InProcessMongo();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void open() {
        worker = MongoBackend.connect(server.uri(), MongoLayout.DEFAULT_DATABASE, Clock.systemUTC());
        producer = MongoBackend.connect(server.uri(), MongoLayout.DEFAULT_DATABASE, Clock.systemUTC());
        wakeups = worker.wakeupRole().orElseThrow();
        queue = "q-" + UUID.randomUUID();
    }

    @AfterEach
    void close() {
        worker.close();
        producer.close();
    }

    @Test
    @DisplayName("an idle wait sends no command, so a server without change streams sees no failure; polling stays core's pollInterval")
    void idleWaitSendsNothing() {
        server.resetCounts();

        assertThat(wakeups.awaitTasks(queue, Duration.ofMillis(300))).isFalse();

        assertThat(server.commands()).isEmpty();
        assertThat(server.failures()).isEmpty();
        assertThat(wakeups.fallbackPoll()).isZero();
    }

    @Test
    @DisplayName("a push through another backend object of this JVM wakes the waiting worker at once")
    void pushWakesTheWaiter() throws Exception {
        CompletableFuture<Boolean> waited = waitInBackground();

        producer.push(queue, List.of(bytes("t")), Priority.NORMAL, null);

        assertThat(waited.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(worker.pop(queue, 1, DeliveryOptions.AT_MOST_ONCE)).hasSize(1);
    }

    @Test
    @DisplayName("a hand-back makes its task deliverable again and wakes the waiting worker")
    void handBackWakesTheWaiter() throws Exception {
        producer.push(queue, List.of(bytes("t")), Priority.NORMAL, null);
        List<Delivery> held = producer.pop(queue, 1, DeliveryOptions.leased(LONG, 3));
        CompletableFuture<Boolean> waited = waitInBackground();

        producer.leaseRole().orElseThrow().handBack(queue, List.of(held.get(0).receipt()));

        assertThat(waited.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    @DisplayName("a delayed push of this JVM wakes the waiting worker at its due time, not before")
    void delayedPushWakesAtItsDueTime() throws Exception {
        CompletableFuture<Boolean> waited = waitInBackground();
        Instant due = Instant.ofEpochMilli(System.currentTimeMillis() + 400);

        producer.push(queue, List.of(bytes("later")), Priority.NORMAL, due);

        assertThat(waited.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(Instant.now()).isAfterOrEqualTo(due);
        assertThat(worker.pop(queue, 1, DeliveryOptions.AT_MOST_ONCE)).hasSize(1);
    }

    @Test
    @DisplayName("a pop covers the due times before it, so the next wait does not wake for them again")
    void popCoversPastDueTimes() throws Exception {
        producer.push(queue, List.of(bytes("later")), Priority.NORMAL, Instant.now().plusMillis(100));
        Thread.sleep(300);
        assertThat(worker.pop(queue, 5, DeliveryOptions.AT_MOST_ONCE)).hasSize(1);

        assertThat(wakeups.awaitTasks(queue, Duration.ofMillis(300))).isFalse();
    }

    @Test
    @DisplayName("wakeUp ends a wait in progress with false")
    void wakeUpEndsTheWait() throws Exception {
        CompletableFuture<Boolean> waited = waitInBackground();
        Thread.sleep(100);

        wakeups.wakeUp();

        assertThat(waited.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS)).isFalse();
    }

    @Test
    @DisplayName("a stop flagged before the wait, whose wakeUp() came too early, ends the wait at once")
    void aStopBeforeTheWaitIsNotMissed() throws Exception {
        AtomicBoolean stopping = new AtomicBoolean(true); // as core stops: the flag, then wakeUp()
        wakeups.wakeUp();
        CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(() -> wakeups.awaitTasks(queue, LONG, stopping::get));
        assertThat(waited.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS)).isFalse();
    }

    /** A wait of a minute on another thread, started before this returns. */
    private CompletableFuture<Boolean> waitInBackground() throws InterruptedException {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        Thread waiter = new Thread(() -> result.complete(wakeups.awaitTasks(queue, LONG)), "waiter");
        waiter.setDaemon(true);
        waiter.start();
        while (waiter.getState() != Thread.State.TIMED_WAITING && !result.isDone()) {
            Thread.sleep(5);
        }
        return result;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
