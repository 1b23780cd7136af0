package io.sergeant.backend.redis;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.Priority;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.testkit.servers.RedisFaultProxy;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.util.RedisInputStream;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.sergeant.backend.redis.RedisTestSupport.bytes;
import static io.sergeant.backend.redis.RedisTestSupport.open;
import static io.sergeant.backend.redis.RedisTestSupport.text;
import static io.sergeant.backend.redis.RedisTestSupport.calls;
import static io.sergeant.backend.redis.RedisTestSupport.concat;
import static io.sergeant.backend.redis.RedisTestSupport.startDraining;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Attacks on the at-most-once plain pop ({@link BoundedPop}, {@code RedisQueue.popPlain}) on real
 * redis-server processes: small pools and concurrent pops with oversized payloads, a reply cut or stalled
 * in the middle (through a {@link RedisFaultProxy}), dead-letter keys of another type, the payload sizes at
 * the edges and hostile reply bytes. Each test names what it guards.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PlainPopAttackTest {

    @Test
    @DisplayName("guards: a burial needs no second connection (a pool of one buried nothing and waited its whole timeout)")
    void aPoolOfOneBuriesOversizedPayloads() {
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of("maxPayloadSize", "1000", "poolSize", "1", "timeout", "2s"))) {
            startDraining(backend);
            byte[] big = filled(3 * BoundedPop.CHUNK + 5, 1);
            byte[] small = filled(5000, 2);
            backend.push("jobs", List.of(bytes("a"), big, bytes("b"), small, bytes("c")), Priority.NORMAL, null);
            long lpops = calls(server, "lpop");
            assertThat(backend.pop("jobs", 5, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .containsExactly("a", "b", "c");
            assertThat(calls(server, "lpop")).as("the pop was plain").isEqualTo(lpops + 1);
            List<DeadLetter> dead = backend.deadLetterRole().orElseThrow().deadLetters("jobs", 10);
            assertThat(dead).extracting(DeadLetter::payload).containsExactly(big, small);
            assertThat(server.command("KEYS", "*oversized*")).isEmpty();
            backend.push("jobs", List.of(bytes("d")), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 5, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload())).containsExactly("d");
        }
    }

    @Test
    @DisplayName("guards: four threads popping one draining queue through a pool of two get every task once, each pop in order")
    void concurrentPopsTakeEveryTaskOnce() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of("maxPayloadSize", "2000", "poolSize", "2", "timeout", "5s"))) {
            int tasks = 20_000;
            List<byte[]> payloads = new ArrayList<>();
            for (int i = 0; i < tasks; i++) {
                payloads.add(i % 997 == 0 ? concat(bytes("big-" + i + ":"), new byte[3000]) : bytes("t-" + i));
            }
            backend.push("jobs", payloads, Priority.NORMAL, null);
            Map<Integer, Boolean> seen = new ConcurrentHashMap<>();
            List<String> problems = Collections.synchronizedList(new ArrayList<>());
            ExecutorService pool = Executors.newFixedThreadPool(4);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> {
                    go.await();
                    List<Delivery> popped;
                    while (!(popped = backend.pop("jobs", 100, DeliveryOptions.AT_MOST_ONCE)).isEmpty()) {
                        int last = -1;
                        for (Delivery d : popped) {
                            int i = Integer.parseInt(text(d.payload()).substring(2));
                            if (i <= last) {
                                problems.add("out of order within a pop: " + i + " after " + last);
                            }
                            last = i;
                            if (seen.put(i, Boolean.TRUE) != null) {
                                problems.add("twice: " + i);
                            }
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> run : runs) {
                run.get(100, TimeUnit.SECONDS);
            }
            pool.shutdown();
            int oversized = (int) IntStream.range(0, tasks).filter(i -> i % 997 == 0).count();
            assertThat(problems).isEmpty();
            assertThat(seen).hasSize(tasks - oversized);
            assertThat(backend.deadLetterRole().orElseThrow().deadLetters("jobs", 100)).hasSize(oversized);
            assertThat(calls(server, "lpop")).as("plain pops ran").isGreaterThan(10);
            assertThat(server.command("KEYS", "*oversized*")).isEmpty();
        }
    }

    @Test
    @DisplayName("guards: a connection cut inside a plain pop's reply returns the payloads read whole, in order, and the"
            + " next pop works")
    void aReplyCutInTheMiddleReturnsWhatWasReadWholeAndTheNextPopWorks() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             RedisFaultProxy proxy = new RedisFaultProxy(server.port());
             Backend backend = open(proxy.uri(), Map.of("timeout", "2s", "poolSize", "2"))) {
            startDraining(backend);
            backend.push("jobs", IntStream.range(0, 300).mapToObj(i -> concat(bytes("p-" + i + ":"), new byte[10_000])).toList(),
                    Priority.NORMAL, null);
            backend.push("jobs", List.of(bytes("x-1"), bytes("x-2")), Priority.NORMAL, null);
            proxy.arm("LPOP", 500_000, RedisFaultProxy.Fault.CUT);
            List<Delivery> cut = backend.pop("jobs", 300, DeliveryOptions.AT_MOST_ONCE);
            assertThat(cut).as("the payloads read whole before the cut (about 49 of 10 KB)").isNotEmpty().hasSizeLessThan(300);
            for (int i = 0; i < cut.size(); i++) {
                assertThat(text(cut.get(i).payload())).startsWith("p-" + i + ":");
            }
            // The rest of the 300 were popped (at-most-once: lost with the reply); what follows comes once, in order.
            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .containsExactly("x-1", "x-2");
            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).isEmpty();
        }
    }

    @Test
    @DisplayName("guards: a reply that stalls mid-payload ends at its deadline with the payload read whole before, and its"
            + " late bytes never reach a later pop")
    void aStalledReplyTimesOutAndItsConnectionIsNotReused() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             RedisFaultProxy proxy = new RedisFaultProxy(server.port());
             Backend backend = open(proxy.uri(),
                     Map.of("timeout", "1s", "poolSize", "1", "maxPayloadSize", "1000"))) {
            startDraining(backend);
            // a, then an oversized payload (streamed), then b: the stall is inside the oversized one.
            backend.push("jobs", List.of(bytes("a"), filled(2 * BoundedPop.CHUNK, 3), bytes("b")), Priority.NORMAL, null);
            proxy.arm("LPOP", BoundedPop.CHUNK, RedisFaultProxy.Fault.STALL);
            assertThat(backend.pop("jobs", 3, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .as("the payload read whole before the stall").containsExactly("a");
            proxy.release(); // the rest of that reply now arrives on the old socket
            backend.push("jobs", List.of(bytes("c")), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 3, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .containsExactly("c");
            for (String key : server.command("KEYS", "*oversized*").split("\\R")) {
                if (!key.isBlank()) {
                    assertThat(Long.parseLong(server.command("PTTL", key.trim()).trim()))
                            .as("a burial cut short leaves at most a key with a TTL").isPositive();
                }
            }
        }
    }

    @Test
    @DisplayName("guards: a dead-letter key of another type loses only the oversized payload (logged), returns the rest, leaves nothing held")
    void aForeignDeadLetterKeyLosesOnlyTheOversizedPayload() {
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of("maxPayloadSize", "100"))) {
            startDraining(backend);
            backend.push("jobs", List.of(bytes("a"), new byte[500], bytes("b")), Priority.NORMAL, null);
            server.command("SET", "__sergeant__:{jobs}:dead-info", "foreign");
            assertThat(backend.pop("jobs", 3, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .containsExactly("a", "b");
            assertThat(server.command("KEYS", "*oversized*")).isEmpty();
            assertThat(server.command("GET", "__sergeant__:{jobs}:dead-info")).isEqualTo("foreign");
            server.command("DEL", "__sergeant__:{jobs}:dead-info");
            backend.push("jobs", List.of(bytes("c")), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 3, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload())).containsExactly("c");
        }
    }

    @Test
    @DisplayName("guards: payloads at the edges (exactly the limit, empty, RESP framing bytes, binary, over a chunk within the limit) come back as pushed")
    void payloadsAtTheEdges() {
        byte[] framing = bytes("x\r\n$5\r\nhello\r\n*2\r\n-ERR\r\n");
        byte[] binary = filled(999, 4);
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of("maxPayloadSize", "1000"))) {
            startDraining(backend);
            byte[] atLimit = filled(1000, 5);
            List<byte[]> pushed = List.of(atLimit, new byte[0], framing, binary, filled(1001, 6), bytes("z"));
            backend.push("jobs", pushed, Priority.NORMAL, null);
            long lpops = calls(server, "lpop");
            assertThat(backend.pop("jobs", 6, DeliveryOptions.AT_MOST_ONCE)).extracting(Delivery::payload)
                    .containsExactly(atLimit, new byte[0], framing, binary, bytes("z"));
            assertThat(calls(server, "lpop")).isEqualTo(lpops + 1);
            assertThat(backend.deadLetterRole().orElseThrow().deadLetters("jobs", 10)).extracting(DeadLetter::payload)
                    .containsExactly(filled(1001, 6));
        }
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of("maxPayloadSize", Integer.toString(4 * BoundedPop.CHUNK)))) {
            startDraining(backend);
            byte[] big = filled(3 * BoundedPop.CHUNK, 7);
            backend.push("jobs", List.of(big, framing, new byte[0]), Priority.NORMAL, null);
            long lpops = calls(server, "lpop");
            assertThat(backend.pop("jobs", 3, DeliveryOptions.AT_MOST_ONCE)).extracting(Delivery::payload)
                    .containsExactly(big, framing, new byte[0]);
            assertThat(calls(server, "lpop")).isEqualTo(lpops + 1);
        }
    }

    @Test
    @DisplayName("guards: over TLS, a plain pop's burial written while its reply is still read (both ways on one TLS socket) buries whole")
    void oversizedPayloadsAreBuriedOverTls(@TempDir Path dir) {
        TestCertificates certs = TestCertificates.create(dir);
        try (RedisServerProcess server = certs.startServer();
             Backend backend = open(server.tlsUri(), Map.of("tlsCaCert", certs.caCert().toString(),
                     "maxPayloadSize", "1000", "poolSize", "1", "timeout", "5s"))) {
            startDraining(backend);
            byte[] big = filled(5 * BoundedPop.CHUNK + 3, 8);
            List<byte[]> pushed = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                pushed.add(i == 100 ? big : concat(bytes("t-" + i + ":"), new byte[900]));
            }
            backend.push("jobs", pushed, Priority.NORMAL, null);
            long lpops = calls(server, "lpop");
            List<Delivery> popped = backend.pop("jobs", 200, DeliveryOptions.AT_MOST_ONCE);
            assertThat(calls(server, "lpop")).as("the pop was plain").isEqualTo(lpops + 1);
            assertThat(popped).hasSize(199);
            assertThat(backend.deadLetterRole().orElseThrow().deadLetters("jobs", 10)).extracting(DeadLetter::payload)
                    .containsExactly(big);
            backend.push("jobs", List.of(bytes("d")), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 5, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload())).containsExactly("d");
        }
    }

    @Test
    @DisplayName("guards: a declared length of 2^31-1 that never arrives costs one chunk and ends as a connection failure, not an OOM")
    void aHugeDeclaredLengthIsStreamedNotAllocated() {
        byte[] reply = bytes("*2\r\n$2147483647\r\nonly a few bytes");
        long[] begun = new long[1];
        int[] largest = new int[1];
        assertThatThrownBy(() -> BoundedPop.read(new RedisInputStream(new ByteArrayInputStream(reply)), 1000, new ArrayList<>(),
                new BoundedPop.Oversized() {
                    @Override
                    public void begin(long length) {
                        begun[0] = length;
                    }

                    @Override
                    public void chunk(byte[] chunk, int length) {
                        largest[0] = Math.max(largest[0], chunk.length);
                    }

                    @Override
                    public void end() {
                    }
                })).isInstanceOf(JedisConnectionException.class);
        assertThat(begun[0]).isEqualTo(Integer.MAX_VALUE);
        assertThat(largest[0]).isLessThanOrEqualTo(BoundedPop.CHUNK);
    }

    private static byte[] filled(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
