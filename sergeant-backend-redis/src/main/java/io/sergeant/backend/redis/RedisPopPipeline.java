package io.sergeant.backend.redis;

import io.sergeant.api.Priority;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.PopPipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.Objects.requireNonNull;

/**
 * The at-most-once pop of a queue on one node, split into its send and its read ({@link PopPipeline};
 * docs/decisions.md, "Pipelined at-most-once pop"). While the queue is draining (its last pop was full) a send
 * borrows a pooled connection and writes the plain {@code LPOP <queue> <max>} on it ({@link BoundedPop#send}); the
 * receive reads the reply bounded, as a plain pop reads it (payload bounds, oversized burials on the same
 * connection, a deadline of the read timeout from the receive, the payloads read whole before a cut kept), then
 * gives the connection back. A reply read whole leaves the connection in step; any other end of the read (a
 * failure, an interrupt, the deadline, bytes that are no reply) marks it broken, so the pool never lends out a
 * socket left inside a reply. When the queue is not draining (the idle and pickup path, handed-back and due tasks,
 * which need the guarded script) the send is deferred and the receive is an ordinary pop.
 *
 * <p>Only for a queue with one shard on a pooled single node (not several nodes, not a cluster: their pops fan in
 * over shards, and a split of that fan-in is not worth its complexity) and a pool of at least two connections: the
 * pop in flight holds one connection while the worker runs its tasks, and a task that pushes through the same
 * backend needs another.
 *
 * <p>Used by one thread (the worker's loop thread).
 */
final class RedisPopPipeline implements PopPipeline {

    private static final System.Logger LOG = System.getLogger(RedisPopPipeline.class.getName());

    /** Pops written ahead of their read over this process' life, for tests that check the path is taken. */
    static final AtomicLong SENT_AHEAD = new AtomicLong();

    private final RedisQueue queue;
    private final String name;
    private final Shard shard;
    private final JedisCompat.PooledNode node;
    /** Up to how many tasks the pop in flight asked; 0: none in flight. */
    private int max;
    /** The plain pop written ahead, or null when the pop in flight was deferred (an ordinary pop in receive). */
    private RedisQueue.PlainPop sent;
    private boolean closed;

    RedisPopPipeline(RedisQueue queue, String name, Shard shard, JedisCompat.PooledNode node) {
        this.queue = requireNonNull(queue, "queue is null");
        this.name = requireNonNull(name, "name is null");
        this.shard = requireNonNull(shard, "shard is null");
        this.node = requireNonNull(node, "node is null");
    }

    /** The node whose pooled connections carry the pops, for tests that look at the pool. */
    JedisCompat.PooledNode node() {
        return node;
    }

    @Override
    public void send(int max) {
        if (closed) {
            throw new IllegalStateException("the pop pipeline of queue '" + name + "' is closed");
        }
        if (this.max != 0) {
            throw new IllegalStateException("a pop of queue '" + name + "' is already in flight");
        }
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1: " + max);
        }
        this.max = max;
        if (queue.plainNode(name, shard) != null) {
            sent = queue.sendPlain(name, shard, node, max);
            SENT_AHEAD.incrementAndGet();
        }
    }

    @Override
    public boolean inFlight() {
        return max != 0;
    }

    @Override
    public List<Delivery> receive() {
        if (max == 0) {
            throw new IllegalStateException("no pop of queue '" + name + "' is in flight");
        }
        int wanted = max;
        RedisQueue.PlainPop pop = sent;
        max = 0;
        sent = null;
        if (pop == null) {
            return queue.pop(name, wanted, DeliveryOptions.AT_MOST_ONCE);
        }
        List<Delivery> out = new ArrayList<>(Math.min(wanted, 4096));
        if (!queue.receivePlain(pop, out)) {
            // The list gave nothing: the script takes what a plain pop cannot (handed-back and due tasks).
            queue.popScriptMarking(name, shard, wanted, out);
        }
        return out;
    }

    /** Reads a pop still in flight and pushes its tasks back at the front of the queue; see {@link PopPipeline#close()}. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (max == 0) {
            return;
        }
        try {
            List<Delivery> left = receive();
            if (!left.isEmpty()) {
                List<byte[]> payloads = new ArrayList<>(left.size());
                left.forEach(delivery -> payloads.add(delivery.payload()));
                queue.push(name, payloads, Priority.HIGH, null);
                LOG.log(System.Logger.Level.INFO, "queue '" + name + "': handed back the " + left.size()
                        + " task(s) of a pipelined pop still in flight when its pipeline closed");
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "queue '" + name + "': the pipelined pop still in flight when its"
                    + " pipeline closed could not be read and handed back: " + e.getMessage());
        }
    }
}
