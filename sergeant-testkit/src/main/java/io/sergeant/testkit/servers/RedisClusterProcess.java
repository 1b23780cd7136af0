package io.sergeant.testkit.servers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of {@link RedisServerProcess}es on free loopback ports ({@code --cluster-enabled yes},
 * {@code --cluster-node-timeout 2000}), with or without replicas, created with
 * {@code redis-cli --cluster create … --cluster-replicas R --cluster-yes} and ready once every node
 * reports {@code cluster_state:ok} and every replica's link to its master is up. The one cluster launcher
 * of the tests (the Redis backend's and the reliability suite's). {@link #close()} stops every node, also
 * after a failed start. {@link #addMaster()} and {@link #removeMaster} change the topology under the data.
 * Not thread safe; one test class owns an instance.
 */
public final class RedisClusterProcess implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(40);

    private final List<RedisServerProcess> nodes;

    private RedisClusterProcess(List<RedisServerProcess> nodes) {
        this.nodes = new ArrayList<>(nodes);
    }

    /** Starts and joins a cluster of {@code masters} nodes without replicas. */
    public static RedisClusterProcess start(int masters) {
        return start(masters, 0);
    }

    /** Starts and joins {@code masters * (1 + replicasPerMaster)} nodes. */
    public static RedisClusterProcess start(int masters, int replicasPerMaster) {
        List<RedisServerProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < masters * (1 + replicasPerMaster); i++) {
                nodes.add(startNode());
            }
            RedisClusterProcess cluster = new RedisClusterProcess(nodes);
            List<String> create = new ArrayList<>(List.of("--cluster", "create"));
            for (RedisServerProcess node : nodes) {
                create.add("127.0.0.1:" + node.port());
            }
            create.addAll(List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
            cli(create);
            cluster.awaitReady();
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(RedisServerProcess::close);
            throw e;
        }
    }

    private static RedisServerProcess startNode() {
        int port = RedisServerProcess.freePort(true);
        return RedisServerProcess.startOn(port, "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes-" + port + ".conf", "--cluster-node-timeout", "2000");
    }

    /**
     * Adds one more master ({@code redis-cli --cluster add-node}) and moves slots to it
     * ({@code rebalance --cluster-use-empty-masters}), keys included, then waits for
     * {@code cluster_state:ok}: the cluster grows by one master under its data.
     */
    public RedisServerProcess addMaster() {
        RedisServerProcess node = startNode();
        nodes.add(node);
        String existing = "127.0.0.1:" + nodes.get(0).port();
        cli(List.of("--cluster", "add-node", "127.0.0.1:" + node.port(), existing));
        awaitReady();
        // rebalance moves slots from any master to the new node: every node must know it first, or the
        // move fails with "ERR I don't know about node" (seen in CI: gossip had reached node 0 only)
        awaitEveryNodeKnows(node);
        cli(List.of("--cluster", "rebalance", existing, "--cluster-use-empty-masters", "--cluster-yes"));
        awaitReady();
        return node;
    }

    /**
     * Waits until every running node lists {@code node} in {@code CLUSTER NODES} and knows as many nodes
     * as there are running, and {@code node} knows them all.
     */
    private void awaitEveryNodeKnows(RedisServerProcess node) {
        String id = node.command("CLUSTER", "MYID").trim();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        List<RedisServerProcess> running = nodes.stream().filter(RedisServerProcess::isRunning).toList();
        for (RedisServerProcess other : running) {
            while (!other.command("CLUSTER", "NODES").contains(id)
                    || !other.command("CLUSTER", "INFO").contains("cluster_known_nodes:" + running.size())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("node " + node.port() + " (" + id + ") was not known to node "
                            + other.port() + " within " + READY_TIMEOUT);
                }
                pause();
            }
        }
    }

    /**
     * Removes a master under its data: moves every slot of {@code master}, keys included, to the other
     * masters ({@code redis-cli --cluster rebalance … --cluster-weight <id>=0}), checks that it serves no
     * slot any more, takes it out of the cluster ({@code redis-cli --cluster del-node}), stops its process
     * and waits until every remaining node reports {@code cluster_state:ok} and knows only the remaining
     * nodes. The node leaves {@link #nodes()} and {@link #uri()}.
     *
     * @throws IllegalArgumentException if {@code master} is not a node of this cluster
     * @throws IllegalStateException    if a step fails or the cluster does not settle within 40 s
     */
    public void removeMaster(RedisServerProcess master) {
        if (!nodes.contains(master)) {
            throw new IllegalArgumentException("redis-server on port " + master.port() + " is not a node of this cluster");
        }
        String id = master.command("CLUSTER", "MYID").trim();
        RedisServerProcess other = nodes.stream().filter(node -> node != master).findFirst().orElseThrow();
        String existing = "127.0.0.1:" + other.port();
        cli(List.of("--cluster", "rebalance", existing, "--cluster-weight", id + "=0", "--cluster-yes"));
        awaitReady();
        for (String line : other.command("CLUSTER", "NODES").split("\n")) {
            String[] fields = line.trim().split(" ");
            if (fields[0].equals(id) && fields.length > 8) {
                throw new IllegalStateException("node " + master.port() + " still serves slots after the rebalance: " + line);
            }
        }
        cli(List.of("--cluster", "del-node", existing, id));
        nodes.remove(master);
        master.close();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        for (RedisServerProcess node : nodes) {
            while (!ready(node) || !node.command("CLUSTER", "INFO").contains("cluster_known_nodes:" + nodes.size())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the cluster did not settle within " + READY_TIMEOUT
                            + " after node " + master.port() + " was removed");
                }
                pause();
            }
        }
    }

    /** The nodes, in order of creation. */
    public List<RedisServerProcess> nodes() {
        return List.copyOf(nodes);
    }

    /** The nodes that are running masters now. */
    public List<RedisServerProcess> masters() {
        return nodes.stream().filter(RedisServerProcess::isRunning)
                .filter(node -> node.command("ROLE").startsWith("master")).toList();
    }

    /** {@code redis-cluster://127.0.0.1:p1,127.0.0.1:p2,…} over every node. */
    public String uri() {
        StringBuilder uri = new StringBuilder("redis-cluster://");
        for (int i = 0; i < nodes.size(); i++) {
            uri.append(i > 0 ? "," : "").append("127.0.0.1:").append(nodes.get(i).port());
        }
        return uri.toString();
    }

    /** Whether every running node reports {@code cluster_state:ok}. */
    public boolean healthy() {
        for (RedisServerProcess node : nodes) {
            if (node.isRunning() && !node.command("CLUSTER", "INFO").contains("cluster_state:ok")) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        nodes.forEach(RedisServerProcess::close);
    }

    private static void cli(List<String> args) {
        List<String> command = new ArrayList<>(List.of(RedisServerProcess.binary("redis-cli")));
        command.addAll(args);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " failed:\n" + new String(output, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        for (RedisServerProcess node : nodes) {
            while (!ready(node)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the cluster did not become ready within " + READY_TIMEOUT);
                }
                pause();
            }
        }
    }

    private static boolean ready(RedisServerProcess node) {
        if (!node.command("CLUSTER", "INFO").contains("cluster_state:ok")) {
            return false;
        }
        String replication = node.command("INFO", "replication");
        return !replication.contains("role:slave") || replication.contains("master_link_status:up");
    }
}
