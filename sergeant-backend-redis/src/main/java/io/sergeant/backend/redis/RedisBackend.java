package io.sergeant.backend.redis;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.spi.backend.BackendKeys;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendLocks;
import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.backend.BackendWakeups;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.PopPipeline;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * The Redis {@link Backend}: Python Sergeant's layout on one or several independent nodes, or
 * sharded queues on a Redis Cluster, with at-least-once delivery in Lua scripts. The data layout
 * and every script are described in this module's {@code README.md}. It plays every role, each in a
 * class of its own over the same {@link Topology}: {@link RedisQueue}, {@link RedisLeases},
 * {@link RedisDeadLetters}, {@link RedisKeys}, {@link RedisLocks}, {@link RedisMonitoring}, and pickup
 * without polling in {@link RedisWakeups}.
 *
 * <p>Thread safe; every method blocks for one or a few round trips (one per shard visited, never
 * one per task). Failures are thrown as {@link io.sergeant.api.SergeantException} with
 * {@code BACKEND_UNAVAILABLE} (the server is down or unreachable; the next call reconnects) or
 * {@code BACKEND_REFUSED}. Null arguments throw {@link NullPointerException}.
 */
final class RedisBackend implements Backend {

    private final Topology topology;
    private final RedisQueue queue;
    private final RedisLeases leases;
    private final RedisDeadLetters deadLetters;
    private final RedisKeys keys;
    private final RedisLocks locks;
    private final RedisMonitoring monitoring;
    private final RedisWakeups wakeups;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * What the backend enforces besides the queue semantics.
     *
     * @param maxPayloadBytes a pop dead-letters a payload longer than this instead of returning it
     *                        (0 = no limit)
     * @param maxDeadLetters  the dead letters kept per queue and shard; the oldest over it are trimmed,
     *                        counted and logged (0 = no cap)
     * @param idempotentPush  whether every push carries a push id stored with it, so that a client
     *                        library's retry after a read timeout cannot store it twice (cluster)
     * @param clock           the client clock, used only to turn {@code consumableFrom} into a delay;
     *                        delayed tasks are scored and due-checked by the server's clock
     */
    record Limits(int maxPayloadBytes, int maxDeadLetters, boolean idempotentPush, Clock clock) {

        /** Checks the values. */
        Limits {
            requireNonNull(clock, "clock is null");
            if (maxPayloadBytes < 0 || maxDeadLetters < 0) {
                throw new IllegalArgumentException("limits must not be negative: " + maxPayloadBytes + ", " + maxDeadLetters);
            }
        }

        /**
         * The dead letters one of a queue's {@code shardCount} shards keeps: the cap is the queue's,
         * shared by its shards (rounded up, so a queue keeps at most the cap plus one per shard).
         */
        int deadCapPerShard(int shardCount) {
            return maxDeadLetters == 0 ? 0 : (maxDeadLetters + shardCount - 1) / shardCount;
        }
    }

    RedisBackend(Topology topology, Scripts scripts, Limits limits) {
        this(topology, scripts, limits, Duration.ofSeconds(10));
    }

    /** @param socketTimeout the connections' read timeout, which bounds a blocking wait for tasks */
    RedisBackend(Topology topology, Scripts scripts, Limits limits, Duration socketTimeout) {
        this.topology = requireNonNull(topology, "topology is null");
        requireNonNull(scripts, "scripts is null");
        requireNonNull(limits, "limits is null");
        ShardRotation rotation = new ShardRotation();
        this.leases = new RedisLeases(topology, scripts, limits);
        this.queue = new RedisQueue(topology, scripts, limits, rotation, leases);
        this.deadLetters = new RedisDeadLetters(topology, scripts, limits, rotation);
        this.keys = new RedisKeys(topology);
        this.locks = new RedisLocks(topology, scripts);
        this.monitoring = new RedisMonitoring(topology);
        this.wakeups = new RedisWakeups(topology, scripts, socketTimeout, this.queue);
    }

    /** The nodes behind this backend (tests look at a node's pool). */
    Topology topology() {
        return topology;
    }

    @Override
    public void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom) {
        this.queue.push(queue, items, priority, consumableFrom);
    }

    @Override
    public List<Delivery> pop(String queue, int max, DeliveryOptions options) {
        return this.queue.pop(queue, max, options);
    }

    @Override
    public long length(String queue, boolean includeDelayed) {
        return this.queue.length(queue, includeDelayed);
    }

    @Override
    public QueueStats stats(String queue) {
        return this.queue.stats(queue);
    }

    @Override
    public boolean purge(String queue) {
        return this.queue.purge(queue);
    }

    @Override
    public Optional<BackendLeases> leaseRole() {
        return Optional.of(leases);
    }

    @Override
    public Optional<BackendDeadLetters> deadLetterRole() {
        return Optional.of(deadLetters);
    }

    @Override
    public Optional<BackendKeys> keyRole() {
        return Optional.of(keys);
    }

    @Override
    public Optional<BackendLocks> lockRole() {
        return Optional.of(locks);
    }

    @Override
    public Optional<BackendMonitoring> monitoringRole() {
        return Optional.of(monitoring);
    }

    @Override
    public Optional<BackendWakeups> wakeupRole() {
        return Optional.of(wakeups);
    }

    /**
     * True: the pop script runs on the server, so a pop is mostly the server's time and the round trip, not this
     * process's CPU, and half a batch costs about half a whole one ({@link Backend#popsSplitCheaply()}).
     */
    @Override
    public boolean popsSplitCheaply() {
        return true;
    }

    /**
     * The pipelined at-most-once pop on a single node with a queue of one shard ({@link RedisPopPipeline}); empty on
     * several nodes, a cluster or a pool of one connection, which keep the pop after the run.
     */
    @Override
    public Optional<PopPipeline> popPipeline(String queue) {
        return Optional.ofNullable(this.queue.pipeline(queue));
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            topology.close();
        }
    }

    @Override
    public String toString() {
        return "RedisBackend[" + topology + "]";
    }
}
