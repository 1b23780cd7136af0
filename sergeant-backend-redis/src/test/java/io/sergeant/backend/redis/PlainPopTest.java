package io.sergeant.backend.redis;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.RedisInputStream;

import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.sergeant.backend.redis.RedisTestSupport.bytes;
import static io.sergeant.backend.redis.RedisTestSupport.open;
import static io.sergeant.backend.redis.RedisTestSupport.text;
import static io.sergeant.backend.redis.RedisTestSupport.calls;
import static io.sergeant.backend.redis.RedisTestSupport.concat;
import static io.sergeant.backend.redis.RedisTestSupport.startDraining;
import static io.sergeant.backend.redis.RedisTestSupport.failedCalls;
import static io.sergeant.backend.redis.RedisTestSupport.scripts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The at-most-once pop of a draining queue as a plain {@code LPOP} read bounded ({@link BoundedPop},
 * {@code RedisQueue.popPlain}), on a real redis-server: it takes the same tasks in the same order as the
 * guarded script, buries an oversized payload whole without the worker holding it, and leaves the short
 * and failing cases to the script. Each test checks in {@code INFO commandstats} that the plain pop ran.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PlainPopTest {

    @Test
    @DisplayName("while a queue drains, full pops are plain LPOPs that give every task once, in order, HIGH first")
    void drainingPopsArePlainAndInOrder() {
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of("maxPayloadSize", "1000"))) {
            List<byte[]> normal = IntStream.range(0, 2500).mapToObj(i -> bytes("n-" + i)).toList();
            backend.push("jobs", normal, Priority.NORMAL, null);
            backend.push("jobs", List.of(bytes("h-0"), bytes("h-1")), Priority.HIGH, null);
            List<String> seen = new ArrayList<>();
            long scripts = scripts(server);
            List<Delivery> popped;
            while (!(popped = backend.pop("jobs", 500, DeliveryOptions.AT_MOST_ONCE)).isEmpty()) {
                popped.forEach(d -> seen.add(text(d.payload())));
            }
            List<String> expected = new ArrayList<>(List.of("h-1", "h-0"));
            IntStream.range(0, 2500).forEach(i -> expected.add("n-" + i));
            assertThat(seen).containsExactlyElementsOf(expected);
            // 2,502 tasks in pops of 500: the first by the script, the next four plain, the short sixth plain,
            // the empty seventh by the script (all seven by the script before).
            assertThat(scripts(server) - scripts).as("pops that ran the script").isEqualTo(2);
            assertThat(server.command("LLEN", "jobs")).isEqualTo("0");
        }
    }

    @Test
    @DisplayName("an oversized payload met by a plain pop is buried whole, with the script's reason, and the tasks around it are returned")
    void oversizedPayloadsAreBuriedWhole() {
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of("maxPayloadSize", Integer.toString(1 << 20)))) {
            startDraining(backend);
            byte[] huge = new byte[(int) (2.5 * BoundedPop.CHUNK)];
            new Random(7).nextBytes(huge);
            byte[] justOver = new byte[(1 << 20) + 1];
            byte[] justUnder = new byte[1 << 20];
            backend.push("jobs", List.of(bytes("a"), huge, bytes("b"), justOver, justUnder, bytes("c")), Priority.NORMAL, null);
            long scripts = scripts(server);
            long lpops = calls(server, "lpop");

            List<Delivery> popped = backend.pop("jobs", 6, DeliveryOptions.AT_MOST_ONCE);

            assertThat(calls(server, "lpop")).as("the pop was a plain LPOP").isEqualTo(lpops + 1);
            assertThat(scripts(server) - scripts)
                    .as("scripts: one burial per oversized payload, no pop script").isEqualTo(2);
            assertThat(popped).extracting(Delivery::payload)
                    .containsExactly(bytes("a"), bytes("b"), justUnder, bytes("c"));
            List<DeadLetter> dead = backend.deadLetterRole().orElseThrow().deadLetters("jobs", 10);
            assertThat(dead).hasSize(2);
            assertThat(dead.get(0).payload()).isEqualTo(huge);
            assertThat(dead.get(0).reason()).startsWith("undecodable: ").contains(huge.length + " bytes")
                    .contains(Integer.toString(1 << 20));
            assertThat(dead.get(1).payload()).isEqualTo(justOver);
            assertThat(server.command("KEYS", "*oversized*")).as("no payload left on its way to the dead letters").isEmpty();
            // The connection that read past the oversized payloads is in step: the next pops work.
            backend.push("jobs", List.of(bytes("d")), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 6, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload())).containsExactly("d");
        }
    }

    @Test
    @DisplayName("a plain pop that comes back short hands the next pop to the script, which takes due delayed tasks")
    void aShortPlainPopLeavesTheRestToTheScript() {
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of())) {
            startDraining(backend);
            backend.push("jobs", List.of(bytes("now-1"), bytes("now-2")), Priority.NORMAL, null);
            backend.push("jobs", List.of(bytes("due")), Priority.NORMAL, Instant.now().minusSeconds(5));
            long scripts = scripts(server);
            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .containsExactly("now-1", "now-2");
            assertThat(scripts(server)).as("the short pop was plain").isEqualTo(scripts);
            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).extracting(d -> text(d.payload()))
                    .containsExactly("due");
            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).isEmpty();
        }
    }

    @Test
    @DisplayName("a queue key of another type met by a plain pop fails with the layout error and changes nothing")
    void aForeignQueueKeyFailsWithTheLayoutError() {
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri(), Map.of())) {
            startDraining(backend);
            server.command("SET", "jobs", "not a list");
            long refusedLpops = failedCalls(server, "lpop");
            SergeantException e = catchThrowableOfType(SergeantException.class,
                    () -> backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE));
            assertThat(e).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_REFUSED);
            assertThat(e.getMessage()).contains("'jobs'").contains("nothing was changed");
            assertThat(failedCalls(server, "lpop")).as("the plain pop was tried first (WRONGTYPE)").isEqualTo(refusedLpops + 1);
            assertThat(server.command("GET", "jobs")).isEqualTo("not a list");
        }
    }

    @Test
    @DisplayName("half pops cost about half a whole one (the split-pop hint), on one node and on two")
    void popsSplitCheaply() {
        try (RedisServerProcess one = RedisServerProcess.start();
             RedisServerProcess two = RedisServerProcess.start();
             Backend single = open(one.uri(), Map.of());
             Backend nodes = open(one.uri() + "," + two.uri(), Map.of())) {
            assertThat(single.popsSplitCheaply()).isTrue();
            assertThat(nodes.popsSplitCheaply()).isTrue();
        }
    }

    @Test
    @DisplayName("the reply reader takes RESP2 and RESP3 nulls and errors, and refuses what is not an LPOP reply")
    void theReaderRefusesWhatIsNotAnLpopReply() {
        assertThat(read("*-1\r\n")).isEmpty();
        assertThat(read("_\r\n")).isEmpty();
        assertThat(read("*2\r\n$1\r\na\r\n$0\r\n\r\n")).containsExactly("a", "");
        assertThatThrownBy(() -> read("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"))
                .isInstanceOf(JedisDataException.class).hasMessageContaining("WRONGTYPE");
        assertThatThrownBy(() -> read("+OK\r\n")).isInstanceOf(JedisConnectionException.class);
        assertThatThrownBy(() -> read("*1\r\n:5\r\n")).isInstanceOf(JedisConnectionException.class);
        assertThatThrownBy(() -> read("*1\r\n$-1\r\n")).isInstanceOf(JedisConnectionException.class);
        assertThatThrownBy(() -> read("*1\r\n$3\r\nabcXY")).isInstanceOf(JedisConnectionException.class);
        assertThatThrownBy(() -> read("*2\r\n$3\r\nabc\r\n$5\r\nab")).as("a reply cut short")
                .isInstanceOf(JedisConnectionException.class);
    }

    @Test
    @DisplayName("the reader hands a payload over the bound to the sink in chunks and never allocates it whole")
    void theReaderStreamsOversizedPayloads() {
        int length = 3 * BoundedPop.CHUNK + 17;
        byte[] reply = concat(bytes("*3\r\n$1\r\na\r\n$" + length + "\r\n"), new byte[length], bytes("\r\n$1\r\nb\r\n"));
        List<byte[]> out = new ArrayList<>();
        List<Integer> chunks = new ArrayList<>();
        long[] begun = new long[1];
        boolean[] ended = new boolean[1];
        int popped = BoundedPop.read(new RedisInputStream(new ByteArrayInputStream(reply)), 1000, out, new BoundedPop.Oversized() {
            @Override
            public void begin(long size) {
                begun[0] = size;
            }

            @Override
            public void chunk(byte[] chunk, int n) {
                assertThat(chunk.length).isLessThanOrEqualTo(BoundedPop.CHUNK);
                chunks.add(n);
            }

            @Override
            public void end() {
                ended[0] = true;
            }
        });
        assertThat(popped).isEqualTo(3);
        assertThat(out).extracting(RedisTestSupport::text).containsExactly("a", "b");
        assertThat(begun[0]).isEqualTo(length);
        assertThat(chunks).containsExactly(BoundedPop.CHUNK, BoundedPop.CHUNK, BoundedPop.CHUNK, 17);
        assertThat(ended[0]).isTrue();
    }

    @Test
    @DisplayName("the reply's deadline is checked before each read from the socket, not per payload: bytes already"
            + " buffered are read past it, the next socket read is refused, and the payloads read whole are kept")
    void theDeadlineIsCheckedPerSocketRead() {
        StringBuilder reply = new StringBuilder("*300\r\n");
        for (int i = 0; i < 300; i++) {
            reply.append("$100\r\n").append(String.format("%-100s", "p-" + i)).append("\r\n");
        }
        // 300 elements of 107 bytes: more than one buffer of the stream (8 KiB), so the reply takes several reads
        RedisInputStream in = new RedisInputStream(new ByteArrayInputStream(bytes(reply.toString())));
        assertThat(in.peek((byte) '*')).as("the first read filled the buffer").isTrue();
        List<byte[]> out = new ArrayList<>();
        BoundedPop.Reply past = new BoundedPop.Reply(null, System.nanoTime() - 1, java.time.Duration.ofSeconds(1));

        assertThatThrownBy(() -> BoundedPop.read(in, 0, out, null, past))
                .isInstanceOf(JedisConnectionException.class).hasMessageContaining("did not arrive whole within");
        assertThat(out).as("the payloads the first buffer held whole, read with no clock").isNotEmpty()
                .hasSizeLessThan(300);
        assertThat(out).extracting(p -> text(p).trim())
                .containsExactlyElementsOf(IntStream.range(0, out.size()).mapToObj(i -> "p-" + i).toList());
        assertThat(past.size).as("the header was read").isEqualTo(300);
    }

    @Test
    @DisplayName("a length line of endless digits is refused after ten, rather than read on for as long as digits come")
    void theReaderRefusesEndlessLengths() {
        assertThatThrownBy(() -> read("*12345678901\r\n")).isInstanceOf(JedisConnectionException.class)
                .hasMessageContaining("malformed length");
        assertThatThrownBy(() -> read("*1\r\n$99999999999\r\n")).isInstanceOf(JedisConnectionException.class)
                .hasMessageContaining("malformed length");
        assertThatThrownBy(() -> read("*-\r\n")).isInstanceOf(JedisConnectionException.class);
        assertThatThrownBy(() -> read("*1\r\n$1\rxa\r\n")).isInstanceOf(JedisConnectionException.class);
        assertThat(read("*1\r\n$10\r\n0123456789\r\n")).containsExactly("0123456789");
    }

    private static List<String> read(String reply) {
        List<byte[]> out = new ArrayList<>();
        BoundedPop.read(new RedisInputStream(new ByteArrayInputStream(bytes(reply))), 0, out, null);
        return out.stream().map(RedisTestSupport::text).toList();
    }
}
