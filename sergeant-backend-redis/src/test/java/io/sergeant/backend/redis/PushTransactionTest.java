package io.sergeant.backend.redis;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The plain push to one node (MULTI, RPUSH/LPUSH, EVAL push_commit.lua, EXEC for {@code TRANSACTION_MIN}
 * payloads or more; one push.lua call below that): a queued command that fails does not stop the rest of a
 * MULTI, so these tests prove that a push meeting a key of another type, for each of the queue's fourteen
 * keys, both priorities and both paths, still stores nothing and raises the layout error, and that a good
 * push keeps its order and signals idle workers.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PushTransactionTest {

    /** The fourteen keys of queue {@code q} in Python's layout, and the type each must have. */
    private static List<String[]> layout(String q) {
        String own = "__sergeant__:{" + q + "}:";
        return List.of(
                new String[] {q, "list"}, new String[] {q + ".delayed", "zset"},
                new String[] {own + "redeliver", "list"}, new String[] {own + "batches", "hash"},
                new String[] {own + "batch-meta", "hash"}, new String[] {own + "batch-settled", "hash"},
                new String[] {own + "leases", "zset"}, new String[] {own + "seq", "string"},
                new String[] {own + "inflight", "string"}, new String[] {own + "dead", "zset"},
                new String[] {own + "dead-payload", "hash"}, new String[] {own + "dead-info", "hash"},
                new String[] {own + "dead-trimmed", "string"}, new String[] {own + "counts", "hash"});
    }

    @Test
    @DisplayName("a push meeting any one foreign-typed key of the queue stores nothing and raises the layout error; it succeeds once the key is gone")
    void foreignKeyGetsNothingStored() {
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri())) {
            // Both paths of a plain push: a small one is one push.lua call, a large one a transaction.
            for (int size : List.of(3, RedisQueue.TRANSACTION_MIN)) {
                for (Priority priority : List.of(Priority.NORMAL, Priority.HIGH)) {
                    for (int k = 0; k < 14; k++) {
                        foreignKeyCase(server, backend, size, priority, k);
                    }
                }
            }
        }
    }

    private static void foreignKeyCase(RedisServerProcess server, Backend backend, int size, Priority priority, int k) {
        String q = "q-" + size + "-" + priority + "-" + k;
        String[] key = layout(q).get(k);
        boolean queueItself = k == 0;
        List<String> old = names("old-", 3);
        List<String> fresh = names("new-", size);
        if (!queueItself) {
            backend.push(q, bytes(old), Priority.NORMAL, null);
        }
        if (key[1].equals("string")) {
            server.command("SET", key[0], "not a counter");
        } else if (queueItself) {
            server.command("HSET", key[0], "someone", "else");
        } else {
            server.command("SET", key[0], "someone else's");
        }
        String wakeBefore = server.command("LRANGE", "__sergeant__:{" + q + "}:wake", "0", "-1");

        SergeantException e = catchThrowableOfType(SergeantException.class,
                () -> backend.push(q, bytes(fresh), priority, null));

        String what = priority + " push of " + size + " with a foreign " + key[0];
        assertThat(e).as(what).isNotNull();
        assertThat(e.code()).as(what).isEqualTo(ErrorCode.BACKEND_REFUSED);
        assertThat(e.getMessage()).as(what).contains("SERGEANT_LAYOUT").contains(key[0]).contains("nothing was changed");
        if (queueItself) {
            assertThat(server.command("TYPE", q)).as(what).isEqualTo("hash");
            assertThat(server.command("HGETALL", q)).as(what).isEqualTo("someone\nelse");
        } else {
            assertThat(server.command("LRANGE", q, "0", "-1")).as(what + ": the queue as before")
                    .isEqualTo(String.join("\n", old));
        }
        assertThat(server.command("LRANGE", "__sergeant__:{" + q + "}:wake", "0", "-1"))
                .as(what + ": no wake-up signal").isEqualTo(wakeBefore);

        server.command("DEL", key[0]);
        backend.push(q, bytes(fresh), priority, null);
        List<String> expected = new ArrayList<>();
        if (priority == Priority.HIGH) { // LPUSH: the last pushed first, before what was there
            List<String> reversed = new ArrayList<>(fresh);
            java.util.Collections.reverse(reversed);
            expected.addAll(reversed);
            if (!queueItself) {
                expected.addAll(old);
            }
        } else {
            if (!queueItself) {
                expected.addAll(old);
            }
            expected.addAll(fresh);
        }
        assertThat(server.command("LRANGE", q, "0", "-1")).as(what + ", once the key is gone")
                .isEqualTo(String.join("\n", expected));
    }

    @Test
    @DisplayName("a push a replica refuses (READONLY) is BACKEND_UNAVAILABLE naming READONLY, on both paths, and stores nothing")
    void refusedWhileQueueingIsTheServersError() {
        try (RedisServerProcess primary = RedisServerProcess.start();
             RedisServerProcess replica = RedisServerProcess.start();
             Backend backend = open(replica.uri())) {
            // A node that became a replica (a failover): inside MULTI the server refuses the RPUSH while
            // queueing it and EXEC answers only EXECABORT; the producer must see the retryable cause.
            replica.command("REPLICAOF", "127.0.0.1", Integer.toString(primary.port()));
            for (int size : List.of(3, RedisQueue.TRANSACTION_MIN)) {
                for (Priority priority : List.of(Priority.NORMAL, Priority.HIGH)) {
                    String what = priority + " push of " + size + " to a replica";
                    SergeantException e = catchThrowableOfType(SergeantException.class,
                            () -> backend.push("replicated", bytes(names("t", size)), priority, null));
                    assertThat(e).as(what).isNotNull();
                    assertThat(e.code()).as(what).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                    assertThat(e.getMessage()).as(what).contains("READONLY").contains("push");
                }
            }
            assertThat(replica.command("EXISTS", "replicated")).isEqualTo("0");
            assertThat(primary.command("EXISTS", "replicated")).isEqualTo("0");
        }
    }

    private static List<String> names(String prefix, int n) {
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            names.add(prefix + i);
        }
        return names;
    }

    private static List<byte[]> bytes(List<String> texts) {
        return texts.stream().map(PushTransactionTest::bytes).toList();
    }

    @Test
    @DisplayName("a bulk push over several transactions keeps Python's order (RPUSH for NORMAL, LPUSH for HIGH) and signals idle workers")
    void orderAndWakeUp() {
        try (RedisServerProcess server = RedisServerProcess.start();
             Backend backend = open(server.uri())) {
            int n = 25_000; // three chunks of PUSH_CHUNK
            List<byte[]> items = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                items.add(bytes("t" + i));
            }
            backend.push("normal", items, Priority.NORMAL, null);
            assertThat(server.command("LLEN", "normal")).isEqualTo(Integer.toString(n));
            assertThat(server.command("LINDEX", "normal", "0")).isEqualTo("t0");
            assertThat(server.command("LINDEX", "normal", "10000")).isEqualTo("t10000");
            assertThat(server.command("LINDEX", "normal", "-1")).isEqualTo("t" + (n - 1));
            assertThat(server.command("LRANGE", "__sergeant__:{normal}:wake", "0", "-1")).isEqualTo("0\n0\n0");

            backend.push("high", List.of(bytes("old")), Priority.NORMAL, null);
            backend.push("high", items, Priority.HIGH, null);
            assertThat(server.command("LLEN", "high")).isEqualTo(Integer.toString(n + 1));
            assertThat(server.command("LINDEX", "high", "0")).isEqualTo("t" + (n - 1));
            assertThat(server.command("LINDEX", "high", Integer.toString(n - 1))).isEqualTo("t0");
            assertThat(server.command("LINDEX", "high", "-1")).isEqualTo("old");
            assertThat(server.command("PTTL", "__sergeant__:{high}:wake")).satisfies(ttl ->
                    assertThat(Long.parseLong(ttl)).isBetween(1L, 10_000L));
        }
    }

    private static Backend open(String uri) {
        return new RedisBackendFactory().create(new BackendSpec(uri, Map.of()), PluginContext.defaults());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
