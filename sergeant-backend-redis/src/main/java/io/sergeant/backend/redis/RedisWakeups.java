package io.sergeant.backend.redis;

import io.sergeant.spi.backend.BackendWakeups;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Protocol;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * answering fails the wait like any other call. Thread safe.
 */
final class RedisWakeups implements BackendWakeups {

    /** How often an idle worker pops anyway: 3 commands per 2 s at most while idle (see the class comment). */
    static final Duration FALLBACK_POLL = Duration.ofSeconds(2);
    /** Due times closer than this are waited for on the client (server timeouts are checked every 1/hz). */
    private static final long CLIENT_SIDE_NANOS = Duration.ofMillis(150).toNanos();
    /** The longest block on a cluster, where {@link #wakeUp()} cannot cut the connection. */
    private static final long CLUSTER_BLOCK_NANOS = Duration.ofSeconds(1).toNanos();
    private static final long MIN_BLOCK_NANOS = Duration.ofMillis(5).toNanos();

    private final Topology topology;
    private final Scripts scripts;
    private final long maxBlockNanos;
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();
    /** Connections in a {@code BLPOP} now (or about to send one), cut by {@link #wakeUp()}. */
    private final Set<Blocked> blocked = ConcurrentHashMap.newKeySet();
    /** Counts {@link #wakeUp()} calls: a wait that sees it change returns. */
    private final AtomicLong wakeUps = new AtomicLong();

    /**
     * @param socketTimeout the connections' read timeout; a single block stays 500 ms below it
     */
    RedisWakeups(Topology topology, Scripts scripts, Duration socketTimeout) {
        this.topology = requireNonNull(topology, "topology is null");
        this.scripts = requireNonNull(scripts, "scripts is null");
        this.maxBlockNanos = Math.max(MIN_BLOCK_NANOS, socketTimeout.minusMillis(500).toNanos());
    }

    /** What one waiter knows of a queue: the next due time (nanoTime), if it is known. */
    private static final class Watch {
        boolean dueKnown;
        long nextDue;
        boolean anyDue;
    }

    @Override
    public boolean awaitTasks(String queue, Duration timeout, BooleanSupplier stopping) {
        requireNonNull(queue, "queue is null");
        requireNonNull(stopping, "stopping is null");
        long deadline = System.nanoTime() + requireNonNull(timeout, "timeout is null").toNanos();
        long wakeUpsAtStart = wakeUps.get();
        List<Shard> shards = topology.shards(queue);
        if (shards.size() != 1) {
            parkUntil(Math.min(deadline, System.nanoTime() + CLUSTER_BLOCK_NANOS));
            return false;
        }
        Shard shard = shards.get(0);
        Watch watch = watches.computeIfAbsent(queue, q -> new Watch());
        synchronized (watch) {
            if (!watch.dueKnown) {
                long ms = Replies.number(shard.client().script(scripts.nextDue(), shard.keys().forPush(""), List.of()));
                if (ms == 0) {
                    return true;
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
                    return true;
                }
                if (now - deadline >= 0 || wakeUps.get() != wakeUpsAtStart || stopping.getAsBoolean()) {
                    return false;
                }
                long until = watch.anyDue && watch.nextDue - deadline < 0 ? watch.nextDue : deadline;
                long blockFor = Math.min(until - now - (until == deadline ? 0 : CLIENT_SIDE_NANOS), maxBlockNanos);
                if (blockFor < MIN_BLOCK_NANOS) {
                    parkUntil(until);
                    continue;
                }
                byte[] signal = block(shard, blockFor, wakeUpsAtStart, stopping);
                if (signal == null) {
                    continue;
                }
                long delayMs = parseDelay(signal);
                if (delayMs <= 0) {
                    watch.dueKnown = false;
                    return true;
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

    @Override
    public void wakeUp() {
        wakeUps.incrementAndGet();
        for (Blocked wait : blocked) {
            synchronized (wait) {
                if (wait.ended) {
                    continue; // its connection may be back in the pool: a cut would make Jedis reconnect it bare
                }
                try {
                    // disconnect() marks it broken too: the pool destroys it when the wait returns it.
                    wait.connection.disconnect();
                } catch (RuntimeException e) {
                    // already cut or broken: the wait ends either way
                }
            }
        }
    }

    /**
     * A connection registered for {@link #wakeUp()} to cut. Its monitor orders a cut with the wait's last
     * check and the sending of its {@code BLPOP}: Jedis reconnects a cut connection when it next sends, so
     * a cut between the check and the send let the {@code BLPOP} block, unseen, on a fresh socket (for a
     * whole block, up to the socket timeout; and the fresh socket had no {@code AUTH} nor {@code SELECT}).
     */
    private static final class Blocked {
        final Connection connection;
        /**
         * Set under this object's monitor before the connection goes back to the pool; {@link #wakeUp()}
         * cuts no ended wait (a late cut would hit the connection's next borrower).
         */
        boolean ended;

        Blocked(Connection connection) {
            this.connection = connection;
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
        String seconds = String.format(Locale.ROOT, "%.3f", nanos / 1e9);
        return new CommandObject<>(new CommandArguments(Protocol.Command.BLPOP).key(key).add(seconds),
                BuilderFactory.BINARY_LIST);
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
