package io.sergeant.backend.mongo;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntToLongFunction;
import java.util.function.Supplier;
import java.util.zip.CRC32;

/**
 * The independent nodes of one {@link MongoBackend} and the stores of each, shared by the role
 * classes: which node an operation goes to (Python Sergeant's round-robin pointer for push and pop,
 * starting at a random node; {@code crc32(name) % n} for keys and locks), and running an operation
 * on a node with the backend's closed check and the driver's exceptions translated. Thread safe;
 * {@link #close()} is idempotent.
 */
final class MongoNodes implements AutoCloseable {

    private final List<MongoNode> nodes;
    private final List<TaskStore> tasks;
    private final List<LeaseStore> leases;
    private final List<DeadLetterStore> deadLetters;
    private final List<KeyLockStore> keysAndLocks;
    private final AtomicInteger pointer;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param maxPayloadBytes a pop dead-letters a payload longer than this instead of returning it
     * @param maxDeadLetters  the dead letters kept per queue, shared by the nodes (rounded up); 0 = no cap
     */
    MongoNodes(List<MongoNode> nodes, Clock clock, int maxPayloadBytes, int maxDeadLetters) {
        this.nodes = List.copyOf(nodes);
        int capPerNode = maxDeadLetters == 0 ? 0 : (maxDeadLetters + nodes.size() - 1) / nodes.size();
        List<TaskStore> taskStores = new ArrayList<>();
        List<LeaseStore> leaseStores = new ArrayList<>();
        List<DeadLetterStore> deadLetterStores = new ArrayList<>();
        List<KeyLockStore> keyLockStores = new ArrayList<>();
        for (MongoNode node : nodes) {
            DeadLetterStore dead = new DeadLetterStore(node, clock, capPerNode);
            LeaseStore lease = new LeaseStore(node, clock, dead);
            deadLetterStores.add(dead);
            leaseStores.add(lease);
            taskStores.add(new TaskStore(node, clock, new TaskClaims(node, clock, dead, maxPayloadBytes), lease));
            keyLockStores.add(new KeyLockStore(node, clock));
        }
        this.tasks = List.copyOf(taskStores);
        this.leases = List.copyOf(leaseStores);
        this.deadLetters = List.copyOf(deadLetterStores);
        this.keysAndLocks = List.copyOf(keyLockStores);
        this.pointer = new AtomicInteger(ThreadLocalRandom.current().nextInt(nodes.size()));
    }

    /** How many nodes. */
    int size() {
        return nodes.size();
    }

    /** The nodes, in configured order. */
    List<MongoNode> nodes() {
        return nodes;
    }

    TaskStore tasks(int node) {
        return tasks.get(node);
    }

    LeaseStore leases(int node) {
        return leases.get(node);
    }

    DeadLetterStore deadLetters(int node) {
        return deadLetters.get(node);
    }

    KeyLockStore keysAndLocks(int node) {
        return keysAndLocks.get(node);
    }

    /**
     * Runs {@code operation} on {@code node}.
     *
     * @param action what is being done, for the error message
     * @throws SergeantException {@code ILLEGAL_ACTION} once closed, or the translated driver failure
     */
    <T> T call(int node, String action, Supplier<T> operation) {
        if (closed.get()) {
            throw new SergeantException(ErrorCode.ILLEGAL_ACTION,
                    "the MongoDB backend " + this + " is closed; create a new one to " + action);
        }
        return nodes.get(node).call(action, operation);
    }

    /** The sum of {@code perNode} over every node; the first failure is thrown. */
    long sum(String action, IntToLongFunction perNode) {
        long total = 0;
        for (int node = 0; node < nodes.size(); node++) {
            int n = node;
            total += call(n, action, () -> perNode.applyAsLong(n));
        }
        return total;
    }

    /** The next node of the shared round-robin pointer (push and pop). */
    int nextNode() {
        return Math.floorMod(pointer.getAndIncrement(), nodes.size());
    }

    /** Python Sergeant's key placement: CRC-32 of the UTF-8 name, modulo the node count. */
    int nodeOf(String name) {
        Objects.requireNonNull(name, "name is null");
        if (nodes.size() == 1) {
            return 0;
        }
        CRC32 crc = new CRC32();
        crc.update(name.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % nodes.size());
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            nodes.forEach(MongoNode::close);
        }
    }

    /** {@code MongoBackend[<masked uri>, ...]}. */
    @Override
    public String toString() {
        List<String> uris = new ArrayList<>();
        nodes.forEach(node -> uris.add(node.maskedUri()));
        return "MongoBackend" + uris;
    }
}
