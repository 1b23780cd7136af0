package io.sergeant.backend.redis;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.PopPipeline;
import io.sergeant.testkit.servers.RedisFaultProxy;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.sergeant.backend.redis.RedisTestSupport.bytes;
import static io.sergeant.backend.redis.RedisTestSupport.open;
import static io.sergeant.backend.redis.RedisTestSupport.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The pipelined at-most-once pop ({@link RedisPopPipeline}; docs/decisions.md, "Pipelined at-most-once pop") on real
 * redis-server processes: while the queue drains, the {@code LPOP} runs on the server at the send, before the reply
 * is read (the list is shorter before {@link PopPipeline#receive}); otherwise the send is deferred to an ordinary pop;
 * a reply cut half-way keeps what was read whole and the connection never returns to the pool; a server killed with
 * a pop in flight fails the receive with a clear error, and the pipeline works again once it is back; a pipeline
 * closed with a pop in flight hands its tasks back; several nodes and a pool of one get no pipeline. No assertion
 * depends on timing.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RedisPopPipelineTest {

    private static final int PAYLOAD = 100;
    private static final int ELEMENT = 6 + PAYLOAD + 2;
    /** {@code *10\r\n} */
    private static final int HEADER = 5;
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    @Test
    @DisplayName("while draining, the LPOP runs at the send, before the reply is read; the deliveries are those of a pop")
    void theSendPopsAndTheReceiveReads() {
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of())) {
            RedisTestSupport.startDraining(backend);
            backend.push("jobs", tasks(25), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).hasSize(10); // the script: draining
            long sentBefore = RedisPopPipeline.SENT_AHEAD.get();
            List<String> got = new ArrayList<>();
            try (PopPipeline pipeline = backend.popPipeline("jobs").orElseThrow()) {
                pipeline.send(10);
                assertThat(pipeline.inFlight()).isTrue();
                // The server runs the LPOP while the caller does other work: the list shrinks before any read.
                awaitLength(server, "jobs", 5);
                pipeline.receive().forEach(d -> got.add(text(d.payload()).trim()));
                assertThat(pipeline.inFlight()).isFalse();
                pipeline.send(10); // short: 5 left, the queue ran dry; the next is the script again
                pipeline.receive().forEach(d -> got.add(text(d.payload()).trim()));
                pipeline.send(10); // not draining: deferred to an ordinary pop, nothing sent ahead
                assertThat(pipeline.receive()).isEmpty();
            }
            assertThat(got).containsExactlyElementsOf(IntStream.range(10, 25).mapToObj(i -> "t-" + i).toList());
            assertThat(RedisPopPipeline.SENT_AHEAD.get() - sentBefore).as("pops written ahead").isEqualTo(2);
        }
    }

    @Test
    @DisplayName("a send is deferred while the queue is not draining: the list is untouched until the receive pops;"
            + " a send of fewer than one task is refused (IllegalArgumentException), one with a pop in flight too"
            + " (IllegalStateException, checked first)")
    void aSendIsDeferredWhenNotDraining() {
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of())) {
            backend.push("jobs", tasks(5), Priority.NORMAL, null);
            long sentBefore = RedisPopPipeline.SENT_AHEAD.get();
            try (PopPipeline pipeline = backend.popPipeline("jobs").orElseThrow()) {
                assertThatThrownBy(() -> pipeline.send(0)).isInstanceOf(IllegalArgumentException.class);
                assertThat(pipeline.inFlight()).as("a refused send leaves no pop in flight").isFalse();
                pipeline.send(10);
                assertThatThrownBy(() -> pipeline.send(0)).isInstanceOf(IllegalStateException.class);
                assertThat(server.command("LLEN", "jobs")).isEqualTo("5");
                assertThat(pipeline.receive()).hasSize(5);
                assertThatThrownBy(pipeline::receive).isInstanceOf(IllegalStateException.class);
            }
            assertThat(RedisPopPipeline.SENT_AHEAD.get() - sentBefore).isZero();
        }
    }

    @Test
    @DisplayName("a reply cut half-way: the payloads read whole are returned, the connection is dropped, not pooled,"
            + " and the pipeline goes on in step")
    void aCutReplyDropsTheConnection() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             RedisFaultProxy proxy = new RedisFaultProxy(server.port());
             Backend backend = open(proxy.uri(), Map.of("timeout", "5s"))) {
            RedisTestSupport.startDraining(backend);
            backend.push("jobs", tasks(40), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).hasSize(10);
            try (RedisPopPipeline pipeline = (RedisPopPipeline) backend.popPipeline("jobs").orElseThrow()) {
                long destroyed = pipeline.node().pool().getDestroyedCount();
                proxy.arm("LPOP", HEADER + 3 * ELEMENT + 50, RedisFaultProxy.Fault.CUT);
                pipeline.send(10);
                List<Delivery> cut = pipeline.receive();
                assertThat(proxy.fired()).as("the proxy cut the reply").isTrue();
                assertThat(cut).extracting(d -> text(d.payload()).trim()).containsExactly("t-10", "t-11", "t-12");
                assertThat(pipeline.node().pool().getDestroyedCount() - destroyed)
                        .as("the connection left inside the reply was destroyed").isPositive();
                assertThat(pipeline.node().pool().getNumIdle()).as("idle connections after the cut: none was pooled")
                        .isZero();
                assertThat(pipeline.node().pool().getNumActive()).as("connections still lent out").isZero();
                List<String> after = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    pipeline.send(10);
                    pipeline.receive().forEach(d -> after.add(text(d.payload()).trim()));
                }
                assertThat(after).as("t-13 to t-19 went with the cut reply; the rest comes in order")
                        .containsExactlyElementsOf(IntStream.range(20, 40).mapToObj(i -> "t-" + i).toList());
            }
        }
    }

    @Test
    @DisplayName("the server killed with a pop in flight: the receive fails at once naming the cut LPOP, nothing hangs,"
            + " and the pipeline pops again once the server is back")
    void aServerKilledMidPipeline() {
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of("timeout", "5s"))) {
            RedisTestSupport.startDraining(backend);
            backend.push("jobs", tasks(30), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).hasSize(10);
            try (RedisPopPipeline pipeline = (RedisPopPipeline) backend.popPipeline("jobs").orElseThrow()) {
                // Killed before the send: the pooled connection's LPOP goes to a dead socket and is never answered.
                server.kill();
                pipeline.send(10);
                long start = System.nanoTime();
                SergeantException failed = catchThrowableOfType(SergeantException.class, pipeline::receive);
                assertThat(System.nanoTime() - start).as("the failed receive did not hang").isLessThan(WAIT_NANOS);
                assertThat(failed).as("the receive after the kill").isNotNull();
                assertThat(failed.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                assertThat(failed.getMessage()).as("names the pop").contains("pop");
                assertThat(pipeline.inFlight()).isFalse();
                assertThat(pipeline.node().pool().getNumActive()).as("connections still lent out").isZero();

                server.restart();
                backend.push("jobs", tasks(20), Priority.NORMAL, null);
                List<Delivery> again = new ArrayList<>();
                for (int i = 0; i < 3 && again.size() < 20; i++) {
                    // The first pop after the failure is the script (no longer draining), then plain ones again.
                    pipeline.send(10);
                    try {
                        again.addAll(pipeline.receive());
                    } catch (SergeantException e) {
                        // A pooled connection of before the kill may fail once more; the next one is fresh.
                    }
                }
                assertThat(again).extracting(d -> text(d.payload()).trim())
                        .containsExactlyElementsOf(IntStream.range(0, 20).mapToObj(i -> "t-" + i).toList());
            }
        }
    }

    @Test
    @DisplayName("a pipeline closed with a pop in flight reads it and hands its tasks back, first in the queue")
    void closingWithAPopInFlightHandsItBack() {
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of())) {
            RedisTestSupport.startDraining(backend);
            backend.push("jobs", tasks(30), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).hasSize(10);
            PopPipeline pipeline = backend.popPipeline("jobs").orElseThrow();
            pipeline.send(10);
            awaitLength(server, "jobs", 10);
            pipeline.close();
            pipeline.close();
            assertThat(server.command("LLEN", "jobs")).isEqualTo("20");
            List<Delivery> all = backend.pop("jobs", 20, DeliveryOptions.AT_MOST_ONCE);
            assertThat(all).extracting(d -> text(d.payload()).trim()).hasSize(20)
                    .containsExactlyInAnyOrderElementsOf(IntStream.range(10, 30).mapToObj(i -> "t-" + i).toList());
            assertThatThrownBy(() -> pipeline.send(1)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    @DisplayName("no pipeline on several nodes or with a pool of one connection")
    void noPipelineOnSeveralNodesOrAPoolOfOne() {
        try (RedisServerProcess first = RedisServerProcess.start();
             RedisServerProcess second = RedisServerProcess.start();
             Backend two = open(first.uri() + "," + second.uri(), Map.of());
             Backend poolOfOne = open(first.uri(), Map.of("poolSize", "1"));
             Backend one = open(first.uri(), Map.of())) {
            assertThat(two.popPipeline("jobs")).isEmpty();
            assertThat(poolOfOne.popPipeline("jobs")).isEmpty();
            assertThat(one.popPipeline("jobs")).isPresent();
        }
    }

    private static void awaitLength(RedisServerProcess server, String key, long length) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (Long.parseLong(server.command("LLEN", key)) != length) {
            assertThat(System.nanoTime() - deadline).as("LLEN %s reached %d", key, length).isNegative();
            Thread.onSpinWait();
        }
    }

    private static List<byte[]> tasks(int n) {
        return IntStream.range(0, n).mapToObj(i -> bytes(String.format("%-" + PAYLOAD + "s", "t-" + i))).toList();
    }
}
