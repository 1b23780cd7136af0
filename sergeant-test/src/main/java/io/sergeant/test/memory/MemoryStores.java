package io.sergeant.test.memory;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The JVM-wide table of in-memory stores, one per name ({@code memory:orders} and
 * {@code memory:emails} are two stores). Every backend opened on a name shares that name's store, so
 * a producer's broker and a worker in the same JVM see the same queues; a store outlives the backends
 * that use it until {@link #drop(String)} is called.
 *
 * <p>This is the one piece of static mutable state of the plugin, on purpose: core instantiates a
 * fresh factory for every broker and worker, so only a JVM-wide table lets two of them meet. Thread safe.
 */
public final class MemoryStores {

    private static final ConcurrentMap<String, MemoryStore> STORES = new ConcurrentHashMap<>();

    private MemoryStores() {
    }

    /** The store of this name, created empty on first use. */
    static MemoryStore open(String name) {
        Objects.requireNonNull(name, "name is null");
        return STORES.computeIfAbsent(name, MemoryStore::new);
    }

    /**
     * Forgets the store of this name: its queues, keys, locks, leases and dead letters. Backends still
     * open on it keep working on the forgotten store; the next backend opened on the name starts empty.
     * Handy between unit tests.
     *
     * @return whether a store of that name existed
     */
    public static boolean drop(String name) {
        Objects.requireNonNull(name, "name is null");
        return STORES.remove(name) != null;
    }

    /** The names of the stores that exist now, sorted. */
    public static Set<String> names() {
        return new TreeSet<>(STORES.keySet());
    }
}
