package io.sergeant.backend.redis;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.BackendWakeups;
import io.sergeant.spi.backend.Delivery;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Protocol;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static java.util.Objects.requireNonNull;

/**
 * Pickup without polling on Redis (docs/decisions.md "Pickup without polling"). Every push
 * ({@code push.lua}) appends a signal to the queue's wake-up list {@code __sergeant__:{q}:wake}: the
 * delay of the pushed tasks in ms, {@code 0} for immediate ones. An idle worker first reads how long
 * until the shard has a deliverable task ({@code next_due.lua}: 0, the ms until the earliest delayed
 * task, or none), then blocks in {@code BLPOP} on the wake-up list until a signal, the earliest due
 * time or the caller's timeout, whichever comes first. The last stretch before a due time is waited
 * here rather than on the server (a server checks blocked clients' timeouts only every 1/hz, 100 ms by
 * default), so a delayed task comes due within a few ms of its time. The due time is read again only
 * after a wake-up, so a long idle wait sends one {@code BLPOP} and nothing else.
 *
 * <p>On a single node the {@code BLPOP} runs on a connection borrowed from the pool, which
 * {@link #wakeUp()} cuts (a stop ends the wait at once; the pool drops the cut connection). On a
 * cluster it runs in blocks of at most a second, and {@link #wakeUp()} ends the wait after the
 * current block.
 *
 * <p>Hand-backs and releases of leased tasks, reaped leases and requeued dead letters signal too
 * ({@code signal_wake} in {@code common.lua}). Python producers do not: core's fallback poll
 * ({@link #fallbackPoll()}) picks their tasks up. A queue with several shards
 * (independent nodes, a sharded cluster queue) cannot be waited on with one command; it is polled as
 * before (this role then only sleeps). The {@code BLPOP} is sent without Jedis' blocking flag, so the
 * socket read timeout still guards it (a block is kept 500 ms below it) and a server that stops
 * answering fails the wait like any other call.
 *
 * <p><b>At-most-once waits take the task itself</b> ({@link #awaitOrTake}; docs/decisions.md "At-most-once idle wait
 * takes the task itself"): on a queue of one shard on a pooled single node (a pool of at least two connections), the
 * block is {@code BLPOP <q> <wake> <stop> timeout}: a task pushed to {@code q} (by any producer, Python's included)
 * is popped by the server and returned in the same reply, read with the plain pop's bounds ({@link
 * RedisQueue#readTake}: an oversized payload is buried as a dead letter, never held whole). {@code q} is named first,
 * and pushes signal after storing, so the server hands a blocked worker the task rather than the signal. {@code stop}
 * is a key of this wait alone ({@code __sergeant__:{q}:stop:<token>:<n>}, a list with a 10 s TTL, written only by a
 * stop): {@link #wakeUp()} ends the wait by pushing to it on another connection rather than cutting the wait's
 * connection, so a task the server popped just as the stop came is still read and returned (a cut would lose it with
 * the reply). Only when the wait has not ended within {@link #STOP_PUSH_WAIT_MILLIS} of the stop (no connection free,
 * or none opened in time; the server not answering; a further {@link #STOP_PUSH_WAIT_MILLIS} once the server took
 * the stop) is the connection cut as before; a task popped in that instant is then lost, within the at-most-once
 * bound (what a pop took is lost with its reply).
 * Thread safe.
 */
final class RedisWakeups implements BackendWakeups {

    /** How often an idle worker pops anyway: 3 commands per 2 s at most while idle (see the class comment). */
    static final Duration FALLBACK_POLL = Duration.ofSeconds(2);
    /** Due times closer than this are waited for on the client (server timeouts are checked every 1/hz). */
    private static final long CLIENT_SIDE_NANOS = Duration.ofMillis(150).toNanos();
    /** The longest block on a cluster, where {@link #wakeUp()} cannot cut the connection. */
    private static final long CLUSTER_BLOCK_NANOS = Duration.ofSeconds(1).toNanos();
    private static final long MIN_BLOCK_NANOS = Duration.ofMillis(5).toNanos();
    /**
     * How long a stop push waits for a free connection, and for its replies; and how long {@link #wakeUp()} waits for
     * a taking wait to end before it cuts its connection (twice as long once the server took the stop).
     */
    static final int STOP_PUSH_WAIT_MILLIS = 500;
    /** {@link #STOP_PUSH_WAIT_MILLIS}, longer in tests that check the stop key (not the cut) ends a wait on a busy box. */
    private volatile int stopPushWaitMillis = STOP_PUSH_WAIT_MILLIS;
    /** How long a stop key pushed to lives unread (a wait that ended before it read it). */
    private static final long STOP_KEY_MILLIS = 10_000;
    /** This object's stop keys: {@code <prefix>stop:<token>:<n>}, one per blocking take. */
    private final String stopToken = Replies.randomToken().substring(0, 12);
    private final AtomicLong stopKeys = new AtomicLong();
    private static final System.Logger LOG = System.getLogger(RedisWakeups.class.getName());
    /**
     * Set for good when the server refused a taking wait's {@code BLPOP} itself ({@code NOPERM}: an ACL that does not
     * cover the queue's list or the stop keys; an unknown command: {@code BLPOP} renamed or disabled) or a stop push
     * (an error reply to {@code MULTI}, {@code RPUSH}, {@code PEXPIRE} or {@code EXEC}: every stop would then be a
     * cut): waits then block on the wake-up list alone, as at-least-once ones do. See {@link #turnTakeOff}.
     */
    private final AtomicBoolean takeOff = new AtomicBoolean();
    /**
     * Target, user and queue of every refusal logged as a WARNING in this process ({@link #turnTakeOff}): each worker
     * run opens a backend of its own, so a per-backend "once" was once per run.
     */
    private static final Set<String> REFUSALS_WARNED = ConcurrentHashMap.newKeySet();
    /** Tasks taken by a wait over this process' life, for tests that check the path is taken. */
    static final AtomicLong TAKEN = new AtomicLong();

    private final Topology topology;
    private final Scripts scripts;
    /** Reads the reply of a blocking take ({@link RedisQueue#readTake}); null: waits never take. */
    private final RedisQueue queues;
    private final Duration socketTimeout;
    private final long maxBlockNanos;
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();
    /** Connections in a {@code BLPOP} now (or about to send one), cut by {@link #wakeUp()}. */
    private final Set<Blocked> blocked = ConcurrentHashMap.newKeySet();
    /** Counts {@link #wakeUp()} calls: a wait that sees it change returns. */
    private final AtomicLong wakeUps = new AtomicLong();

    /**
     * @param socketTimeout the connections' read timeout; a single block stays 500 ms below it
     */
    RedisWakeups(Topology topology, Scripts scripts, Duration socketTimeout, RedisQueue queues) {
        this.topology = requireNonNull(topology, "topology is null");
        this.scripts = requireNonNull(scripts, "scripts is null");
        this.queues = queues;
        this.socketTimeout = requireNonNull(socketTimeout, "socketTimeout is null");
        this.maxBlockNanos = Math.max(MIN_BLOCK_NANOS, socketTimeout.minusMillis(500).toNanos());
    }

    /** What one waiter knows of a queue: the next due time (nanoTime), if it is known. */
    private static final class Watch {
        boolean dueKnown;
        long nextDue;
        boolean anyDue;
    }

    /**
     * For tests: how long a stop push may take before {@link #wakeUp()} cuts (default {@link #STOP_PUSH_WAIT_MILLIS}).
     * A test that checks that a stop ends a wait on its stop key sets it long, so the check does not depend on how
     * busy the machine is.
     */
    void stopPushWait(Duration wait) {
        stopPushWaitMillis = Math.toIntExact(wait.toMillis());
    }

    @Override
    public boolean awaitTasks(String queue, Duration timeout, BooleanSupplier stopping) {
        return await(queue, timeout, stopping, false).popNow();
    }

    /**
     * As {@link #awaitTasks}, with a block that takes a task pushed to the queue itself where the queue is one shard
     * on a pooled single node with a pool of at least two connections and the bounded reader is available; elsewhere
     * exactly {@link #awaitTasks}. Takes at most one task whatever {@code max}: the worker's pop that follows takes
     * the rest of a burst.
     */
    @Override
    public Awaited awaitOrTake(String queue, int max, Duration timeout, BooleanSupplier stopping) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1: " + max);
        }
        return await(queue, timeout, stopping, queues != null && BoundedPop.AVAILABLE);
    }

    private Awaited await(String queue, Duration timeout, BooleanSupplier stopping, boolean take) {
        requireNonNull(queue, "queue is null");
        requireNonNull(stopping, "stopping is null");
        long deadline = System.nanoTime() + requireNonNull(timeout, "timeout is null").toNanos();
        long wakeUpsAtStart = wakeUps.get();
        List<Shard> shards = topology.shards(queue);
        if (shards.size() != 1) {
            parkUntil(Math.min(deadline, System.nanoTime() + CLUSTER_BLOCK_NANOS));
            return Awaited.NOTHING;
        }
        Shard shard = shards.get(0);
        JedisCompat.PooledNode taker = take && !takeOff.get() && shard.client().jedis() instanceof JedisCompat.PooledNode node
                && node.pool().getMaxTotal() >= 2 ? node : null;
        Watch watch = watches.computeIfAbsent(queue, q -> new Watch());
        synchronized (watch) {
            if (!watch.dueKnown) {
                long ms = Replies.number(shard.client().script(scripts.nextDue(), shard.keys().forPush(""), List.of()));
                if (ms == 0) {
                    return Awaited.POP_NOW;
                }
                watch.anyDue = ms > 0;
                watch.nextDue = System.nanoTime() + Duration.ofMillis(ms).toNanos();
                watch.dueKnown = true;
            }
            while (true) {
                long now = System.nanoTime();
                if (watch.anyDue && now - watch.nextDue >= 0) {
                    // Read the next due time again at the next wait: the pop takes what is due now.
                    watch.dueKnown = false;
                    return Awaited.POP_NOW;
                }
                if (now - deadline >= 0 || wakeUps.get() != wakeUpsAtStart || stopping.getAsBoolean()) {
                    return Awaited.NOTHING;
                }
                long until = watch.anyDue && watch.nextDue - deadline < 0 ? watch.nextDue : deadline;
                long blockFor = Math.min(until - now - (until == deadline ? 0 : CLIENT_SIDE_NANOS), maxBlockNanos);
                if (blockFor < MIN_BLOCK_NANOS) {
                    parkUntil(until);
                    continue;
                }
                byte[] signal;
                if (taker != null) {
                    Taken taken;
                    try {
                        taken = take(queue, shard, taker, blockFor, wakeUpsAtStart, stopping);
                    } catch (RuntimeException e) {
                        watch.dueKnown = false; // the next wait reads it again (next_due.lua also drops a foreign wake-up key)
                        throw e;
                    }
                    if (taken == Taken.OFF) {
                        taker = null; // the server refused the take: wait on the wake-up list alone from now on
                        continue;
                    }
                    if (taken.task() != null || taken.buried()) {
                        // The push's signal is still in the wake-up list: the next wait's next_due.lua drops it,
                        // rather than a BLPOP returning it at once for a pop that finds nothing.
                        watch.dueKnown = false;
                        if (taken.task() == null) {
                            return Awaited.POP_NOW; // buried as a dead letter: pop for what may follow it
                        }
                        TAKEN.incrementAndGet();
                        return new Awaited(List.of(taken.task()), false);
                    }
                    signal = taken.signal();
                } else {
                    signal = block(shard, blockFor, wakeUpsAtStart, stopping);
                }
                if (signal == null) {
                    continue;
                }
                long delayMs = parseDelay(signal);
                if (delayMs <= 0) {
                    watch.dueKnown = false;
                    return Awaited.POP_NOW;
                }
                long due = System.nanoTime() + Duration.ofMillis(delayMs).toNanos();
                if (!watch.anyDue || due - watch.nextDue < 0) {
                    watch.nextDue = due;
                    watch.anyDue = true;
                }
            }
        }
    }

    @Override
    public Duration fallbackPoll() {
        return FALLBACK_POLL;
    }

    /**
     * Ends every wait in progress within about a second, whatever the server or the pool does: a wait on the wake-up
     * list alone is cut at once; a taking wait gets its stop key pushed on a short-lived daemon thread (the push may
     * have to open a connection, a connect and a handshake this thread must not wait for), and this thread waits at
     * most {@link #STOP_PUSH_WAIT_MILLIS} for the wait to end (a further {@link #STOP_PUSH_WAIT_MILLIS} when the
     * server took the stop, so its reply is already on its way), then cuts the wait's connection, as before the take
     * path, whatever the push's state. The waits are stopped together: the bound does not add up per wait. A call
     * while an earlier call's push to a wait is on its way starts no second push: it waits on that push's outcome. A
     * push the server refuses (an error reply) turns the take off for this backend. Synchronous: a caller may be held
     * about a second (docs/decisions.md, "Refused stop pushes").
     */
    @Override
    public void wakeUp() {
        wakeUps.incrementAndGet();
        int pushWaitMillis = stopPushWaitMillis;
        List<Blocked> stopping = new ArrayList<>();
        for (Blocked wait : blocked) {
            synchronized (wait) {
                if (wait.ended) {
                    continue; // its connection may be back in the pool: a cut would make Jedis reconnect it bare
                }
                if (wait.stopKey == null) {
                    cut(wait);
                    continue;
                }
                if (!wait.sent) {
                    continue; // it checks the count (changed above) under this monitor before it sends: it will not block
                }
                if (wait.pushStarted) {
                    // An earlier wakeUp() pushes its stop already: wait on that push's outcome, start no other.
                    stopping.add(wait);
                    continue;
                }
                wait.pushStarted = true;
            }
            // A taking wait: its BLPOP ends on its stop key, and a task the server popped just before is still
            // read and returned. Pushed on another thread: the push is a round trip on another connection, which
            // the pool may have to open first (connect and handshake, unbounded by the borrow's wait).
            if (startStopPush(wait, pushWaitMillis)) {
                stopping.add(wait);
            } else {
                synchronized (wait) {
                    wait.pushFailed = true; // a later wakeUp() cuts at once too
                    if (!wait.ended) {
                        cut(wait);
                    }
                }
            }
        }
        long pushDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pushWaitMillis);
        long replyDeadline = pushDeadline + TimeUnit.MILLISECONDS.toNanos(pushWaitMillis);
        for (Blocked wait : stopping) {
            synchronized (wait) {
                try {
                    while (!wait.ended && !wait.pushFailed) {
                        // Until the push deadline; past it only while the server has taken the stop (the wait's
                        // reply, maybe a task the server popped, is then on its way: a cut would lose it).
                        long left = (wait.pushTaken ? replyDeadline : pushDeadline) - System.nanoTime();
                        if (left <= 0) {
                            break;
                        }
                        TimeUnit.NANOSECONDS.timedWait(wait, left);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // cut below at once
                }
                if (!wait.ended) {
                    cut(wait); // the stop did not end the wait in time: end it the old way (a task popped now is lost)
                }
            }
        }
    }

    /**
     * Starts pushing a taking wait's stop key on a daemon thread of its own, which records the outcome on the wait
     * and notifies its monitor (once per wait: {@link Blocked#pushStarted}); false when no thread could be started
     * (the caller cuts). A push the server refused turns the take off ({@link #turnTakeOff}).
     */
    private boolean startStopPush(Blocked wait, int waitMillis) {
        try {
            Thread pusher = new Thread(() -> {
                Pushed pushed = pushStop(wait, waitMillis);
                if (pushed.refusal() != null) {
                    turnTakeOff(wait.target, wait.node.user(), wait.queue, "Redis at " + wait.target + " refused the"
                            + " stop of an idle wait of queue '" + wait.queue + "' (MULTI, RPUSH, PEXPIRE and EXEC on its"
                            + " stop key): " + pushed.refusal() + "; a stop that cannot push its key ends a taking wait"
                            + " by cutting its connection, which loses a task the server popped for the wait just then."
                            + " Idle at-most-once waits on this backend therefore no longer take the task themselves:"
                            + " they wait on the wake-up list and pop, as at-least-once ones do (tasks pushed without a"
                            + " wake-up signal, as Python pushes them, are picked up at the fallback poll). To have them"
                            + " take it, allow " + TAKE_NEEDS + " '" + wait.stopPattern + "'");
                }
                synchronized (wait) {
                    if (pushed.written()) {
                        wait.pushTaken = true; // the server has the stop: the wait's reply is on its way
                    } else {
                        wait.pushFailed = true;
                    }
                    wait.notifyAll();
                }
            }, "sergeant-redis-stop-push");
            pusher.setDaemon(true);
            pusher.start();
            return true;
        } catch (RuntimeException | OutOfMemoryError e) {
            return false;
        }
    }

    /** Cuts a wait's connection (under its monitor, not ended). */
    private static void cut(Blocked wait) {
        try {
            // disconnect() marks it broken too: the pool destroys it when the wait returns it.
            wait.connection.disconnect();
        } catch (RuntimeException e) {
            // already cut or broken: the wait ends either way
        }
    }

    /** What the commands of a stop push need besides {@code BLPOP}, for messages. */
    private static final String TAKE_NEEDS = "MULTI, EXEC, and RPUSH and PEXPIRE on";

    /**
     * What a stop push did: whether the stop key was written ({@code RPUSH} answered a length: the wait's reply is on
     * its way), and the server's first error reply, if any ({@code NOPERM}, {@code EXECABORT}...; null: none).
     */
    private record Pushed(boolean written, String refusal) {
        static final Pushed FAILED = new Pushed(false, null);
    }

    /**
     * Pushes to a taking wait's stop key ({@code RPUSH} and {@code PEXPIRE} in one {@code MULTI}/{@code EXEC}, so
     * that a key its wait never read goes away even if the server stops between them) on a connection of the pool
     * borrowed for at most {@code waitMillis}, whose replies must come within as long. Not written when that failed
     * (no free connection, the server slow or gone: logged at DEBUG) or the server refused it; an error reply is
     * returned as the refusal. When {@code MULTI} itself is refused the other commands run at once: the key is then
     * written if {@code RPUSH} was allowed. Runs on its own thread ({@link #wakeUp()} does not wait for it past its
     * bound): a borrow that opens a connection takes its connect and handshake time.
     */
    private static Pushed pushStop(Blocked wait, int waitMillis) {
        redis.clients.jedis.ConnectionPool pool = wait.node.pool();
        Connection connection;
        try {
            connection = pool.borrowObject(Duration.ofMillis(waitMillis));
            connection.setHandlingPool(pool);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "the stop of an idle wait of queue '" + wait.queue + "' got no"
                    + " connection within " + waitMillis + " ms (its connection is cut): " + e);
            return Pushed.FAILED;
        }
        Pushed pushed;
        try {
            int original = connection.getSoTimeout();
            connection.setSoTimeout(waitMillis);
            connection.sendCommand(new CommandArguments(Protocol.Command.MULTI));
            connection.sendCommand(new CommandArguments(Protocol.Command.RPUSH).key(wait.stopKey).add("stop"));
            connection.sendCommand(new CommandArguments(Protocol.Command.PEXPIRE).key(wait.stopKey)
                    .add(Long.toString(STOP_KEY_MILLIS)));
            connection.sendCommand(new CommandArguments(Protocol.Command.EXEC));
            List<Object> replies = connection.getMany(4);
            connection.setSoTimeout(original);
            List<?> results = replies.get(3) instanceof List<?> list ? list : List.of(); // EXEC's, if it ran
            // Written by the transaction, or (MULTI refused) by the RPUSH run at once.
            boolean written = !results.isEmpty() && results.get(0) instanceof Long || replies.get(1) instanceof Long;
            String refusal = null;
            for (Object reply : concat(replies, results)) {
                if (reply instanceof JedisDataException error) {
                    refusal = String.valueOf(error.getMessage());
                    break;
                }
            }
            pushed = new Pushed(written, refusal);
        } catch (RuntimeException e) {
            connection.setBroken(); // a reply may be left unread: the pool drops it
            LOG.log(System.Logger.Level.DEBUG, () -> "the stop of an idle wait of queue '" + wait.queue + "' got no"
                    + " reply within " + waitMillis + " ms (its connection is cut): " + e);
            pushed = Pushed.FAILED;
        }
        try {
            connection.close(); // back to the pool (destroyed if broken)
        } catch (RuntimeException e) {
            // the pool is closed (the backend was closed meanwhile): nothing to give it back to
        }
        return pushed;
    }

    private static List<Object> concat(List<?> first, List<?> second) {
        List<Object> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    /**
     * Turns the take off for good on this backend (at most once: {@link AtomicBoolean#compareAndSet}) and logs
     * {@code why}: as a WARNING the first time in this process for this target, user and queue, at DEBUG after (a
     * supervisor or Spring runner that starts a new worker run, so a new backend, would otherwise warn per run).
     */
    private void turnTakeOff(String target, String user, String queue, String why) {
        if (!takeOff.compareAndSet(false, true)) {
            return;
        }
        boolean first = REFUSALS_WARNED.add(target + '\n' + user + '\n' + queue);
        LOG.log(first ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG, why);
    }

    /**
     * How a blocking take ended: a task (or a payload buried as a dead letter: {@code buried}), a signal from the
     * wake-up list, or nothing (the block timed out, the stop key, a wake-up, the stop flag).
     */
    private record Taken(Delivery task, boolean buried, byte[] signal) {
        static final Taken NONE = new Taken(null, false, null);
        /** The server refused the take's {@code BLPOP} for good ({@link #takeOff} is set): wait without it. */
        static final Taken OFF = new Taken(null, false, null);
    }

    /**
     * One {@code BLPOP <q> <wake> <stop> timeout} of an at-most-once wait (see the class comment); its reply read
     * bounded by {@link RedisQueue#readTake}, within the block and the read timeout.
     */
    private Taken take(String queue, Shard shard, JedisCompat.PooledNode node, long nanos, long wakeUpsAtStart,
                       BooleanSupplier stopping) {
        byte[] queueKey = shard.keys().queue();
        byte[] wake = shard.keys().wake();
        String stopPrefix = shard.keys().ownPrefix() + "stop:";
        byte[] stopKey = QueueKeys.bytes(stopPrefix + stopToken + ":" + stopKeys.incrementAndGet());
        CommandArguments command = new CommandArguments(Protocol.Command.BLPOP).key(queueKey).key(wake).key(stopKey)
                .add(seconds(nanos));
        return shard.client().call("wait for tasks", jedis -> {
            try (Connection connection = node.borrow()) {
                Blocked wait = new Blocked(connection, node, stopKey, stopPrefix + "*", queue, shard.client().target());
                blocked.add(wait);
                try {
                    long start;
                    try {
                        // As in block(): registered first, then checked and sent under the wait's monitor; wakeUp()
                        // pushes the stop key only to a wait that sent (one that did not yet will see the count).
                        synchronized (wait) {
                            if (wakeUps.get() != wakeUpsAtStart || stopping.getAsBoolean()) {
                                return Taken.NONE;
                            }
                            if (!connection.isConnected()) {
                                return Taken.NONE;
                            }
                            start = System.nanoTime();
                            connection.sendCommand(command);
                            wait.sent = true;
                        }
                        BoundedPop.flush(connection);
                    } catch (RuntimeException e) {
                        if (wakeUps.get() != wakeUpsAtStart) {
                            return Taken.NONE; // our own wakeUp() cut the connection: a stop, not an outage
                        }
                        throw e;
                    }
                    BoundedPop.Blpopped popped;
                    try {
                        popped = queues.readTake(queue, shard, connection,
                                Math.max(queueKey.length, Math.max(wake.length, stopKey.length)), start,
                                Duration.ofNanos(nanos).plus(socketTimeout));
                    } catch (JedisDataException e) {
                        return refused(queue, shard, node, queueKey, stopPrefix + "*", e);
                    } catch (BoundedPop.ForeignValue e) {
                        // Not a task (nothing is lost): junk written to a signal key. The wait goes on, on a new connection.
                        LOG.log(System.Logger.Level.INFO, "idle wait of queue '" + queue + "' at "
                                + shard.client().target() + ": " + e.getMessage());
                        return Taken.NONE;
                    } catch (RuntimeException e) {
                        if (wakeUps.get() != wakeUpsAtStart) {
                            return Taken.NONE; // cut by our wakeUp() after its stop push failed: a stop, not an outage
                        }
                        throw e;
                    }
                    if (popped == null || Arrays.equals(popped.key(), stopKey)) {
                        return Taken.NONE;
                    }
                    if (Arrays.equals(popped.key(), queueKey)) {
                        return popped.value() == null ? new Taken(null, true, null)
                                : new Taken(new Delivery(popped.value(), null), false, null);
                    }
                    return new Taken(null, false, popped.value() == null ? new byte[0] : popped.value());
                } finally {
                    synchronized (wait) {
                        wait.ended = true; // before the connection goes back to the pool: no cut after this
                        wait.notifyAll(); // a wakeUp() waiting for this wait to end
                    }
                    blocked.remove(wait);
                }
            }
        });
    }

    /**
     * The server's error reply to a taking wait's {@code BLPOP} (read whole: the connection is in step). {@code NOPERM}
     * or an unknown command turn the take off for good ({@link #turnTakeOff}) and return {@link Taken#OFF};
     * anything else is thrown as {@code BACKEND_REFUSED} with the server's text, with a hint about key types only for
     * {@code WRONGTYPE}.
     */
    private Taken refused(String queue, Shard shard, JedisCompat.PooledNode node, byte[] queueKey, String stopPattern,
                          JedisDataException e) {
        String error = String.valueOf(e.getMessage());
        String target = shard.client().target();
        String what = "Redis at " + target + " refused the idle wait of queue '" + queue + "' (BLPOP of the queue's list '"
                + new String(queueKey, StandardCharsets.UTF_8) + "', its wake-up list and a stop key): " + error;
        if (error.startsWith("NOPERM") || error.toLowerCase(Locale.ROOT).contains("unknown command")) {
            turnTakeOff(target, node.user(), queue, what + "; idle at-most-once waits on this backend no longer take"
                    + " the task themselves: they wait on the wake-up list and pop, as at-least-once ones do (tasks"
                    + " pushed without a wake-up signal, as Python pushes them, are picked up at the fallback poll)."
                    + " To have them take it, allow BLPOP on the queue's list, its wake-up list and '" + stopPattern
                    + "', and " + TAKE_NEEDS + " '" + stopPattern + "' (the stop)");
            return Taken.OFF;
        }
        throw new SergeantException(ErrorCode.BACKEND_REFUSED, what + (error.startsWith("WRONGTYPE")
                ? "; one of these keys holds another type (if it is the queue's list, the pop that follows names it:"
                        + " rename or delete that key, or use another queue name)" : ""));
    }

    /**
     * A connection registered for {@link #wakeUp()} to cut. Its monitor orders a cut with the wait's last
     * check and the sending of its {@code BLPOP}: Jedis reconnects a cut connection when it next sends, so
     * a cut between the check and the send let the {@code BLPOP} block, unseen, on a fresh socket (for a
     * whole block, up to the socket timeout; and the fresh socket had no {@code AUTH} nor {@code SELECT}).
     */
    private static final class Blocked {
        final Connection connection;
        /** The pool the connection came from, for {@link #wakeUp()}'s stop push; null for a wait that does not take. */
        final JedisCompat.PooledNode node;
        /** The wait's stop key ({@link #take}); null for a wait on the wake-up list alone, which is cut. */
        final byte[] stopKey;
        /** The pattern of the queue's stop keys, its name and the server's masked address, for messages (taking waits). */
        final String stopPattern;
        final String queue;
        final String target;
        /** Set under the monitor by the first {@link #wakeUp()} that pushes this wait's stop; later ones start none. */
        boolean pushStarted;
        /** Set under the monitor when the {@code BLPOP} was written: only then does {@link #wakeUp()} push the stop key. */
        boolean sent;
        /** Set under the monitor by the stop push's thread: the server took the stop (the wait's reply is on its way). Never unset. */
        boolean pushTaken;
        /** Set under the monitor by the stop push's thread: the push failed ({@link #wakeUp()} cuts at once). */
        boolean pushFailed;
        /**
         * Set under this object's monitor before the connection goes back to the pool; {@link #wakeUp()}
         * cuts no ended wait (a late cut would hit the connection's next borrower).
         */
        boolean ended;

        Blocked(Connection connection) {
            this(connection, null, null, null, null, null);
        }

        Blocked(Connection connection, JedisCompat.PooledNode node, byte[] stopKey, String stopPattern, String queue,
                String target) {
            this.connection = connection;
            this.node = node;
            this.stopKey = stopKey;
            this.stopPattern = stopPattern;
            this.queue = queue;
            this.target = target;
        }
    }

    /** One {@code BLPOP} on the wake-up list; the signal, or null when the block timed out. */
    private byte[] block(Shard shard, long nanos, long wakeUpsAtStart, BooleanSupplier stopping) {
        byte[] wake = shard.keys().wake();
        RedisClient client = shard.client();
        if (!(client.jedis() instanceof JedisCompat.PooledNode node)) {
            CommandObject<List<byte[]>> command = blpop(wake, Math.min(nanos, CLUSTER_BLOCK_NANOS));
            return signal(client.call("wait for tasks", jedis -> jedis.executeCommand(command)));
        }
        CommandObject<List<byte[]>> command = blpop(wake, nanos);
        return signal(client.call("wait for tasks", jedis -> {
            try (Connection connection = node.borrow()) {
                Blocked wait = new Blocked(connection);
                blocked.add(wait);
                try {
                    // Registered first, then checked: a wakeUp() from now on cuts this connection, and one
                    // before it either changed the count or followed a stop that stopping() reports. Checked
                    // and sent under the wait's monitor, which wakeUp() takes to cut: a cut comes before the
                    // check (seen there) or after the send (it ends the BLPOP), never in between.
                    try {
                        synchronized (wait) {
                            if (wakeUps.get() != wakeUpsAtStart || stopping.getAsBoolean()) {
                                return null; // woken or stopped between the check and the borrow
                            }
                            if (!connection.isConnected()) {
                                return null; // closed already: never let Jedis reconnect a wait's connection without AUTH/SELECT
                            }
                            connection.sendCommand(command.getArguments());
                        }
                        return command.getBuilder().build(connection.getOne());
                    } catch (RuntimeException e) {
                        if (wakeUps.get() != wakeUpsAtStart) {
                            return null; // our own wakeUp() cut the connection: a stop, not an outage
                        }
                        throw e;
                    }
                } finally {
                    synchronized (wait) {
                        wait.ended = true; // before the connection goes back to the pool: no cut after this
                    }
                    blocked.remove(wait);
                }
            }
        }));
    }

    private static CommandObject<List<byte[]>> blpop(byte[] key, long nanos) {
        return new CommandObject<>(new CommandArguments(Protocol.Command.BLPOP).key(key).add(seconds(nanos)),
                BuilderFactory.BINARY_LIST);
    }

    /** A {@code BLPOP} timeout in seconds, to the ms. */
    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e9);
    }

    private static byte[] signal(List<byte[]> reply) {
        return reply == null || reply.size() < 2 ? null : reply.get(1);
    }

    private static long parseDelay(byte[] signal) {
        try {
            return Long.parseLong(new String(signal, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return 0; // not ours: wake up and pop, harmless
        }
    }

    private static void parkUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
