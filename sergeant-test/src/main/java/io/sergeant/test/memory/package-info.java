/**
 * An in-memory Sergeant backend, written as a third-party plugin: URIs {@code memory:NAME}, one
 * JVM-wide store per name, the full {@link io.sergeant.spi.backend.Backend} contract in both delivery
 * modes (leases with tokens, reaping, dead letters, owner locks with a TTL, keys, priorities and
 * delayed tasks). Nothing survives the JVM: use it for unit tests and single-JVM tools, not between
 * processes.
 *
 * <p>Ordering within a queue: immediate tasks before due delayed ones, HIGH before NORMAL, then
 * insertion order; delayed tasks by due time. A released task goes back among the HIGH tasks (ahead of
 * NORMAL) keeping its delivery count; a reaped one goes back to where it came from.
 */
package io.sergeant.test.memory;
