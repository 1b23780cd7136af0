package io.sergeant.backend.redis;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.testkit.servers.RedisFaultProxy;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.RedisInputStream;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.sergeant.backend.redis.RedisTestSupport.bytes;
import static io.sergeant.backend.redis.RedisTestSupport.calls;
import static io.sergeant.backend.redis.RedisTestSupport.concat;
import static io.sergeant.backend.redis.RedisTestSupport.open;
import static io.sergeant.backend.redis.RedisTestSupport.startDraining;
import static io.sergeant.backend.redis.RedisTestSupport.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The replies of the burial of oversized payloads that a plain at-most-once pop sends on its own connection
 * ({@code SET}/{@code APPEND} of the payload, the burial script, {@code DEL}), spoiled by a loopback
 * {@link RedisFaultProxy} in front of a real redis-server: trickled a byte a second after the pop's reply passed
 * whole, or replaced by an error line without end (at full speed, or a byte every 200 ms). They are read as
 * {@link BoundedPop} reads the pop's reply: all within one read timeout and bounded in size, so each such pop ends
 * within about the timeout, keeps the payloads of the batch it read whole, and drops the connection
 * (docs/decisions.md, "A burial's replies are read bounded, and a cut one keeps the batch"). Well-formed burials
 * are unchanged. Runs against Jedis 6, 7 and 8 (the pom's compatibility executions).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HostileBurialReplyTest {

    private static final int MAX = 1000;
    private static final String TIMEOUT = "2s";
    /** Far above the read timeout, far below what a trickled or endless reply takes without a deadline. */
    private static final long GENEROUS_SECONDS = 20;

    @Test
    @DisplayName("burial replies trickled a byte a second end within about the read timeout; the batch read whole is"
            + " returned, the server's burials stand, and the next pop works")
    void trickledBurialRepliesEndAtTheDeadline() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             RedisFaultProxy proxy = new RedisFaultProxy(server.port());
             Backend backend = backend(proxy, 2)) {
            startDraining(backend);
            byte[] big1 = oversized("big-1");
            byte[] big2 = oversized("big-2");
            backend.push("jobs", List.of(bytes("a"), big1, bytes("b"), big2, bytes("c")), Priority.NORMAL, null);
            // The LPOP reply passes whole (*5, three $1 elements, two of 2009 bytes), then one byte of "+OK";
            // the rest (the replies of SET, EVAL and DEL, twice: 46 bytes) comes a byte a second.
            int lpopReply = 4 + 3 * 7 + 2 * (7 + big1.length + 2);
            proxy.arm("LPOP", lpopReply + 1, RedisFaultProxy.Fault.TRICKLE);
            long lpops = calls(server, "lpop");
            long start = System.nanoTime();
            List<String> popped = backend.pop("jobs", 5, DeliveryOptions.AT_MOST_ONCE).stream()
                    .map(d -> text(d.payload())).toList();
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);

            assertThat(calls(server, "lpop")).as("the pop was plain").isEqualTo(lpops + 1);
            assertThat(proxy.fired()).as("the proxy trickled the burial replies").isTrue();
            assertThat(seconds).as("seconds the pop took (read timeout 2 s; 45 s without a deadline)")
                    .isLessThan(GENEROUS_SECONDS);
            assertThat(popped).as("the payloads of the batch, read whole before the burial replies")
                    .containsExactly("a", "b", "c");
            // redis-server ran both burials (only their replies trickled)
            assertThat(backend.deadLetterRole().orElseThrow().deadLetters("jobs", 10)).extracting(DeadLetter::payload)
                    .containsExactly(big1, big2);
            backend.push("jobs", List.of(bytes("d")), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 5, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .containsExactly("d");
        }
    }

    @Test
    @DisplayName("an error line without end in place of the burial replies is refused after MAX_ERROR_LINE bytes at full"
            + " speed, and ends at the deadline when trickled; the batch read whole is kept, a batch of only oversized"
            + " payloads fails naming what was wrong")
    void anEndlessErrorLineIsRefused() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             RedisFaultProxy proxy = new RedisFaultProxy(server.port());
             Backend backend = backend(proxy, 2)) {
            startDraining(backend);
            backend.push("jobs", List.of(bytes("a"), oversized("mark-1"), bytes("b")), Priority.NORMAL, null);
            // The burial's commands carry the payload: the proxy answers them (not forwarding them) with "-ERR xxx...".
            proxy.answer("mark-1", bytes("-ERR "), bytes("x"), Duration.ZERO, true);
            long start = System.nanoTime();
            assertThat(backend.pop("jobs", 3, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .as("the payloads of the batch read whole").containsExactly("a", "b");
            assertThat(proxy.fired()).as("the proxy answered the burial").isTrue();
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(GENEROUS_SECONDS);

            startDraining(backend);
            backend.push("jobs", List.of(oversized("mark-2")), Priority.NORMAL, null);
            proxy.answer("mark-2", bytes("-ERR "), bytes("x"), Duration.ofMillis(200), true);
            start = System.nanoTime();
            SergeantException failed = catchThrowableOfType(SergeantException.class,
                    () -> backend.pop("jobs", 1, DeliveryOptions.AT_MOST_ONCE));
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start))
                    .as("seconds a trickled error line held the pop (read timeout 2 s)").isLessThan(GENEROUS_SECONDS);
            assertThat(failed).as("a pop of only an oversized payload whose burial was not confirmed").isNotNull();
            assertThat(failed.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
            assertThat(failed.getMessage()).contains("at-most-once pop from queue 'jobs'",
                    "the replies confirming the burial of 1 of 1 oversized payload(s) were cut",
                    "within 2000 ms", "the connection was dropped",
                    "dead letters if the server ran their burial, else lost", "raise the option 'timeout'");

            backend.push("jobs", List.of(bytes("d")), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 5, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .containsExactly("d");
        }
    }

    @Test
    @DisplayName("well-formed burials through the proxy (one chunk, several chunks) still bury every oversized payload,"
            + " return the rest and leave nothing held")
    void wellFormedBurialsStillWork() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             RedisFaultProxy proxy = new RedisFaultProxy(server.port());
             Backend backend = backend(proxy, 1)) {
            startDraining(backend);
            byte[] small = oversized("one-chunk");
            byte[] large = concat(bytes("chunks"), new byte[3 * BoundedPop.CHUNK + 5]);
            backend.push("jobs", List.of(bytes("a"), large, bytes("b"), small, bytes("c")), Priority.NORMAL, null);
            long lpops = calls(server, "lpop");
            assertThat(backend.pop("jobs", 5, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .containsExactly("a", "b", "c");
            assertThat(calls(server, "lpop")).as("the pop was plain").isEqualTo(lpops + 1);
            assertThat(backend.deadLetterRole().orElseThrow().deadLetters("jobs", 10)).extracting(DeadLetter::payload)
                    .containsExactly(large, small);
            assertThat(server.command("KEYS", "*oversized*")).isEmpty();
            backend.push("jobs", List.of(bytes("d")), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 5, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .containsExactly("d");
        }
    }

    @Test
    @DisplayName("the short-reply reader gives what Jedis' getOne gives for burial replies and refuses long, wide or"
            + " deep ones")
    void theShortReplyReader() {
        assertThat(text((byte[]) next("+OK\r\n"))).isEqualTo("OK");
        assertThat(next(":2005\r\n")).isEqualTo(2005L);
        assertThat(next(":-3\r\n")).isEqualTo(-3L);
        assertThat(next("*2\r\n:1\r\n:0\r\n")).isEqualTo(List.of(1L, 0L));
        assertThat(next("_\r\n")).isNull();
        assertThat(next("$-1\r\n")).isNull();
        assertThat(text((byte[]) next("$3\r\nabc\r\n"))).isEqualTo("abc");
        assertThatThrownBy(() -> next("-ERR no such key\r\n")).isInstanceOf(JedisDataException.class)
                .hasMessage("ERR no such key");

        byte[] longLine = new byte[BoundedPop.MAX_ERROR_LINE + 10];
        Arrays.fill(longLine, (byte) 'x');
        for (String reply : List.of("-ERR " + text(longLine) + "\r\n", "+" + text(longLine) + "\r\n",
                "$5000\r\n", "*17\r\n", "*1\r\n*1\r\n*1\r\n:1\r\n", ":12345678901234567890\r\n", "%1\r\n", "+OK\rx")) {
            assertThatThrownBy(() -> next(reply)).as(reply.length() > 40 ? reply.substring(0, 40) : reply)
                    .isInstanceOf(BoundedPop.Malformed.class)
                    .hasMessageStartingWith("unexpected reply to the burial: ");
        }
    }

    /** A backend through {@code proxy}: payloads over {@link #MAX} bytes are buried, read timeout {@link #TIMEOUT}. */
    private static Backend backend(RedisFaultProxy proxy, int poolSize) {
        return open(proxy.uri(), Map.of("maxPayloadSize", Integer.toString(MAX), "poolSize", Integer.toString(poolSize),
                "timeout", TIMEOUT));
    }

    private static Object next(String reply) {
        return BoundedPop.next(new RedisInputStream(new ByteArrayInputStream(bytes(reply))),
                new BoundedPop.Reply(null, "the burial", Long.MAX_VALUE, Duration.ofSeconds(1), true), 0);
    }

    /** A payload over {@link #MAX} bytes, {@code 2000} long, starting with {@code mark}. */
    private static byte[] oversized(String mark) {
        byte[] payload = new byte[2 * MAX];
        Arrays.fill(payload, (byte) 'z');
        byte[] head = bytes(mark);
        System.arraycopy(head, 0, payload, 0, head.length);
        return payload;
    }
}
