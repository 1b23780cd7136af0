package io.sergeant.backend.redis;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.testkit.servers.RedisFaultProxy;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.sergeant.backend.redis.RedisTestSupport.bytes;
import static io.sergeant.backend.redis.RedisTestSupport.calls;
import static io.sergeant.backend.redis.RedisTestSupport.open;
import static io.sergeant.backend.redis.RedisTestSupport.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The reply of a pop cut or stalled half-way, between a real redis-server and the backend, by a loopback
 * proxy ({@link RedisFaultProxy}) that forwards everything until the pop's command passes, then forwards only part of
 * its reply and closes the connection, or goes on one byte a second (below the read timeout, so the
 * socket's timeout alone never fires). At-most-once ({@link BoundedPop}): the pop ends within about the read
 * timeout, returns the tasks read whole before the cut (the {@code LPOP} took the whole batch off the list)
 * and only the rest of the batch is lost, as docs/guarantees.md says. At-least-once: the tasks of the cut
 * reply stay leased and come back once the lease expires; none is lost.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CutPopReplyTest {

    /** Every payload is 100 bytes, so an LPOP reply element is {@code $100\r\n} + 100 + {@code \r\n}. */
    private static final int PAYLOAD = 100;
    private static final int ELEMENT = 6 + PAYLOAD + 2;
    /** {@code *10\r\n} */
    private static final int HEADER = 5;

    @Test
    @DisplayName("at-most-once: a plain pop whose reply is cut after three payloads returns those three, and only the"
            + " other seven of the batch are lost")
    void aCutPlainPopReturnsThePayloadsReadWhole() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             RedisFaultProxy proxy = new RedisFaultProxy(server.port());
             Backend backend = open(proxy.uri(), Map.of("timeout", "5s"))) {
            RedisTestSupport.startDraining(backend);
            backend.push("jobs", tasks(30), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).hasSize(10); // the script: draining
            long plain = calls(server, "lpop");

            proxy.arm("LPOP", HEADER + 3 * ELEMENT + 50, RedisFaultProxy.Fault.CUT);
            List<Delivery> cut = backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE);

            assertThat(calls(server, "lpop") - plain).as("the cut pop was a plain LPOP").isEqualTo(1);
            assertThat(proxy.fired()).as("the proxy cut the reply").isTrue();
            assertThat(cut).extracting(d -> text(d.payload()).trim()).as("the payloads read whole before the cut")
                    .containsExactly("t-10", "t-11", "t-12");
            List<String> after = new ArrayList<>();
            List<Delivery> popped;
            while (!(popped = backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).isEmpty()) {
                popped.forEach(d -> after.add(text(d.payload()).trim()));
            }
            assertThat(after).as("what the queue gives after it: t-13 to t-19 went with the cut reply")
                    .containsExactlyElementsOf(IntStream.range(20, 30).mapToObj(i -> "t-" + i).toList());
        }
    }

    @Test
    @DisplayName("at-most-once: a plain pop whose reply trickles in a byte a second ends within about the read timeout,"
            + " returning the payloads read whole; with nothing read whole it fails naming the loss")
    void aTricklingPlainPopEndsAtItsDeadline() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             RedisFaultProxy proxy = new RedisFaultProxy(server.port());
             Backend backend = open(proxy.uri(), Map.of("timeout", "3s"))) {
            RedisTestSupport.startDraining(backend);
            backend.push("jobs", tasks(50), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).hasSize(10);

            proxy.arm("LPOP", HEADER + 2 * ELEMENT + 10, RedisFaultProxy.Fault.TRICKLE);
            long start = System.nanoTime();
            List<Delivery> slow = backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            // Without a deadline the reply's 850 bytes left would take 850 s at a byte a second.
            assertThat(seconds).as("seconds the trickling pop took (read timeout 3 s)").isLessThan(60);
            assertThat(slow).extracting(d -> text(d.payload()).trim()).containsExactly("t-10", "t-11");

            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).as("a full pop by the script: draining again")
                    .hasSize(10);
            proxy.arm("LPOP", 3, RedisFaultProxy.Fault.TRICKLE);
            start = System.nanoTime();
            SergeantException failed = catchThrowableOfType(SergeantException.class,
                    () -> backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE));
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(60);
            assertThat(failed).as("a pop with nothing read whole").isNotNull();
            assertThat(failed.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
            assertThat(failed.getMessage()).contains("at-most-once pop from queue 'jobs'", "within 3000 ms",
                    "are lost", "use at-least-once delivery");
        }
    }

    @Test
    @DisplayName("at-least-once: a pop whose reply is cut leaves its tasks leased; they come back once the lease expired")
    void aCutLeasedPopLosesNothing() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             RedisFaultProxy proxy = new RedisFaultProxy(server.port());
             Backend backend = open(proxy.uri(), Map.of("timeout", "5s"))) {
            DeliveryOptions leased = DeliveryOptions.leased(Duration.ofSeconds(2), 5);
            BackendLeases leases = backend.leaseRole().orElseThrow();
            assertThat(backend.pop("jobs", 5, leased)).isEmpty(); // the script is cached: the next pop is one EVALSHA
            List<byte[]> pushed = tasks(5);
            backend.push("jobs", pushed, Priority.NORMAL, null);

            proxy.arm("EVALSHA", 40, RedisFaultProxy.Fault.CUT);
            SergeantException failed = catchThrowableOfType(SergeantException.class, () -> backend.pop("jobs", 5, leased));
            assertThat(proxy.fired()).as("the proxy cut the reply").isTrue();
            assertThat(failed).as("the leased pop whose reply was cut").isNotNull();
            assertThat(backend.stats("jobs").inFlight()).as("tasks leased by the cut pop").isEqualTo(5);

            List<Delivery> again = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (again.size() < 5 && System.nanoTime() < deadline) {
                leases.reap("jobs", 5);
                again.addAll(backend.pop("jobs", 5, leased));
                Thread.sleep(100);
            }
            assertThat(again).extracting(d -> text(d.payload()).trim()).as("the tasks of the cut pop, delivered again")
                    .containsExactlyInAnyOrder("t-0", "t-1", "t-2", "t-3", "t-4");
            assertThat(again).allSatisfy(d -> assertThat(d.receipt().deliveryCount()).isEqualTo(2));
            assertThat(leases.ack("jobs", again.stream().map(Delivery::receipt).toList()).settled()).isEqualTo(5);
        }
    }

    /** {@code n} payloads {@code t-<i>}, padded with spaces to {@value #PAYLOAD} bytes. */
    private static List<byte[]> tasks(int n) {
        return IntStream.range(0, n).mapToObj(i -> bytes(String.format("%-" + PAYLOAD + "s", "t-" + i))).toList();
    }
}
