package io.sergeant.cli.bench;

/**
 * The raw pickup floor of a backend (issue 15 §4): the client library alone, one producer connection
 * and one consumer blocked in the server's own wait, in the bench's JVM. What the machine gives any
 * wake-up path with no Sergeant code on it: a pickup tail of the same size is the machine's (its
 * scheduler, its other load), one above it is the worker's. {@link #push} runs on the producer's thread,
 * {@link #take} on one consumer thread; nothing else is shared. Failures are thrown as unchecked
 * exceptions of the client library.
 */
interface RawPickup extends AutoCloseable {

    /** What the floor consists of, for example {@code Jedis: RPUSH, BLPOP on a second connection}. */
    String describe();

    /** Pushes one item carrying {@code id} and {@code pushedAt} (a {@link System#nanoTime()} of this JVM). */
    void push(long id, long pushedAt);

    /**
     * Waits at most about a second for the next item; returns its {@code {id, pushedAt}}, or null when
     * none came.
     */
    long[] take();

    /** Deletes what the raw queue holds and closes both connections. */
    @Override
    void close();
}
