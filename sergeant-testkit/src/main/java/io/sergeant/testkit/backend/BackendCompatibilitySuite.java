package io.sergeant.testkit.backend;

import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendDeadLetters;
import io.sergeant.spi.backend.BackendKeys;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendLocks;
import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.backend.BackendRole;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The compatibility suite every {@link Backend} passes: Python Sergeant's connector scenarios (keys,
 * queues, priorities, delayed tasks, locks) and the at-least-once contract (leases, redelivery, stale
 * receipts, release, dead letters, stats), in both delivery modes where that is meaningful.
 *
 * <p>A backend's test extends this class in a few lines:
 * <pre>{@code
 * class MyBackendTest extends BackendCompatibilitySuite {
 *     @Override
 *     protected Backend newBackend() {
 *         return new MyBackendFactory().create(new BackendSpec("my://...", Map.of()), PluginContext.defaults());
 *     }
 * }
 * }</pre>
 *
 * <p><b>Lifecycle.</b> {@link #newBackend()} is called once before every test; the suite closes the
 * backend after the test. Every test uses queue, key and lock names of its own, so tests do not
 * interfere even when the backend's store outlives the test (a shared server or file).
 *
 * <p><b>Roles.</b> The tests are grouped by SPI role in {@code @Nested} classes ({@code Queue},
 * {@code Leases}, {@code DeadLetters}, {@code Keys}, {@code Locks}, {@code Monitoring}, and
 * {@code Limits}); each is declared here in a few lines and its scenarios live in a class of their own
 * in this package ({@code QueueScenarios}, {@code LeaseScenarios}, ...; their shared fixture and
 * helpers in {@code RoleScenarios}). A role's tests run when the backend plays it. {@link #expectedRoles()} says which roles the backend must play (all by default),
 * and a test fails if it plays others or fewer, so no role's tests are skipped unnoticed.
 *
 * <p><b>Capabilities.</b> Override {@link #singleNode()} for a backend of several independent nodes
 * (global order assertions become set assertions; override {@link #tasksPerNode(String)} with it),
 * {@link #highPriorityIsFifo()} for a backend where
 * HIGH tasks among themselves come out last-in first-out (Python Sergeant's Redis layout),
 * {@link #shortLease()} and {@link #maxWait()} for slow backends, {@link #bulkSize()} for a test server
 * that cannot hold 10,000 tasks quickly.
 *
 * <p>Time-based checks poll with a deadline rather than sleep a fixed time; no check asserts a tight
 * timing. The whole suite takes a few seconds plus roughly ten short leases.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class BackendCompatibilitySuite {

    /** The backend under test, opened before each test by {@link #newBackend()} and closed after it. */
    protected Backend backend;
    /** The backend's lease role, or null if it does not play it (then the lease tests are skipped). */
    protected BackendLeases leases;
    /** The backend's dead-letter role, or null. */
    protected BackendDeadLetters deadLetters;
    /** The backend's key role, or null. */
    protected BackendKeys keys;
    /** The backend's lock role, or null. */
    protected BackendLocks locks;
    /** The backend's monitoring role, or null. */
    protected BackendMonitoring monitoring;

    private String testName = "test";

    /**
     * Opens a fresh backend for one test. The suite closes it after the test; it may share its store
     * with backends opened for other tests.
     */
    protected abstract Backend newBackend();

    /**
     * Whether the backend is a single node with one global order. Several independent nodes (Python
     * Sergeant's multi-node Redis) have no global order, so ordering checks compare sets instead.
     */
    protected boolean singleNode() {
        return true;
    }

    /**
     * For a backend of several independent nodes or shards ({@link #singleNode()} false): how many tasks
     * of {@code queue} each node holds, one entry per node, read from the nodes themselves rather than
     * through the backend. The suite uses it to check that producers spread their pushes over the nodes
     * (each opened backend starts its push rotation at a random node, as Python Sergeant does). A backend
     * of several nodes must override it (the scenario fails otherwise); single-node backends need not.
     * The default returns null.
     */
    protected List<Long> tasksPerNode(String queue) {
        return null;
    }

    /** Whether HIGH tasks come out first-in first-out among themselves (false for an LPUSH layout). */
    protected boolean highPriorityIsFifo() {
        return true;
    }

    /** The lease used by tests that wait for a lease to expire; at least one second. */
    protected Duration shortLease() {
        return Duration.ofSeconds(1);
    }

    /** How long a poll waits for something that should happen soon (an expiry, a due time). */
    protected Duration maxWait() {
        return Duration.ofSeconds(15);
    }

    /**
     * How many tasks the bulk test pushes in one call (10,000 by default); the concurrent-pop test
     * uses four fifths of it. Lower it only for a test server that cannot hold that many quickly (an
     * in-process emulator that scans whole collections); keep it at least 100.
     */
    protected int bulkSize() {
        return 10_000;
    }

    /**
     * A running count, read on the store's side, of the bytes the backend's store has sent to (or the
     * test JVM has read from) it so far: the scenario that checks a dead-letter listing fetches no
     * payload it does not return measures a listing with it. For example Redis {@code INFO stats}
     * {@code total_net_output_bytes} summed over the nodes, a wire server's count of the bytes it
     * answered, or the {@code rchar} of {@code /proc/self/io} for a file in this JVM. It need not count
     * only this backend's traffic, but it must count every payload byte a listing fetches. The default
     * returns -1: the test cannot tell, and that scenario is skipped, saying so; every backend whose
     * store can be measured should override it.
     */
    protected long bytesServed() {
        return -1;
    }

    /**
     * Opens a backend like {@link #newBackend()} (same store) but with these limits: a pop moves a
     * payload longer than {@code maxPayloadBytes} to the dead letters (reason starting with
     * {@code "undecodable: "}) instead of returning it, and at most {@code maxDeadLetters} dead letters
     * are kept per queue (the oldest over it are trimmed, and each trim is counted in a warning through
     * {@code System.Logger} that names the queue in quotes, the option {@code maxDeadLetters} and
     * "the N oldest" deleted; the {@code Limits} scenarios read it through java.util.logging, the JDK's
     * default). For the built-in backends these are the
     * options {@code maxPayloadSize} and {@code maxDeadLetters}. The default returns null: the
     * {@code Limits} tests are then skipped, saying so; every backend that can bound what it hands a
     * worker should override it. The suite closes the backend.
     */
    protected Backend newBackendWithLimits(int maxPayloadBytes, int maxDeadLetters) {
        return null;
    }

    /**
     * The roles the backend under test plays. The suite checks that the backend plays exactly these,
     * and skips the tests of roles outside them; so a backend that lost a role fails instead of
     * silently skipping its tests. Every role by default; a plugin that starts with fewer roles lists
     * them here.
     */
    protected Set<BackendRole> expectedRoles() {
        return EnumSet.allOf(BackendRole.class);
    }

    /** Skips the current test unless the backend plays every one of {@code roles}. */
    protected final void assumeRoles(BackendRole... roles) {
        for (BackendRole role : roles) {
            assumeTrue(backend.roles().contains(role), () -> backend + " does not play the " + role.label() + " role");
        }
    }

    @BeforeEach
    final void openBackend(TestInfo info) {
        testName = info.getTestMethod().map(m -> m.getName()).orElse("test");
        backend = newBackend();
        assertThat(backend).as("newBackend() result").isNotNull();
        leases = backend.leaseRole().orElse(null);
        deadLetters = backend.deadLetterRole().orElse(null);
        keys = backend.keyRole().orElse(null);
        locks = backend.lockRole().orElse(null);
        monitoring = backend.monitoringRole().orElse(null);
    }

    @AfterEach
    final void closeBackend() {
        if (backend != null) {
            backend.close();
            backend = null;
        }
    }

    // ---------------------------------------------------------------- the scenarios, one class per role

    /** The queue role: every backend plays it. See {@link QueueScenarios}. */
    @Nested
    @DisplayName("queue role: push, pop, length, purge")
    class Queue extends QueueScenarios {
        Queue() {
            super(BackendCompatibilitySuite.this);
        }
    }

    /** The lease role, with the dead-letter role it feeds. See {@link LeaseScenarios}. */
    @Nested
    @DisplayName("lease role: receipts, ack, extend, release, reap")
    class Leases extends LeaseScenarios {
        Leases() {
            super(BackendCompatibilitySuite.this);
        }
    }

    /** The dead-letter role. See {@link DeadLetterScenarios}. */
    @Nested
    @DisplayName("dead-letter role: store, list, requeue, purge")
    class DeadLetters extends DeadLetterScenarios {
        DeadLetters() {
            super(BackendCompatibilitySuite.this);
        }
    }

    /** The key role. See {@link KeyScenarios}. */
    @Nested
    @DisplayName("key role: set, get, delete")
    class Keys extends KeyScenarios {
        Keys() {
            super(BackendCompatibilitySuite.this);
        }
    }

    /** The lock role. See {@link LockScenarios}. */
    @Nested
    @DisplayName("lock role: owners and TTLs")
    class Locks extends LockScenarios {
        Locks() {
            super(BackendCompatibilitySuite.this);
        }
    }

    /** The monitoring role. See {@link MonitoringScenarios}. */
    @Nested
    @DisplayName("monitoring role: queue listing and worker registry")
    class Monitoring extends MonitoringScenarios {
        Monitoring() {
            super(BackendCompatibilitySuite.this);
        }
    }

    /** Limits against a hostile producer. See {@link LimitScenarios}. */
    @Nested
    @DisplayName("limits: oversized payloads, dead-letter cap, expired HIGH tasks")
    class Limits extends LimitScenarios {
        Limits() {
            super(BackendCompatibilitySuite.this);
        }
    }

    // ---------------------------------------------------------------- the backend as a whole

    @Test
    @DisplayName("the backend plays exactly the roles its test expects, so no role's tests are skipped unnoticed")
    void playsTheExpectedRoles() {
        assertThat(backend.roles()).as("roles of " + backend).isEqualTo(expectedRoles());
        assertThat(backend.roles()).contains(BackendRole.QUEUE);
    }

    @Test
    @DisplayName("close is idempotent")
    void closeIsIdempotent() {
        Backend other = newBackend();
        other.close();
        other.close();
    }

    /** The name of the current test method, for names unique to it. */
    String testName() {
        return testName;
    }
}
