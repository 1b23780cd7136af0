package io.sergeant.backend.redis;

import io.sergeant.api.Priority;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.testkit.servers.RedisClusterProcess;
import io.sergeant.testkit.servers.RedisServerProcess;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the Redis backend's tests share ({@code TrustAtTheEdgesTest}, {@code PlainPopTest},
 * {@code PlainPopAttackTest}, the cluster tests): opening a backend on a real server, payloads as text, the
 * draining state of a queue, reading a server's {@code INFO commandstats} and {@code INFO errorstats}, and the
 * master of a cluster that serves a key. Stateless.
 */
final class RedisTestSupport {

    private RedisTestSupport() {
    }

    /** A Redis backend for {@code uri} with the given options and the default plugin context. */
    static Backend open(String uri, Map<String, String> options) {
        return new RedisBackendFactory().create(new BackendSpec(uri, options), PluginContext.defaults());
    }

    /** The UTF-8 bytes of {@code text}. */
    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code bytes} read as UTF-8. */
    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The parts one after another. */
    static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    /** A full pop of queue {@code jobs} by the script: the queue is draining, so its next full-size pop is plain. */
    static void startDraining(Backend backend) {
        backend.push("jobs", List.of(bytes("warm-1"), bytes("warm-2")), Priority.NORMAL, null);
        assertThat(backend.pop("jobs", 2, DeliveryOptions.AT_MOST_ONCE)).hasSize(2);
    }

    /** Calls of {@code command} that did not fail ({@code INFO commandstats}: calls minus failed_calls). */
    static long calls(RedisServerProcess server, String command) {
        String line = commandStats(server, command);
        return line == null ? 0 : field(line, "calls") - field(line, "failed_calls");
    }

    /** Calls of {@code command} the server answered with an error ({@code INFO commandstats}: failed_calls). */
    static long failedCalls(RedisServerProcess server, String command) {
        String line = commandStats(server, command);
        return line == null ? 0 : field(line, "failed_calls");
    }

    /** Script calls that ran so far (any script; not an {@code EVALSHA} refused with {@code NOSCRIPT}). */
    static long scripts(RedisServerProcess server) {
        return calls(server, "evalsha") + calls(server, "eval");
    }

    /** Error replies starting with {@code prefix} ({@code TRYAGAIN}, {@code ASK}...) the server sent so far ({@code INFO errorstats}). */
    static long errorReplies(RedisServerProcess server, String prefix) {
        for (String line : server.command("INFO", "errorstats").split("\r?\n")) {
            if (line.startsWith("errorstat_" + prefix + ":")) {
                return field(line, "count");
            }
        }
        return 0;
    }

    /** The master of {@code cluster} that serves {@code key}'s slot (the others answer {@code MOVED}). */
    static RedisServerProcess holder(RedisClusterProcess cluster, String key) {
        for (RedisServerProcess master : cluster.masters()) {
            try {
                master.command("EXISTS", key);
                return master;
            } catch (IllegalStateException moved) {
                // another master's slot
            }
        }
        throw new AssertionError("no master serves the slot of " + key);
    }

    private static String commandStats(RedisServerProcess server, String command) {
        for (String line : server.command("INFO", "commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":")) {
                return line;
            }
        }
        return null;
    }

    private static long field(String line, String name) {
        for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
            if (part.startsWith(name + "=")) {
                return Long.parseLong(part.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }
}
