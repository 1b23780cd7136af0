package io.sergeant.backend.local;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.spi.backend.BackendKeys;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendLocks;
import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.backend.BackendWakeups;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@link Backend} on one SQLite file, shared safely by any number of threads and processes (see
 * the package documentation for the table layout, locking and durability). It plays every role, each
 * in a class of its own over the same {@link SqliteFile}: {@link SqliteQueue}, {@link SqliteLeases},
 * {@link SqliteDeadLetters}, {@link SqliteKeys}, {@link SqliteLocks}, {@link SqliteMonitoring}.
 *
 * <p>Every write runs as one statement or one short {@code BEGIN IMMEDIATE} transaction, so a process
 * killed at any moment leaves either all or none of an operation. Lease expiry, delayed tasks and
 * lock TTLs use this process's clock (epoch seconds), as Python Sergeant does.
 *
 * <p>Thread safe. Every method blocks until SQLite answered, waiting up to {@code busyTimeout} for
 * another process's write lock; failures are {@link SergeantException}s ({@code BACKEND_UNAVAILABLE}
 * for a busy or unreachable file, {@code BACKEND_REFUSED} otherwise, {@code ILLEGAL_ACTION} after close).
 */
public final class LocalBackend implements Backend {

    private static final System.Logger LOG = System.getLogger(LocalBackend.class.getName());

    private final SqliteFile file;
    private final SqliteQueue queue;
    private final SqliteLeases leases;
    private final SqliteDeadLetters deadLetters;
    private final SqliteKeys keys;
    private final SqliteLocks locks;
    private final SqliteMonitoring monitoring;
    private final SqliteWakeups wakeups;

    private LocalBackend(SqliteFile file) {
        this.file = file;
        this.queue = new SqliteQueue(file);
        this.leases = new SqliteLeases(file);
        this.deadLetters = new SqliteDeadLetters(file, leases);
        this.keys = new SqliteKeys(file);
        this.locks = new SqliteLocks(file);
        this.monitoring = new SqliteMonitoring(file);
        this.wakeups = new SqliteWakeups(file);
    }

    /**
     * Opens the file (creating it and its missing parent directories), applies the settings and
     * creates or upgrades the tables.
     *
     * @throws SergeantException {@code BACKEND_UNAVAILABLE} when the file or its directory cannot be
     *         created or opened, {@code BACKEND_REFUSED} when it is not a SQLite database
     */
    public static LocalBackend open(LocalSettings settings, Clock clock) {
        LocalBackend backend = new LocalBackend(SqliteFile.open(settings, clock));
        LOG.log(System.Logger.Level.DEBUG, "opened sqlite file {0} ({1})", settings.file(), settings);
        return backend;
    }

    /** The database file. */
    public Path file() {
        return file.path();
    }

    @Override
    public void push(String queue, List<byte[]> items, Priority priority, Instant consumableFrom) {
        this.queue.push(queue, items, priority, consumableFrom);
        wakeups.pushed(queue);
    }

    @Override
    public List<Delivery> pop(String queue, int max, DeliveryOptions options) {
        Objects.requireNonNull(queue, "queue is null");
        Objects.requireNonNull(options, "options is null");
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative: " + max);
        }
        if (max == 0) {
            return List.of();
        }
        return options.leased() ? leases.pop(queue, max, options) : this.queue.pop(queue, max);
    }

    @Override
    public long length(String queue, boolean includeDelayed) {
        return this.queue.length(queue, includeDelayed);
    }

    @Override
    public QueueStats stats(String queue) {
        return this.queue.stats(queue);
    }

    @Override
    public boolean purge(String queue) {
        return this.queue.purge(queue);
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
     * True in {@code journalMode=WAL}, though SQLite pops run in this process's CPU: a commit there neither
     * fsyncs ({@code synchronous=NORMAL}) nor checkpoints on the popping thread ({@link WalCheckpointer}), so a
     * pop of half a batch costs about half a whole one and an at-most-once worker pops halves ahead
     * (docs/decisions.md, "SQLite at-most-once: split pop ahead in WAL mode"). False with a rollback journal,
     * whose every commit fsyncs: halved pops would pay that twice per batch (not measured; whole batches kept).
     */
    @Override
    public boolean popsSplitCheaply() {
        return "WAL".equalsIgnoreCase(file.settings().journalMode());
    }

    /** Closes every connection (lent ones when they come back); idempotent. */
    @Override
    public void close() {
        file.close();
    }

    @Override
    public String toString() {
        return "LocalBackend[" + file.path() + "]";
    }
}
