package io.sergeant.backend.redis;

import io.sergeant.testkit.servers.RedisServerProcess;

import java.util.List;

/** Reads what redis-servers sent to their clients, for the compatibility suite's {@code bytesServed()}. */
final class RedisNetOutput {

    private RedisNetOutput() {
    }

    /** The sum of {@code total_net_output_bytes} of {@code INFO stats} over the servers. */
    static long of(List<RedisServerProcess> servers) {
        long sum = 0;
        for (RedisServerProcess server : servers) {
            String info = server.command("INFO", "stats");
            sum += info.lines().filter(line -> line.startsWith("total_net_output_bytes:"))
                    .mapToLong(line -> Long.parseLong(line.substring(line.indexOf(':') + 1).trim()))
                    .findFirst().orElseThrow(() -> new AssertionError("no total_net_output_bytes in INFO stats: " + info));
        }
        return sum;
    }
}
