package io.sergeant.backend.redis;

import io.sergeant.testkit.servers.RedisServerProcess;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of {@code masters} {@link RedisServerProcess}es ({@code --cluster-enabled yes},
 * no replicas), created with {@code redis-cli --cluster create … --cluster-yes} and ready once every
 * node reports {@code cluster_state:ok}. {@link #close()} stops every node, also after a failed start.
 * Not thread safe.
 */
public final class RedisClusterProcess implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final List<RedisServerProcess> nodes;

    private RedisClusterProcess(List<RedisServerProcess> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** Starts and joins a cluster of {@code masters} nodes on free loopback ports. */
    public static RedisClusterProcess start(int masters) {
        List<RedisServerProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < masters; i++) {
                int port = RedisServerProcess.freePort(true);
                nodes.add(RedisServerProcess.startOn(port, "--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes-" + port + ".conf", "--cluster-node-timeout", "2000"));
            }
            RedisClusterProcess cluster = new RedisClusterProcess(nodes);
            cluster.create();
            cluster.awaitReady();
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(RedisServerProcess::close);
            throw e;
        }
    }

    /** The nodes, in port order of creation. */
    public List<RedisServerProcess> nodes() {
        return nodes;
    }

    /** {@code redis-cluster://127.0.0.1:p1,127.0.0.1:p2,…}. */
    public String uri() {
        StringBuilder uri = new StringBuilder("redis-cluster://");
        for (int i = 0; i < nodes.size(); i++) {
            uri.append(i > 0 ? "," : "").append("127.0.0.1:").append(nodes.get(i).port());
        }
        return uri.toString();
    }

    @Override
    public void close() {
        nodes.forEach(RedisServerProcess::close);
    }

    private void create() {
        List<String> command = new ArrayList<>(List.of(RedisServerProcess.binary("redis-cli"), "--cluster", "create"));
        for (RedisServerProcess node : nodes) {
            command.add("127.0.0.1:" + node.port());
        }
        command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("redis-cli --cluster create failed:\n"
                        + new String(output, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the cluster", e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        for (RedisServerProcess node : nodes) {
            while (!node.command("CLUSTER", "INFO").contains("cluster_state:ok")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the cluster did not reach cluster_state:ok within " + READY_TIMEOUT);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }
}
