package io.sergeant.backend.redis;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.RedisInputStream;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.sergeant.backend.redis.RedisTestSupport.bytes;
import static io.sergeant.backend.redis.RedisTestSupport.open;
import static io.sergeant.backend.redis.RedisTestSupport.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A hostile server (or anything between the worker and Redis) answering the at-most-once {@code LPOP} of
 * {@link BoundedPop}: a loopback {@link RedisFaultProxy} in front of a real redis-server answers the {@code LPOP}
 * itself, trickling a byte at a time in each part of a reply (type byte, length line, payload, CRLF, error line),
 * closing inside a length line, or sending bytes that are no {@code LPOP} reply. Each ends within about the reply's
 * deadline or at once, never holding the worker, keeps the payloads read whole, and drops the connection; each runs
 * with the buffer seen (the clock read only before socket reads) and with the fallback forced (the clock read before
 * every read). Runs against Jedis 6, 7 and 8 (the pom's compatibility executions).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HostileLpopReplyTest {

    private static final Duration DEADLINE = Duration.ofSeconds(1);
    /** A trickle's pace: under the deadline, so only a deadline over the whole reply ends it. */
    private static final Duration GAP = Duration.ofMillis(200);
    /** Far above the deadline, far below for ever: a pop held by a trickle would pass it. */
    private static final long GENEROUS_SECONDS = 30;

    @Test
    @DisplayName("the connection's buffer is seen on this Jedis, so the clock is read only before socket reads")
    void theBufferIsSeenOnEverySupportedJedis() {
        assertThat(BoundedPop.AVAILABLE).isTrue();
        assertThat(BoundedPop.SEES_BUFFER).as("RedisInputStream's count and limit reached on Jedis "
                + System.getProperty("sergeant.test.jedis.version")).isTrue();
    }

    @ParameterizedTest(name = "clock before every read: {0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("a reply trickled a byte at a time in any of its parts ends at its deadline, keeping the payloads read whole")
    void aTrickleInAnyPartEndsAtTheDeadline(boolean everyRead) throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             RedisFaultProxy proxy = new RedisFaultProxy(server.port())) {
            // before a type byte: the second element's '$' comes after the deadline
            assertCutAtDeadline(proxy, everyRead, "*2\r\n$1\r\na\r\n", "$", false, List.of("a"), 2);
            // inside the header's length line: digits for ever (at most ten are taken)
            assertCutAtDeadline(proxy, everyRead, "*", "1", true, List.of(), -1);
            // inside an element's length line
            assertCutAtDeadline(proxy, everyRead, "*2\r\n$2\r\nab\r\n$", "1", true, List.of("ab"), 2);
            // inside a payload
            assertCutAtDeadline(proxy, everyRead, "*2\r\n$1\r\na\r\n$100\r\n", "x", true, List.of("a"), 2);
            // between a payload's CR and LF: the payload's bytes arrived whole (its length said so), so it is kept
            assertCutAtDeadline(proxy, everyRead, "*2\r\n$1\r\na\r\n$1\r\nb\r", "\n", false, List.of("a", "b"), 2);
            // an error line that never ends
            assertCutAtDeadline(proxy, everyRead, "-ERR ", "x", true, List.of(), -1);
        }
    }

    @ParameterizedTest(name = "clock before every read: {0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("a connection closed inside a reply (a length line, a payload) is a cut reply that keeps the payloads read whole")
    void aConnectionClosedInsideAReplyKeepsWhatWasReadWhole(boolean everyRead) throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             RedisFaultProxy proxy = new RedisFaultProxy(server.port())) {
            for (String reply : List.of("*3\r\n$1\r\na\r\n$2\r\nbc\r\n$1", "*3\r\n$1\r\na\r\n$2\r\nbc\r\n$10\r\nxy",
                    "*3\r\n$1\r\na\r\n$2\r\nbc\r\n")) {
                proxy.answer("LPOP", bytes(reply), new byte[0], Duration.ZERO, false);
                List<byte[]> out = new ArrayList<>();
                try (Connection connection = connect(proxy)) {
                    BoundedPop.CutReply cut = catchThrowableOfType(BoundedPop.CutReply.class, () -> BoundedPop.lpop(
                            connection, bytes("jobs"), 3, 0, Duration.ofSeconds(10), out, null, everyRead));
                    assertThat(cut).as(reply).isNotNull();
                    assertThat(cut.expected()).isEqualTo(3);
                    assertThat(cut.getMessage()).contains("the reply of LPOP 3 was cut after 2 of 3 payload(s)");
                    assertThat(connection.isBroken()).isTrue();
                }
                assertThat(out).extracting(RedisTestSupport::text).containsExactly("a", "bc");
            }
        }
    }

    @Test
    @DisplayName("an error line sent without end at full speed is refused after MAX_ERROR_LINE bytes, not held whole")
    void anEndlessErrorLineIsRefusedNotHeld() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             RedisFaultProxy proxy = new RedisFaultProxy(server.port())) {
            proxy.answer("LPOP", bytes("-ERR "), bytes("x"), Duration.ZERO, true);
            try (Connection connection = connect(proxy)) {
                BoundedPop.CutReply cut = catchThrowableOfType(BoundedPop.CutReply.class, () -> BoundedPop.lpop(
                        connection, bytes("jobs"), 3, 0, Duration.ofSeconds(30), new ArrayList<>(), null));
                assertThat(cut).isNotNull();
                assertThat(cut.getMessage()).contains("an error reply longer than " + BoundedPop.MAX_ERROR_LINE + " bytes",
                        "the connection was dropped", "is the backend's address a Redis server");
            }
        }
    }

    @Test
    @DisplayName("an error reply trickled within the deadline is the server's error, whole, and the connection stays usable")
    void aTrickledErrorWithinTheDeadlineIsTheServersError() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             RedisFaultProxy proxy = new RedisFaultProxy(server.port())) {
            proxy.answer("LPOP", bytes("-WRONG"), bytes("TYPE Operation against a key\r\n"), Duration.ofMillis(10), true);
            try (Connection connection = connect(proxy)) {
                assertThatThrownBy(() -> BoundedPop.lpop(connection, bytes("jobs"), 3, 0, Duration.ofSeconds(30),
                        new ArrayList<>(), null)).isInstanceOf(JedisDataException.class)
                        .hasMessage("WRONGTYPE Operation against a key");
                assertThat(connection.isBroken()).isFalse();
            }
        }
    }

    @Test
    @DisplayName("bytes that are no LPOP reply (RESP3 types, nested or null elements, negative lengths) are refused,"
            + " naming what came")
    void whatIsNoLpopReplyIsRefused() {
        assertThat(read("*-1\r\n")).isEmpty();
        assertThat(read("_\r\n")).isEmpty();
        assertThat(read("*0\r\n")).isEmpty();
        for (String[] reply : new String[][]{
                {"*-2\r\n", "a length of -2"}, {"*-0\r\n", "a length of -0"}, {"*1\r\n$-2\r\n", "a length of -2"},
                {"*1\r\n$-1\r\n", "a null element"}, {"*1\r\n*1\r\n$1\r\na\r\n", "an element of type '*'"},
                {":3\r\n", "a reply of type ':'"}, {"%1\r\n$1\r\na\r\n$1\r\nb\r\n", "a reply of type '%'"},
                {"~1\r\n$1\r\na\r\n", "a reply of type '~'"}, {">2\r\n$1\r\na\r\n$1\r\nb\r\n", "a reply of type '>'"},
                {"*1\r\n_\r\n", "an element of type '_'"}, {"\u0000", "a reply of type 0x00"},
                {"*2147483648\r\n", "a malformed length"}, {"*1\r\n$1\r\nab\r\n", "not followed by CRLF"},
                {"-ERR no end\rx", "an error reply not ended by CRLF"}}) {
            assertThatThrownBy(() -> read(reply[0])).as(reply[0]).isInstanceOf(BoundedPop.Malformed.class)
                    .hasMessageContaining(reply[1]);
        }
        assertThatThrownBy(() -> read("-" + "e".repeat(BoundedPop.MAX_ERROR_LINE + 1) + "\r\n"))
                .isInstanceOf(BoundedPop.Malformed.class);
        assertThatThrownBy(() -> read("-" + "e".repeat(BoundedPop.MAX_ERROR_LINE) + "\r\n"))
                .isInstanceOf(JedisDataException.class).hasMessage("e".repeat(BoundedPop.MAX_ERROR_LINE));
    }

    @Test
    @DisplayName("through the backend: an endless trickled error line fails the pop within about its read timeout,"
            + " naming the loss, and the next pop works")
    void anEndlessErrorLineDoesNotHoldTheWorker() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             RedisFaultProxy proxy = new RedisFaultProxy(server.port());
             Backend backend = open(proxy.uri(), Map.of("timeout", "2s"))) {
            RedisTestSupport.startDraining(backend);
            backend.push("jobs", List.of(bytes("a"), bytes("b"), bytes("c"), bytes("d")), Priority.NORMAL, null);
            proxy.answer("LPOP", bytes("-ERR "), bytes("x"), GAP, true);
            long start = System.nanoTime();
            SergeantException failed = catchThrowableOfType(SergeantException.class,
                    () -> backend.pop("jobs", 2, DeliveryOptions.AT_MOST_ONCE));
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(GENEROUS_SECONDS);
            assertThat(proxy.fired()).isTrue();
            assertThat(failed).isNotNull();
            assertThat(failed.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
            assertThat(failed.getMessage()).contains("at-most-once pop from queue 'jobs'", "within 2000 ms");
            // The LPOP never reached the server: every task is still there, for the next pop (the script).
            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .containsExactly("a", "b", "c", "d");
        }
    }

    private static void assertCutAtDeadline(RedisFaultProxy proxy, boolean everyRead, String atOnce, String trickled,
                                            boolean endless, List<String> kept, int expected) {
        proxy.answer("LPOP", bytes(atOnce), bytes(trickled), endless ? GAP : Duration.ofSeconds(20), endless);
        List<byte[]> out = new ArrayList<>();
        try (Connection connection = connect(proxy)) {
            long start = System.nanoTime();
            BoundedPop.CutReply cut = catchThrowableOfType(BoundedPop.CutReply.class, () -> BoundedPop.lpop(
                    connection, bytes("jobs"), 2, 1000, DEADLINE, out, null, everyRead));
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            String what = "'" + atOnce + "' then '" + trickled + "'";
            assertThat(cut).as(what).isNotNull();
            assertThat(seconds).as(what + ": seconds taken, deadline 1 s").isLessThan(GENEROUS_SECONDS);
            assertThat(cut.getMessage()).as(what).contains("did not arrive whole within 1000 ms", "option 'timeout'",
                    "raise 'timeout' or lower tasksPerTransaction");
            assertThat(cut.expected()).as(what).isEqualTo(expected);
            assertThat(connection.isBroken()).isTrue();
        }
        assertThat(out).extracting(RedisTestSupport::text).containsExactlyElementsOf(kept);
    }

    private static Connection connect(RedisFaultProxy proxy) {
        Connection connection = new Connection(new HostAndPort("127.0.0.1", proxy.port()));
        connection.connect();
        return connection;
    }

    private static List<String> read(String reply) {
        List<byte[]> out = new ArrayList<>();
        BoundedPop.read(new RedisInputStream(new ByteArrayInputStream(bytes(reply))), 0, out, null);
        return out.stream().map(RedisTestSupport::text).toList();
    }
}
