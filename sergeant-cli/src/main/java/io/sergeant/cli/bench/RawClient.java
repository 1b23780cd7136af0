package io.sergeant.cli.bench;

import java.util.List;

/**
 * The raw client limit of a backend: the same encoded bytes pushed and popped with the backend's
 * client library directly, in the backend's own data layout, under a queue name of its own
 * ({@value #QUEUE}). What Sergeant's figures are compared against. Not thread safe; one thread uses it.
 * Failures are thrown as unchecked exceptions of the client library.
 */
interface RawClient extends AutoCloseable {

    /** The queue (or key) the raw client uses; never the benchmarked queue. */
    String QUEUE = "sergeant-bench-raw";

    /** What the limit consists of, for example {@code Jedis: pipelined RPUSH / LPOP count}. */
    String describe();

    /** Pushes each item with its own command and round trip. */
    void pushOneByOne(List<byte[]> items);

    /** Pushes the items in chunks of {@code chunk}, as fast as the client allows. */
    void pushBulk(List<byte[]> items, int chunk);

    /** Pops everything in batches of {@code batch}; returns how many items came back. */
    long popAll(int batch);

    /**
     * Pops everything in batches of {@code batch} the way a lease needs it (each batch taken and recorded
     * as leased in one server-side step), returning how many items came back; -1 when this client has no
     * such limit (then at-least-once drains compare with {@link #popAll}).
     */
    default long popAllLeased(int batch) {
        return -1;
    }

    /** What {@link #popAllLeased} does, or empty when it has no such limit. */
    default String describeLeased() {
        return "";
    }

    /**
     * The server's count of calls per command since it started ({@code INFO commandstats} on Redis: the
     * commands scripts run inside are counted too), or empty when the server has no such count.
     */
    default java.util.Map<String, Long> commandCalls() {
        return java.util.Map.of();
    }

    /**
     * Opens the raw pickup floor of this backend ({@link RawPickup}) on connections of its own, or returns
     * null when this client has none (a backend without a server-side wait).
     */
    default RawPickup pickup() {
        return null;
    }

    /** Deletes whatever the raw queue holds. */
    void clear();

    @Override
    void close();
}
