package io.sergeant.backend.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.MongoTimeoutException;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.spi.backend.BackendKeys;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendLocks;
import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.backend.BackendWakeups;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The MongoDB {@link Backend}: Python Sergeant's layout (database {@code sergeant}, collections
 * {@code task_queue}, {@code keys}, {@code locks}) plus the Java-only {@code sergeant_dead_letters},
 * on one or several independent nodes, in both delivery modes, without multi-document transactions.
 * It plays every role, each in a class of its own over the same {@link MongoNodes}:
 * the queue here, {@link MongoLeases}, {@link MongoDeadLetters}, {@link MongoKeys}, {@link MongoLocks},
 * {@link MongoMonitoring}, and pickup by in-process wake-ups in {@link MongoWakeups}. Per node, the
 * stores {@link TaskStore}, {@link LeaseStore}, {@link DeadLetterStore} and {@link KeyLockStore} do the
 * work.
 *
 * <p><b>Nodes.</b> As in Python Sergeant, push and pop share one round-robin pointer that starts at a
 * random node; a pop visits up to every node, asking each for the remainder. Keys and locks live on
 * node {@code crc32(name) % n}. Counts are summed over all nodes. Receipts and dead-letter ids carry
 * their node ({@code <node>:<objectId>}).
 *
 * <p><b>Order.</b> Within a node, tasks come out by {@code priority} then {@code _id}. ObjectIds are
 * made by the client and increase within one producer process; between producer processes they
 * order by second only, so two producers' tasks pushed in the same second have no defined order.
 *
 * <p><b>A node down.</b> A push skips a node that cannot be selected (nothing was sent to it) and
 * goes to the next; a pop returns what the other nodes gave, and what a node that failed mid-pop had
 * already taken in its earlier round trips (deleted, or leased and counted as a delivery), and throws
 * only when it got nothing and a node failed; counts, settles and keys need their node and throw.
 *
 * <p>Thread safe; every method blocks until the server answered and throws {@link SergeantException}
 * ({@code BACKEND_UNAVAILABLE}, {@code BACKEND_REFUSED}, {@code PAYLOAD_TOO_LARGE}) on failure. The
 * driver reconnects by itself. Null arguments throw {@link NullPointerException}.
 */
public final class MongoBackend implements Backend {

    private static final System.Logger LOG = System.getLogger(MongoBackend.class.getName());

    private final MongoNodes nodes;
    private final MongoWakeups wakeups;
    private final MongoLeases leases;
    private final MongoDeadLetters deadLetters;
    private final MongoKeys keys;
    private final MongoLocks locks;
    private final MongoMonitoring monitoring;

    private MongoBackend(MongoNodes nodes, Clock clock, String database) {
        this.nodes = nodes;
        this.wakeups = new MongoWakeups(clock, database);
        this.leases = new MongoLeases(nodes, wakeups);
        this.deadLetters = new MongoDeadLetters(nodes, wakeups, clock);
        this.keys = new MongoKeys(nodes);
        this.locks = new MongoLocks(nodes);
        this.monitoring = new MongoMonitoring(nodes.nodes(), clock);
    }

    /**
     * Connects to every node of {@code uri} (see {@link MongoUris} for the syntax), checks that each
     * answers and creates the indexes.
     *
     * @param database the database to use (Python Sergeant's is {@code sergeant})
     * @param clock    the clock for lease deadlines, delayed tasks and lock expiry
     * @throws SergeantException {@code INVALID_CONFIGURATION} for a bad URI, {@code BACKEND_UNAVAILABLE}
     *         when a node does not answer within its server selection timeout (5 s unless the URI says
     *         otherwise), {@code BACKEND_REFUSED} when it refuses
     */
    public static MongoBackend connect(String uri, String database, Clock clock) {
        return connect(uri, database, clock, DecodeLimits.DEFAULT.maxEncodedBytes(),
                MongoBackendFactory.DEFAULT_MAX_DEAD_LETTERS);
    }

    /**
     * Like {@link #connect(String, String, Clock)}, with limits: a pop moves a payload longer than
     * {@code maxPayloadBytes} to the dead letters instead of returning it, and at most
     * {@code maxDeadLetters} dead letters are kept per queue (0 = no cap; the oldest are deleted, and
     * counted in the log).
     */
    public static MongoBackend connect(String uri, String database, Clock clock, int maxPayloadBytes, int maxDeadLetters) {
        Objects.requireNonNull(database, "database is null");
        if (maxPayloadBytes < 1 || maxDeadLetters < 0) {
            throw new IllegalArgumentException("maxPayloadBytes must be positive and maxDeadLetters not negative: "
                    + maxPayloadBytes + ", " + maxDeadLetters);
        }
        Objects.requireNonNull(clock, "clock is null");
        List<ConnectionString> parsed = MongoUris.parse(uri);
        List<MongoNode> nodes = new ArrayList<>();
        try {
            for (ConnectionString node : parsed) {
                nodes.add(MongoNode.connect(nodes.size(), node, database));
            }
        } catch (RuntimeException e) {
            nodes.forEach(MongoNode::close);
            throw e;
        }
        return new MongoBackend(new MongoNodes(nodes, clock, maxPayloadBytes, maxDeadLetters), clock, database);
    }

    /** How many independent nodes this backend spreads tasks over. */
    public int nodeCount() {
        return nodes.size();
    }

    @Override
    public void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(items, "items is null");
        Objects.requireNonNull(priority, "priority is null");
        items.forEach(item -> Objects.requireNonNull(item, "an item is null"));
        if (items.isEmpty()) {
            return;
        }
        double value = consumableFrom != null
                ? consumableFrom.toEpochMilli() / 1000.0
                : priority == Priority.HIGH ? MongoLayout.HIGH : MongoLayout.NORMAL;
        SergeantException unreachable = null;
        for (int tried = 0; tried < nodes.size(); tried++) {
            int node = nodes.nextNode();
            try {
                nodes.call(node, "push " + items.size() + " task(s) to queue '" + queue + "'", () -> {
                    nodes.tasks(node).insert(queue, items, value);
                    return null;
                });
                wakeups.pushed(queue, consumableFrom);
                return;
            } catch (SergeantException e) {
                // Only a node that could not even be selected is skipped: nothing was sent to it, so
                // pushing to the next independent node cannot duplicate. Any other failure is final.
                if (!(e.getCause() instanceof MongoTimeoutException)) {
                    throw e;
                }
                if (unreachable != null) {
                    e.addSuppressed(unreachable);
                }
                unreachable = e;
                if (nodes.size() > 1) {
                    LOG.log(System.Logger.Level.WARNING, "mongodb node {0} is unreachable; pushing to the next node",
                            nodes.nodes().get(node).maskedUri());
                }
            }
        }
        throw unreachable;
    }

    @Override
    public List<Delivery> pop(String queue, int max, DeliveryOptions options) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(options, "options is null");
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative: " + max);
        }
        wakeups.popping(queue);
        List<Delivery> out = new ArrayList<>();
        SergeantException failure = null;
        for (int visited = 0; visited < nodes.size() && out.size() < max; visited++) {
            int node = nodes.nextNode();
            int want = max - out.size();
            try {
                nodes.call(node, "pop from queue '" + queue + "'", () -> {
                    nodes.tasks(node).pop(queue, want, options, out);
                    return null;
                });
            } catch (SergeantException e) {
                // Tasks already taken, from other nodes or by this node's earlier round trips (they are in
                // out), must still be handed out: at-most-once deleted them, at-least-once counted a delivery.
                if (failure != null) {
                    e.addSuppressed(failure);
                }
                failure = e;
                LOG.log(System.Logger.Level.WARNING, "{0}; the other nodes are still asked", e.getMessage());
            }
        }
        if (out.isEmpty() && failure != null) {
            throw failure;
        }
        return out;
    }

    @Override
    public long length(String queue, boolean includeDelayed) {
        Objects.requireNonNull(queue, "queue is null");
        return nodes.sum("count queue '" + queue + "'", n -> nodes.tasks(n).length(queue, includeDelayed));
    }

    @Override
    public QueueStats stats(String queue) {
        Objects.requireNonNull(queue, "queue is null");
        long ready = 0;
        long delayed = 0;
        long inFlight = 0;
        long dead = 0;
        for (int node = 0; node < nodes.size(); node++) {
            int n = node;
            QueueStats stats = nodes.call(n, "count queue '" + queue + "'",
                    () -> nodes.tasks(n).stats(queue, nodes.deadLetters(n).count(queue)));
            ready += stats.ready();
            delayed += stats.delayed();
            inFlight += stats.inFlight();
            dead += stats.deadLetters();
        }
        return new QueueStats(ready, delayed, inFlight, dead);
    }

    @Override
    public boolean purge(String queue) {
        Objects.requireNonNull(queue, "queue is null");
        return nodes.sum("purge queue '" + queue + "'", n -> nodes.tasks(n).purge(queue) ? 1 : 0) > 0;
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
     * True: the pop runs on the server, so a pop is mostly the server's time and the round trip, not this
     * process's CPU, and half a batch costs about half a whole one ({@link Backend#popsSplitCheaply()}).
     */
    @Override
    public boolean popsSplitCheaply() {
        return true;
    }

    /** Closes every node's client; idempotent. The role objects refuse work afterwards. */
    @Override
    public void close() {
        nodes.close();
    }

    @Override
    public String toString() {
        return nodes.toString();
    }
}
