package io.sergeant.backend.redis;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;

import redis.clients.jedis.AbstractTransaction;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static io.sergeant.backend.redis.Replies.arg;
import static io.sergeant.backend.redis.Replies.number;
import static java.util.Objects.requireNonNull;

/**
 * The queue role in Python Sergeant's layout (list {@code q}, sorted set {@code q.delayed}): push,
 * pop fanned in over the queue's shards (at-least-once pops lease through {@link RedisLeases}),
 * stats, length and purge, each one script call per shard. Thread safe.
 */
final class RedisQueue {

    private static final System.Logger LOG = System.getLogger(RedisQueue.class.getName());
    private static final int PUSH_CHUNK = 10_000;

    /**
     * The fewest payloads a plain push sends as a transaction ({@link #pushInTransactions}); smaller pushes
     * go through {@code push.lua} in one command. The transaction costs a fixed ~0.15 ms more per call (four
     * commands, the commit script's source sent with {@code EVAL}), the script ~0.25–0.6 µs per payload
     * (Lua strings made of its ARGV), so below a few hundred payloads the script is cheaper: a one-task push
     * ran at 3.9k/s as a transaction against 10k/s as a script (docs/decisions.md, "Redis bulk push").
     */
    static final int TRANSACTION_MIN = 256;
    private static final byte[] NORMAL = Replies.arg("normal");
    private static final byte[] HIGH = Replies.arg("high");
    private static final byte[] DELAYED = Replies.arg("delayed");

    private final Topology topology;
    private final Scripts scripts;
    private final RedisBackend.Limits limits;
    private final ShardRotation rotation;
    private final RedisLeases leases;
    /** Queue and shard ({@code "<queue>\0<index>"}) whose last at-most-once pop was full: popped plainly next. */
    private final Map<String, Boolean> draining = new ConcurrentHashMap<>();
    /** How long an oversized payload on its way to the dead letters may live if its burial never ends. */
    private static final long HOLD_MILLIS = Duration.ofHours(1).toMillis();

    RedisQueue(Topology topology, Scripts scripts, RedisBackend.Limits limits, ShardRotation rotation, RedisLeases leases) {
        this.topology = requireNonNull(topology, "topology is null");
        this.scripts = requireNonNull(scripts, "scripts is null");
        this.limits = requireNonNull(limits, "limits is null");
        this.rotation = requireNonNull(rotation, "rotation is null");
        this.leases = requireNonNull(leases, "leases is null");
    }

    void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom) {
        requireNonNull(queue, "queue is null");
        requireNonNull(items, "items is null");
        requireNonNull(priority, "priority is null");
        if (items.isEmpty()) {
            return;
        }
        byte[][] all = items.toArray(new byte[0][]);
        for (byte[] item : all) {
            requireNonNull(item, "an item is null");
        }
        Shard shard = rotation.next(topology.shards(queue));
        byte[] mode = consumableFrom != null ? DELAYED : priority == Priority.HIGH ? HIGH : NORMAL;
        // The producer's clock only measures how far away consumableFrom is; the script scores the
        // task by the server's clock, the clock every pop checks due tasks with.
        long delayMillis = consumableFrom == null ? 0 : ceilMillis(Duration.between(limits.clock().instant(), consumableFrom));
        String pushId = limits.idempotentPush() ? Replies.randomToken() : "";
        if (consumableFrom == null && pushId.isEmpty() && shard.client().singleNode() && all.length >= TRANSACTION_MIN) {
            pushInTransactions(shard, mode == HIGH, all);
            return;
        }
        // One script call per chunk; with an idempotent push each chunk has an id of its own.
        for (int from = 0, chunk = 0; from < all.length; from += PUSH_CHUNK, chunk++) {
            int to = Math.min(all.length, from + PUSH_CHUNK);
            List<byte[]> args = new ArrayList<>(3 + to - from);
            args.add(mode);
            args.add(arg(delayMillis));
            String id = pushId.isEmpty() ? "" : pushId + "-" + chunk;
            args.add(arg(id));
            args.addAll(Arrays.asList(all).subList(from, to));
            List<byte[]> keys = shard.keys().forPush(id);
            shard.client().script(scripts.push(), keys, args);
        }
    }

    /**
     * A plain push (no delay, no push id) to one node: per chunk, {@code MULTI}, {@code RPUSH} (or
     * {@code LPUSH} for HIGH) of the payloads, {@code EVAL push_commit.lua}, {@code EXEC}. The payloads
     * never pass through Lua, whose ARGV conversion cost the server several times the RPUSH itself
     * (docs/decisions.md, "Redis bulk push"). The commit script checks the layout after the push and,
     * on a key of another type, takes back exactly the payloads the push added before it fails: nothing
     * is stored and nobody saw them (the transaction runs whole). It is sent by {@code EVAL}, not
     * {@code EVALSHA}: inside a transaction a {@code NOSCRIPT} reply would come only after the push ran.
     */
    private void pushInTransactions(Shard shard, boolean high, byte[][] all) {
        byte[] queueKey = shard.keys().queue();
        List<byte[]> keys = shard.keys().withWake();
        byte[] source = scripts.pushCommit().source();
        for (int from = 0; from < all.length; from += PUSH_CHUNK) {
            int to = Math.min(all.length, from + PUSH_CHUNK);
            byte[][] payloads = from == 0 && to == all.length ? all : Arrays.copyOfRange(all, from, to);
            List<byte[]> args = List.of(high ? HIGH : NORMAL, arg(payloads.length));
            shard.client().call("push", j -> {
                try (AbstractTransaction tx = j.multi()) {
                    Response<Long> pushed = high ? tx.lpush(queueKey, payloads) : tx.rpush(queueKey, payloads);
                    Response<Object> commit = tx.eval(source, keys, args);
                    try {
                        tx.exec();
                    } catch (JedisDataException aborted) {
                        throw queuedError(aborted);
                    }
                    // The commit's reply first: a foreign QUEUE fails the push with WRONGTYPE, and the
                    // commit with the layout error that says which key and what to do.
                    Object reply = commit.get();
                    pushed.get();
                    return reply;
                }
            });
        }
    }

    /**
     * The error behind an {@code EXECABORT}: a command the server refused while queueing it (a replica's
     * {@code READONLY}, {@code LOADING}, {@code OOM}, {@code NOPERM}...) aborts the whole transaction, and
     * Jedis reports only "EXECABORT Transaction discarded" with the server's own error suppressed. That error
     * decides whether the push may be retried ({@link RedisErrors#translate}), so it is the one thrown;
     * nothing was stored either way.
     */
    static JedisDataException queuedError(JedisDataException aborted) {
        if (aborted.getMessage() != null && aborted.getMessage().startsWith("EXECABORT")) {
            for (Throwable suppressed : aborted.getSuppressed()) {
                if (suppressed instanceof JedisDataException cause) {
                    return cause;
                }
            }
        }
        return aborted;
    }

    /**
     * The pipelined at-most-once pop of {@code queue} ({@link RedisPopPipeline}), or null where it does not apply:
     * several shards, a cluster, a pool of fewer than two connections, or a Jedis whose connection stream cannot be
     * reached ({@link BoundedPop#AVAILABLE}).
     */
    RedisPopPipeline pipeline(String queue) {
        requireNonNull(queue, "queue is null");
        List<Shard> shards = topology.shards(queue);
        if (!BoundedPop.AVAILABLE || shards.size() != 1
                || !(shards.get(0).client().jedis() instanceof JedisCompat.PooledNode node)
                || node.pool().getMaxTotal() < 2) {
            return null;
        }
        return new RedisPopPipeline(this, queue, shards.get(0), node);
    }

    List<Delivery> pop(String queue, int max, DeliveryOptions options) {
        requireNonNull(queue, "queue is null");
        requireNonNull(options, "options is null");
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative: " + max);
        }
        if (max == 0) {
            return List.of();
        }
        List<Shard> shards = topology.shards(queue);
        int start = rotation.nextIndex(shards.size());
        List<Delivery> out = new ArrayList<>(Math.min(max, 4096));
        SergeantException failure = null;
        // Fan in from every shard, starting at a rotating one so that no shard starves. A shard that
        // fails does not cost what the healthy ones already gave: their tasks are already popped
        // (at-most-once) or leased (at-least-once), so they are returned; the failure is thrown
        // only when no shard gave anything.
        for (int i = 0; i < shards.size() && out.size() < max; i++) {
            Shard shard = shards.get((start + i) % shards.size());
            try {
                if (options.leased()) {
                    leases.popLeased(queue, shard, max - out.size(), options, out);
                } else {
                    popUnleased(queue, shard, max - out.size(), out);
                }
            } catch (SergeantException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            if (out.isEmpty()) {
                throw failure;
            }
            LOG.log(System.Logger.Level.WARNING, "pop from queue '" + queue + "': a node failed (" + failure.getMessage()
                    + "); returning the " + out.size() + " task(s) the other nodes gave");
        }
        return out;
    }

    /**
     * An at-most-once pop from one shard. While the queue is draining (the last pop of this shard was
     * full) a single node is popped with a plain {@code LPOP} whose reply is read bounded ({@link #popPlain});
     * what that leaves short, and every pop while the queue is not draining (the idle and pickup path: one
     * call), is the guarded script, whole.
     */
    private void popUnleased(String queue, Shard shard, int max, List<Delivery> out) {
        JedisCompat.PooledNode node = plainNode(queue, shard);
        if (node != null && receivePlain(sendPlain(queue, shard, node, max), out)) {
            return;
        }
        popScriptMarking(queue, shard, max, out);
    }

    /**
     * The node to pop plainly from: the shard's node while the queue is draining there (its last pop was full) and
     * the bounded reader is available; null: pop with the script.
     */
    JedisCompat.PooledNode plainNode(String queue, Shard shard) {
        return BoundedPop.AVAILABLE && draining.containsKey(drainKey(queue, shard))
                && shard.client().jedis() instanceof JedisCompat.PooledNode node ? node : null;
    }

    private static String drainKey(String queue, Shard shard) {
        return queue + '\u0000' + shard.index();
    }

    /** The guarded script, whole; a full pop marks the queue as draining on this shard (the next pop is plain). */
    void popScriptMarking(String queue, Shard shard, int max, List<Delivery> out) {
        int before = out.size();
        popScript(queue, shard, max, out);
        if (out.size() - before >= max) {
            draining.put(drainKey(queue, shard), Boolean.TRUE);
        }
    }

    /**
     * A plain {@code LPOP} of up to {@code max} payloads, written to a connection borrowed for it and its reply not
     * read yet ({@link #sendPlain}); read by {@link #receivePlain}, which gives the connection back. Holds the send's
     * failure instead when it failed, for {@link #receivePlain} to throw.
     */
    final class PlainPop {
        private final String queue;
        private final Shard shard;
        private final int max;
        private final Connection connection;
        private final OversizedBurial burial;
        private final SergeantException failure;

        private PlainPop(String queue, Shard shard, int max, Connection connection, SergeantException failure) {
            this.queue = queue;
            this.shard = shard;
            this.max = max;
            this.connection = connection;
            this.burial = connection == null ? null : new OversizedBurial(queue, shard, connection);
            this.failure = failure;
        }

    }

    /**
     * Borrows a connection of {@code node} and writes {@code LPOP <queue> <max>} on it ({@link BoundedPop#send});
     * never throws a backend failure: a failed send is held in the result, and the connection dropped.
     */
    PlainPop sendPlain(String queue, Shard shard, JedisCompat.PooledNode node, int max) {
        try {
            return shard.client().call("pop", jedis -> {
                Connection connection = node.borrow();
                try {
                    BoundedPop.send(connection, shard.keys().queue(), max);
                } catch (RuntimeException | Error e) {
                    connection.close(); // marked broken by the send: the pool drops it
                    throw e;
                }
                return new PlainPop(queue, shard, max, connection, null);
            });
        } catch (SergeantException e) {
            return new PlainPop(queue, shard, max, null, e);
        }
    }

    /**
     * Reads the reply of a plain pop ({@link #sendPlain}) into {@code out} and gives its connection back (broken when
     * the reply was not read whole). Returns true when the pop is done: full, or short and not empty (the queue ran
     * dry; it is no longer draining, so the next pop is the script, which takes handed-back and due tasks); false
     * when the list gave nothing (or a key of another type answered): the caller pops with the script now.
     */
    boolean receivePlain(PlainPop pop, List<Delivery> out) {
        int popped = popPlain(pop, out);
        if (popped >= pop.max) {
            return true;
        }
        draining.remove(drainKey(pop.queue, pop.shard));
        return popped > 0;
    }

    /**
     * The reply of a plain {@code LPOP} of up to {@code max} payloads from the shard's queue list, read with every payload
     * bounded by {@code maxPayloadBytes} ({@link BoundedPop}): the server sends the payloads without copying
     * them through Lua, the guarded script's main cost (docs/decisions.md, "At-most-once pop without Lua").
     * A longer payload is streamed back to the server in chunks and buried there as a dead letter, as the
     * script would have buried it ({@link OversizedBurial}), over the same connection. Returns how many
     * payloads the list gave (kept and buried), or 0 after an error reply (a key of another type: the
     * script that follows reports it with the layout error, having changed nothing).
     *
     * <p>A reply cut short (the connection lost, the read timeout passed over the whole reply, bytes that are
     * no reply) still returns the payloads read whole before the cut: the {@code LPOP} took the whole batch off
     * the list, so dropping them would lose them too. The rest of the batch is lost, as at-most-once loses
     * what a pop took when its reply is lost; that is logged with the count (docs/guarantees.md, "A pop whose
     * reply is cut"). With nothing read whole the pop fails, naming the loss.
     */
    private int popPlain(PlainPop pop, List<Delivery> out) {
        String queue = pop.queue;
        int max = pop.max;
        List<byte[]> payloads = new ArrayList<>(Math.min(max, 4096));
        int popped;
        try {
            if (pop.failure != null) {
                throw pop.failure;
            }
            popped = readPlain(pop, payloads);
        } catch (SergeantException e) {
            BoundedPop.CutReply cut = cutReply(e);
            if (cut == null) {
                throw e;
            }
            String lost = cut.expected() < 0 ? "an unknown number of tasks (up to " + max + "; none if the server never ran it)"
                    : (cut.expected() - payloads.size()) + " task(s)";
            String what = cut instanceof CutBurial burial
                    ? "at-most-once pop from queue '" + queue + "': " + e.getMessage() + "; the " + burial.unconfirmed()
                            + " oversized payload(s) not confirmed are dead letters if the server ran their burial, else"
                            + " lost (each is logged with its hold key; check the server and the network, or raise the"
                            + " option 'timeout' if the server is slow)"
                    : "at-most-once pop from queue '" + queue + "': " + e.getMessage() + "; LPOP had taken " + lost
                    + " besides the " + payloads.size() + " read whole off the queue, and they are lost (at-most-once"
                    + " delivery loses what a pop took when its reply is lost; use at-least-once delivery to have"
                    + " such tasks delivered again)";
            if (payloads.isEmpty()) {
                throw new SergeantException(e.code(), what, e);
            }
            LOG.log(System.Logger.Level.WARNING, what + "; returning the " + payloads.size() + " read whole");
            popped = payloads.size();
        }
        for (byte[] payload : payloads) {
            out.add(new Delivery(payload, null));
        }
        return popped;
    }

    private static BoundedPop.CutReply cutReply(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof BoundedPop.CutReply cut) {
                return cut;
            }
        }
        return null;
    }

    /**
     * Reads the reply of {@code pop} (its deadline, the read timeout, starts here) and the replies of its burials, and
     * gives the connection back: in step after a reply read whole or an error reply, else marked broken.
     */
    private int readPlain(PlainPop pop, List<byte[]> payloads) {
        Shard shard = pop.shard;
        return shard.client().call("pop", jedis -> {
            try (Connection connection = pop.connection) {
                int n;
                try {
                    n = BoundedPop.read(connection, pop.max, limits.maxPayloadBytes(), System.nanoTime(),
                            shard.client().readTimeout(), payloads, pop.burial, !BoundedPop.SEES_BUFFER);
                } catch (JedisDataException e) {
                    return 0; // LPOP's own error reply, its first and only reply: nothing was sent for a burial
                }
                try {
                    pop.burial.collect(n);
                } catch (RuntimeException | Error e) {
                    connection.setBroken(); // replies may be left unread: never lend this connection out again
                    throw e;
                }
                return n;
            }
        });
    }

    /**
     * Reads the reply of a {@code BLPOP <queue> <wake> <stop> <timeout>} that {@link RedisWakeups} sent on
     * {@code connection} (an at-most-once idle wait that takes the task itself; docs/decisions.md "At-most-once idle
     * wait takes the task itself") with the plain pop's bounds: a payload over {@code maxPayloadBytes} is streamed
     * back and buried as a dead letter on the same connection, as {@link #popPlain} buries it, and its burial's
     * replies read after ({@link OversizedBurial#collect}); the key in the reply at most {@code maxKeyBytes} (the
     * longest key the {@code BLPOP} named: queue names have no length limit); the whole reply within {@code deadline}
     * of {@code start}.
     * Returns null when the wait timed out; else the key popped and its value (null for a payload buried). The
     * caller gives the connection back: in step after this returned or threw {@link JedisDataException} (the
     * server's error reply, say {@code WRONGTYPE}), else marked broken.
     *
     * @throws BoundedPop.CutReply the reply (or its burial's) was cut; a task the server popped is lost with it,
     *         which is logged here with the at-most-once bound
     */
    BoundedPop.Blpopped readTake(String queue, Shard shard, Connection connection, int maxKeyBytes, long start,
                                 Duration deadline) {
        OversizedBurial burial = new OversizedBurial(queue, shard, connection);
        BoundedPop.Blpopped popped;
        try {
            popped = BoundedPop.readBlpop(connection, limits.maxPayloadBytes(), maxKeyBytes, shard.keys().queue(), start,
                    deadline, burial);
        } catch (BoundedPop.CutReply e) {
            // A WARNING when part of a popped element had come (a task is then lost for sure); else, most often a
            // stop's cut or an outage with nothing in flight, an INFO: a task is lost only if the server had sent one.
            boolean started = e.expected() > 0;
            LOG.log(started ? System.Logger.Level.WARNING : System.Logger.Level.INFO, "at-most-once idle wait on queue '"
                    + queue + "': " + e.getMessage() + (started ? "; the element its BLPOP took, a task if it came"
                    + " from the queue, is lost" : "; no element of its reply had begun: a task its BLPOP took, if it took"
                    + " one, is lost") + " (at-most-once delivery loses what a pop took when its reply is lost; use"
                    + " at-least-once delivery to have such tasks delivered again)");
            throw e;
        }
        if (popped != null && popped.value() == null) {
            try {
                burial.collect(0);
            } catch (RuntimeException | Error e) {
                connection.setBroken(); // replies may be left unread: never lend this connection out again
                throw e;
            }
        }
        return popped;
    }

    /**
     * Buries the payloads of a plain pop that are over {@code maxPayloadBytes}: each is streamed, a chunk
     * at a time, into a key of its own on the shard ({@code SET ... PX} an hour, then {@code APPEND}), then
     * {@code bury_oversized.lua} moves it into the dead letters with the script's reason. The worker never
     * holds more than one chunk. The commands are pipelined on the pop's own connection while its reply is
     * still being read, and their replies read after it ({@link #collect}): a burial needs no second
     * connection, so a small pool, or every pooled connection inside a plain pop, cannot make it wait for
     * one (with a second connection a pool of one waited its whole timeout and lost the payload). A payload
     * whose burial fails (an error reply, a dead-letter key of another type) is lost, as any payload an
     * at-most-once pop took is when its reply is lost; that is logged, with its size and its hold key.
     */
    private final class OversizedBurial implements BoundedPop.Oversized {
        private final String queue;
        private final Shard shard;
        private final Connection connection;
        /** The payloads sent for burial, in order. */
        private final List<Sent> sent = new ArrayList<>();
        private byte[] holdKey;
        private long length;
        private int commands;

        OversizedBurial(String queue, Shard shard, Connection connection) {
            this.queue = queue;
            this.shard = shard;
            this.connection = connection;
        }

        @Override
        public void begin(long length) {
            this.length = length;
            holdKey = QueueKeys.bytes(shard.keys().ownPrefix() + "oversized:" + Replies.randomToken());
            commands = 0;
        }

        @Override
        public void chunk(byte[] chunk, int length) {
            byte[] piece = length == chunk.length ? chunk : Arrays.copyOf(chunk, length);
            CommandArguments command = commands == 0
                    ? new CommandArguments(Protocol.Command.SET).key(holdKey)
                            .add(piece).add("PX").add(arg(HOLD_MILLIS))
                    : new CommandArguments(Protocol.Command.APPEND).key(holdKey)
                            .add(piece);
            connection.sendCommand(command); // written now (the chunk is reused); the reply is read in collect()
            commands++;
        }

        @Override
        public void end() {
            List<byte[]> keys = new ArrayList<>(shard.keys().all());
            keys.add(holdKey);
            CommandArguments eval = new CommandArguments(
                    Protocol.Command.EVAL).add(scripts.buryOversized().source()).add(arg(keys.size()));
            keys.forEach(eval::key);
            eval.add(arg(limits.maxPayloadBytes()))
                    .add(arg(limits.deadCapPerShard(topology.shards(queue).size())))
                    .add(arg(length));
            connection.sendCommand(eval);
            // Whatever the script did (a layout error stops it before its own DEL), nothing stays held.
            connection.sendCommand(new CommandArguments(Protocol.Command.DEL).key(holdKey));
            sent.add(new Sent(holdKey, length, commands));
        }

        /**
         * Reads the replies of the burials, in order, after the pop's reply (of {@code popped} payloads); counts and
         * logs what they did. The replies are read as {@link BoundedPop} reads the pop's: bounded in size and all
         * within one read timeout from here (docs/decisions.md, "A burial's replies are read bounded, and a cut one
         * keeps the batch"). When they are cut the connection is dropped, every burial not confirmed is logged with
         * its hold key, and a {@link CutBurial} carries the cause; the payloads the pop read whole stay the caller's.
         */
        void collect(int popped) {
            if (sent.isEmpty()) {
                return;
            }
            long refused = 0;
            long trimmed = 0;
            BoundedPop.Reply reply = BoundedPop.replies(connection, "the burial of an oversized payload",
                    shard.client().readTimeout());
            int confirmed = 0;
            try {
                for (Sent payload : sent) {
                    String failure = null;
                    for (int i = 0; i < payload.commands(); i++) {
                        try {
                            BoundedPop.next(connection, reply);
                        } catch (JedisDataException e) {
                            failure = failure == null ? e.getMessage() : failure;
                        }
                    }
                    try {
                        if (BoundedPop.next(connection, reply) instanceof List<?> result && result.size() == 2
                                && result.get(0) instanceof Long done && result.get(1) instanceof Long dropped) {
                            if (done == 1) {
                                refused++;
                                trimmed += dropped;
                            } else {
                                failure = failure != null ? failure : "the held payload was gone or not whole";
                            }
                        } else {
                            failure = failure != null ? failure : "the burial script gave an unexpected reply";
                        }
                    } catch (JedisDataException e) {
                        failure = failure != null ? failure : e.getMessage();
                    }
                    try {
                        BoundedPop.next(connection, reply); // the DEL
                    } catch (JedisDataException e) {
                        failure = failure != null ? failure : e.getMessage();
                    }
                    confirmed++;
                    lost(payload, failure);
                }
            } catch (RuntimeException | Error e) {
                connection.setBroken(); // inside a reply: never lend this connection out again
                String why = (reply.expired() ? reply.late() : e.getMessage())
                        + (e instanceof BoundedPop.Malformed ? " (is the backend's address a Redis server, with nothing"
                                + " between that alters its replies?)" : "");
                for (Sent payload : sent.subList(confirmed, sent.size())) {
                    LOG.log(System.Logger.Level.ERROR, "queue '" + queue + "': a payload of " + payload.length()
                            + " bytes, over " + limits.maxPayloadBytes() + " bytes, was popped and sent for burial, but"
                            + " the replies confirming it were cut (" + why + "); it is a dead letter if the server ran"
                            + " the burial, else lost, as an at-most-once task whose pop reply is lost (its hold key "
                            + new String(payload.holdKey(), StandardCharsets.UTF_8) + " expires within an hour)");
                }
                RedisDeadLetters.noteRefusedAndTrimmed(limits, queue, shard, refused, trimmed);
                throw new CutBurial("the replies confirming the burial of " + (sent.size() - confirmed) + " of "
                        + sent.size() + " oversized payload(s) were cut: " + why + "; the connection was dropped",
                        popped, sent.size() - confirmed, e);
            }
            reply.restore();
            RedisDeadLetters.noteRefusedAndTrimmed(limits, queue, shard, refused, trimmed);
        }

        /** Logs a burial that failed ({@code failure} not null): its payload is lost. */
        private void lost(Sent payload, String failure) {
            if (failure != null) {
                LOG.log(System.Logger.Level.ERROR, "queue '" + queue + "': a payload of " + payload.length()
                        + " bytes, over " + limits.maxPayloadBytes() + " bytes, was popped but could not be kept as a"
                        + " dead letter (" + failure + "); it is lost, as an at-most-once task whose pop reply is lost"
                        + " (its hold key " + new String(payload.holdKey(), StandardCharsets.UTF_8)
                        + " was deleted)");
            }
        }
    }

    /**
     * The replies of a plain pop's burials were cut ({@link OversizedBurial#collect}) after its {@code LPOP} reply was
     * read whole: every payload within the bound is the caller's; {@link #unconfirmed()} oversized ones may or may
     * not have become dead letters.
     */
    private static final class CutBurial extends BoundedPop.CutReply {
        private static final long serialVersionUID = 1L;
        private final int unconfirmed;

        CutBurial(String message, int popped, int unconfirmed, Throwable cause) {
            super(message, popped, cause);
            this.unconfirmed = unconfirmed;
        }

        /** How many oversized payloads were sent for burial without their burial confirmed. */
        int unconfirmed() {
            return unconfirmed;
        }
    }

    /** An oversized payload sent for burial: its hold key, its length and how many SET/APPEND commands carried it. */
    private record Sent(byte[] holdKey, long length, int commands) {
    }

    /** The whole at-most-once pop as one script: nothing is removed unless all of it succeeds. */
    private void popScript(String queue, Shard shard, int max, List<Delivery> out) {
        List<?> result = (List<?>) shard.client().script(scripts.popDue(), shard.keys().all(),
                List.of(arg(max), arg(limits.maxPayloadBytes()),
                        arg(limits.deadCapPerShard(topology.shards(queue).size()))));
        // The payloads, then the counts of refused (oversized) payloads and of trimmed dead letters.
        int payloads = result.size() - 2;
        RedisDeadLetters.noteRefusedAndTrimmed(limits, queue, shard, number(result.get(payloads)), number(result.get(payloads + 1)));
        for (int i = 0; i < payloads; i++) {
            out.add(new Delivery((byte[]) result.get(i), null));
        }
    }

    long length(String queue, boolean includeDelayed) {
        QueueStats stats = stats(queue);
        return stats.ready() + (includeDelayed ? stats.delayed() : 0);
    }

    QueueStats stats(String queue) {
        requireNonNull(queue, "queue is null");
        long ready = 0;
        long delayed = 0;
        long inFlight = 0;
        long dead = 0;
        for (Shard shard : topology.shards(queue)) {
            List<?> r = (List<?>) shard.client().script(scripts.stats(), shard.keys().all(), List.of());
            long due = number(r.get(2));
            ready += number(r.get(0)) + number(r.get(1)) + due;
            delayed += number(r.get(3)) - due;
            inFlight += number(r.get(4));
            dead += number(r.get(5));
        }
        return new QueueStats(ready, delayed, inFlight, dead);
    }

    boolean purge(String queue) {
        requireNonNull(queue, "queue is null");
        long deleted = 0;
        for (Shard shard : topology.shards(queue)) {
            deleted += number(shard.client().script(scripts.purge(), shard.keys().all(), List.of()));
        }
        return deleted > 0;
    }

    /**
     * The delay in whole milliseconds, rounded up: the script adds it to the server's clock, so a
     * truncated delay scored a task up to 1 ms before consumableFrom and a worker could start it early
     * (seen in DelayedTasksUnderKillsTest).
     */
    static long ceilMillis(Duration delay) {
        long millis = delay.toMillis(); // truncates toward zero: already the ceiling for a past due time
        return delay.isNegative() || delay.getNano() % 1_000_000 == 0 ? millis : millis + 1;
    }
}
