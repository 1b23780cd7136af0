package io.sergeant.backend.redis;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.BackendSpec;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One Redis connection target: a pooled single node ({@link JedisCompat.PooledNode}) or a whole cluster
 * ({@code JedisCluster}), both behind Jedis' {@link UnifiedJedis}. Every command goes through
 * {@link #call}, which translates failures in one place; after a lost connection the idle pooled
 * connections are dropped so that the first call after a server restart already uses a fresh one.
 *
 * <p><b>Slot migrations.</b> While a Redis Cluster slot migrates ({@code CLUSTER SETSLOT … MIGRATING} /
 * {@code IMPORTING}), a script whose keys are split between the two masters, or missing on the importing
 * one, is refused with {@code TRYAGAIN} before it runs; Jedis follows {@code MOVED} and {@code ASK} but
 * throws {@code TRYAGAIN} as it is. {@link #script} waits such a refusal out, sending the script again after
 * a pause that doubles from 1 ms to 100 ms, for at most {@code migrationWait} (the read timeout), then fails
 * with {@code BACKEND_UNAVAILABLE} naming the slot migration (docs/decisions.md, "Slot migrations").
 *
 * <p><b>Failovers (cluster only).</b> A cluster client ({@link #cluster}) runs each call as a series of short
 * steps. In a step Jedis makes at most two attempts: it follows one {@code MOVED} or {@code ASK}
 * redirection, and after two connection failures in a row it renews its slot map (asks a live node for
 * {@code CLUSTER SLOTS}) and gives up, without sleeping (Jedis sleeps a random share of the time left only
 * with three or more attempts). When a step fails because a node did not answer, or with
 * {@code CLUSTERDOWN} (the cluster is between a master's failure and its replica's promotion; the command
 * did not run), the call pauses 10 ms, doubling to at most 200 ms, and runs the next step, which uses the
 * renewed slot map: the call goes on as soon as the key's slot has a reachable master again. It gives up
 * with {@code BACKEND_UNAVAILABLE}, naming the budget and what to check, once {@code budget}
 * ({@code timeout × maxAttempts}) has passed since it started (plus the step under way then: two
 * connection attempts, each bounded by the connect or read timeout), or after {@code maxAttempts} steps
 * that each ended in a redirection. A step that failed after its command reached the server may have
 * run it; Jedis' own retries always had that property, and every script the backend runs in a cluster
 * tolerates it (docs/decisions.md, "Redis Cluster calls ride out a failover in short steps").
 * Thread safe (Jedis pools are).
 */
final class RedisClient implements AutoCloseable {

    private static final long FIRST_PAUSE_MILLIS = 1;
    private static final long MAX_PAUSE_MILLIS = 100;
    /** The first pause between two steps of a cluster call that met a dead node; it doubles. */
    static final long FIRST_STEP_PAUSE_MILLIS = 10;
    /** The longest pause between two steps of a cluster call. */
    static final long MAX_STEP_PAUSE_MILLIS = 200;
    /** Jedis attempts per step of a cluster call: one redirection followed, and no backoff sleep in Jedis. */
    static final int JEDIS_ATTEMPTS_PER_STEP = 2;

    private final UnifiedJedis jedis;
    private final String target;
    private final Runnable dropIdleConnections;
    private final Duration migrationWait;
    /** Cluster only (else null): how long a call may ride out a failover, timeout × maxAttempts. */
    private final Duration budget;
    /** Cluster only: steps ending in a redirection after which a call gives up; the option maxAttempts. */
    private final int maxAttempts;
    /** Cluster only: the read timeout and maxAttempts as the user wrote them, for messages. */
    private final String budgetText;

    /**
     * @param jedis               the client, owned by this object
     * @param target              the masked URI, for messages
     * @param dropIdleConnections called after a connection was lost
     * @param migrationWait       how long a script call waits out a slot migration ({@code TRYAGAIN})
     */
    RedisClient(UnifiedJedis jedis, String target, Runnable dropIdleConnections, Duration migrationWait) {
        this(jedis, target, dropIdleConnections, migrationWait, null, 1);
    }

    private RedisClient(UnifiedJedis jedis, String target, Runnable dropIdleConnections, Duration migrationWait,
                        Duration budget, int maxAttempts) {
        this.jedis = Objects.requireNonNull(jedis, "jedis is null");
        this.target = Objects.requireNonNull(target, "target is null");
        this.dropIdleConnections = Objects.requireNonNull(dropIdleConnections, "dropIdleConnections is null");
        this.migrationWait = Objects.requireNonNull(migrationWait, "migrationWait is null");
        this.budget = budget;
        this.maxAttempts = maxAttempts;
        this.budgetText = budget == null ? "" : "timeout × maxAttempts = " + migrationWait.toMillis() + " ms × " + maxAttempts;
    }

    /**
     * A client for a whole cluster, whose calls run in short steps (see the class comment).
     *
     * @param cluster     the cluster client, built with {@link #JEDIS_ATTEMPTS_PER_STEP} attempts (or fewer),
     *                    owned by this object
     * @param target      the masked URI, for messages
     * @param timeout     the read timeout: how long a script call waits out a slot migration
     * @param maxAttempts the option {@code maxAttempts}: a call rides out a failover for
     *                    {@code timeout × maxAttempts} and follows at most that many failed redirection steps
     */
    static RedisClient cluster(UnifiedJedis cluster, String target, Duration timeout, int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts is " + maxAttempts + "; expected at least 1");
        }
        return new RedisClient(cluster, target, () -> { }, timeout, timeout.multipliedBy(maxAttempts), maxAttempts);
    }

    /** The masked URI of this target. */
    String target() {
        return target;
    }

    /**
     * Runs commands, translating Jedis failures to {@code SergeantException}; on a cluster, in short steps
     * that ride out a failover within the budget (see the class comment). {@code action} may run more
     * than once on a cluster: after a step that failed (a node did not answer, {@code CLUSTERDOWN}, or a
     * redirection not followed within the step).
     */
    <T> T call(String operation, Function<UnifiedJedis, T> action) {
        if (budget == null) {
            try {
                return action.apply(jedis);
            } catch (JedisException e) {
                if (RedisErrors.isConnectionLoss(e)) {
                    dropIdleConnectionsQuietly();
                }
                throw RedisErrors.translate(e, operation, target);
            }
        }
        long start = System.nanoTime();
        long pause = FIRST_STEP_PAUSE_MILLIS;
        int redirected = 0;
        for (int steps = 1; ; steps++) {
            try {
                return action.apply(jedis);
            } catch (JedisException e) {
                Step failed = failedStep(e);
                if (failed == Step.FINAL || failed == Step.REDIRECTED && ++redirected >= maxAttempts) {
                    throw RedisErrors.translate(e, operation, target);
                }
                long left = budget.toNanos() - (System.nanoTime() - start);
                if (left <= 0) {
                    throw outOfBudget(operation, e, System.nanoTime() - start, steps);
                }
                try {
                    Thread.sleep(Math.max(1, Math.min(pause, TimeUnit.NANOSECONDS.toMillis(left))));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw RedisErrors.translate(e, operation + " (its retries were interrupted)", target);
                }
                pause = Math.min(2 * pause, MAX_STEP_PAUSE_MILLIS);
            }
        }
    }

    /** How a step of a cluster call failed. */
    enum Step {
        /** A node did not answer (refused, reset, timed out), or the cluster answered CLUSTERDOWN: retried. */
        UNREACHABLE,
        /** Jedis' attempts ended on a {@code MOVED} or {@code ASK} (the command did not run): retried a few times. */
        REDIRECTED,
        /** Anything else (a server error, a bad command, a cross-slot call): thrown at once. */
        FINAL
    }

    /** Classifies a failed step of a cluster call: the exception, its causes and its suppressed exceptions. */
    static Step failedStep(JedisException e) {
        boolean redirected = false;
        ArrayDeque<Throwable> todo = new ArrayDeque<>(List.of(e));
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        while (!todo.isEmpty()) {
            Throwable t = todo.pop();
            if (!seen.add(t) || seen.size() > 32) {
                continue;
            }
            if (t instanceof JedisConnectionException) {
                return Step.UNREACHABLE;
            }
            if (t instanceof JedisDataException && t.getMessage() != null && t.getMessage().startsWith("CLUSTERDOWN")) {
                return Step.UNREACHABLE;
            }
            redirected |= t instanceof JedisRedirectionException;
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            todo.addAll(List.of(t.getSuppressed()));
        }
        return redirected && e instanceof JedisClusterOperationException ? Step.REDIRECTED : Step.FINAL;
    }

    private SergeantException outOfBudget(String operation, JedisException e, long nanos, int steps) {
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : BackendSpec.maskSecrets(e.getMessage());
        Throwable why = e.getCause() != null ? e.getCause() : e.getSuppressed().length > 0 ? e.getSuppressed()[0] : null;
        if (why != null) {
            detail += ": " + (why.getMessage() == null ? why.getClass().getSimpleName() : BackendSpec.maskSecrets(why.getMessage()));
        }
        return new SergeantException(ErrorCode.BACKEND_UNAVAILABLE, "Redis Cluster at " + target + " is unavailable for "
                + operation + ": no master served the call's slot within " + TimeUnit.NANOSECONDS.toMillis(nanos)
                + " ms (" + steps + " tries; the budget is " + budgetText + ") (" + detail + "); check that every slot has"
                + " a running master ('redis-cli --cluster check <host:port>' on a live node; a master whose replica"
                + " died with it needs a restart or a replica), and give failovers that take longer than the budget a"
                + " larger 'timeout' or 'maxAttempts'", e);
    }

    /**
     * Runs a script by {@code EVALSHA}; when the server does not know it (first use, restart,
     * failover to a replica) it falls back to {@code EVAL}, which also caches it on that server. A
     * {@code TRYAGAIN} (a slot migration under way: the script did not run) is waited out for at most
     * {@code migrationWait} (see the class comment); an interrupt ends the wait at once. Either way the
     * failure says that the script changed nothing.
     */
    Object script(LuaScript script, List<byte[]> keys, List<byte[]> args) {
        return call(script.name(), j -> {
            long deadline = System.nanoTime() + migrationWait.toNanos();
            for (long pause = FIRST_PAUSE_MILLIS; ; pause = Math.min(2 * pause, MAX_PAUSE_MILLIS)) {
                try {
                    return evalOnce(j, script, keys, args);
                } catch (JedisDataException e) {
                    if (!isTryAgain(e)) {
                        throw e;
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw migrating(script, e, "for " + migrationWait.toMillis() + " ms");
                    }
                    try {
                        Thread.sleep(pause);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw migrating(script, e, "until this thread was interrupted");
                    }
                }
            }
        });
    }

    private static Object evalOnce(UnifiedJedis j, LuaScript script, List<byte[]> keys, List<byte[]> args) {
        try {
            return j.evalsha(script.sha(), keys, args);
        } catch (JedisNoScriptException e) {
            return j.eval(script.source(), keys, args);
        }
    }

    /** Whether Redis refused a multi-key command because its slot is being migrated (the command did not run). */
    static boolean isTryAgain(JedisDataException e) {
        return e.getMessage() != null && e.getMessage().startsWith("TRYAGAIN");
    }

    private SergeantException migrating(LuaScript script, JedisDataException e, String waited) {
        return new SergeantException(ErrorCode.BACKEND_UNAVAILABLE, "Redis Cluster at " + target + " refused "
                + script.name() + " with TRYAGAIN " + waited + ": the slot of the queue's keys is being migrated between"
                + " masters and its keys are split between them; the call changed nothing and may be retried. A migration"
                + " that stays open (a reshard that stopped half-way) is closed by 'redis-cli --cluster fix <any node>'", e);
    }

    /**
     * Whether this target is one node, whose pooled connections can run a {@code MULTI}/{@code EXEC}
     * ({@code UnifiedJedis.multi()}, the same signature on Jedis 6, 7 and 8); false for a cluster.
     */
    boolean singleNode() {
        return jedis instanceof JedisCompat.PooledNode;
    }

    /** The read timeout: how long a reply may take ({@link BoundedPop}) and a script waits out a migration. */
    Duration readTimeout() {
        return migrationWait;
    }

    /** Checks that the target answers. */
    void ping() {
        call("ping", UnifiedJedis::ping);
    }

    UnifiedJedis jedis() {
        return jedis;
    }

    @Override
    public void close() {
        try {
            jedis.close();
        } catch (RuntimeException e) {
            System.getLogger(RedisClient.class.getName()).log(System.Logger.Level.DEBUG,
                    "closing Redis client for " + target + " failed: " + e);
        }
    }

    private void dropIdleConnectionsQuietly() {
        try {
            dropIdleConnections.run();
        } catch (RuntimeException e) {
            System.getLogger(RedisClient.class.getName()).log(System.Logger.Level.DEBUG,
                    "dropping idle connections to " + target + " failed: " + e);
        }
    }
}
