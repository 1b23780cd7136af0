package io.sergeant.dashboard;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.WorkerStatus;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.spi.backend.Delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Puts a known state into a real backend through its broker and roles: ready, HIGH and delayed tasks,
 * dead letters with decodable payloads and reasons, and one worker record with a running task.
 */
final class Fixtures {

    /** A kwarg and a reason that would run script if a page did not escape them. */
    static final String HOSTILE = "<script>alert('x')</script>";

    private Fixtures() {
    }

    /** Pushes 3 ready tasks (the last HIGH), 1 delayed by an hour, and 2 dead letters (one hostile) to {@code queue}. */
    static void fill(Broker broker, String queue) {
        broker.pushTask(queue, Task.of(Map.of("to", "ann@example.com", "n", 1L), "trace-ann"), Priority.NORMAL, null);
        broker.pushTask(queue, Task.of(Map.of("to", "bob@example.com", "n", 2L)), Priority.NORMAL, null);
        broker.pushTask(queue, Task.of(Map.of("to", "vip@example.com", "n", 3L)), Priority.HIGH, null);
        broker.pushTask(queue, Task.of(Map.of("to", "later@example.com")), Priority.NORMAL,
                Instant.now().plus(Duration.ofHours(1)));
        deadLetter(broker, queue, Map.of("to", "dead@example.com", "attempt", 5L), "poison: SMTP refused 5 times");
        deadLetter(broker, queue, Map.of("html", HOSTILE), "poison: " + HOSTILE);
    }

    /** Stores a dead letter with this task's encoded payload, as a worker giving up on it would. */
    static void deadLetter(Broker broker, String queue, Map<String, Object> kwargs, String reason) {
        DefaultBroker real = (DefaultBroker) broker;
        byte[] payload = real.encoder().encode(Task.of(kwargs, "trace-dead"));
        real.backend().deadLetterRole().orElseThrow().deadLetter(queue, new Delivery(payload, null), reason);
    }

    /** Pushes this payload as it is, a NORMAL ready task (as a producer of another encoding, or a huge task, would). */
    static void pushRaw(Broker broker, String queue, byte[] payload) {
        ((DefaultBroker) broker).backend().push(queue, List.of(payload), Priority.NORMAL, null);
    }

    /** Stores a dead letter with this payload as it is (as a pop refusing an oversized payload would). */
    static void deadLetter(Broker broker, String queue, byte[] payload, String reason) {
        ((DefaultBroker) broker).backend().deadLetterRole().orElseThrow().deadLetter(queue, new Delivery(payload, null), reason);
    }

    /** Registers a live worker of {@code queue} running one task that started a minute ago. */
    static void worker(Broker broker, String queue) {
        worker(broker, queue, 17);
    }

    /** As {@link #worker(Broker, String)}, with this many tasks done (a later heartbeat of the same worker). */
    static void worker(Broker broker, String queue, long done) {
        Instant now = Instant.now();
        WorkerStatus status = new WorkerStatus("host-a:4242:" + queue + ":x1", "host-a", 4242, queue, "thread", 4,
                now.minus(Duration.ofMinutes(5)), now, done, 2,
                List.of(new WorkerStatus.RunningTask("", "trace-running", now.minus(Duration.ofMinutes(1)))),
                64L << 20, "0.1.0-test");
        ((DefaultBroker) broker).backend().monitoringRole().orElseThrow()
                .heartbeat(status.id(), status.encode(), Duration.ofMinutes(2));
    }
}
