package io.sergeant.core.internal.runtime;

import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendWakeups;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * What an idle worker does after an empty pop with nothing running (issue 15 §4, docs/decisions.md
 * "Pickup without polling"). With a backend that has the {@link BackendWakeups} role it waits on the
 * backend until the backend signals a task or the fallback poll is due (the longer of the role's
 * {@link BackendWakeups#fallbackPoll()} and {@code pollInterval}); without the role it sleeps
 * {@code pollInterval}, as Python Sergeant does. Either way, every {@code pollInterval} spent idle
 * counts as one empty poll for the starvation handler, so {@code time_with_no_tasks} keeps its
 * meaning (seconds idle, with the default interval). Loop thread only.
 */
final class IdleWait {

    private static final Logger log = LoggerFactory.getLogger(IdleWait.class);
    private final BackendWakeups wakeups;
    private final String queue;
    private final long pollNanos;
    private final long fallbackNanos;
    private final RunState state;
    private boolean failureLogged;

    /**
     * @param backend      the worker's backend; its wake-up role is used when present
     * @param queue        the worker's queue
     * @param pollInterval the worker's poll interval (positive)
     * @param state        the run's flags, checked between slices
     */
    IdleWait(Backend backend, String queue, Duration pollInterval, RunState state) {
        this.wakeups = backend.wakeupRole().orElse(null);
        this.queue = Objects.requireNonNull(queue, "queue is null");
        this.pollNanos = pollInterval.toNanos();
        this.fallbackNanos = wakeups == null ? pollNanos : Math.max(pollNanos, wakeups.fallbackPoll().toNanos());
        this.state = Objects.requireNonNull(state, "state is null");
    }

    /** Whether the backend is waited on (true) or polled (false). */
    boolean waitsOnBackend() {
        return wakeups != null;
    }

    /**
     * Waits until the next pop is worth making or the run ends; calls {@code emptyPoll} once per
     * {@code pollInterval} spent waiting without a sign (it may stop the run).
     */
    void await(Runnable emptyPoll) {
        long start = System.nanoTime();
        long nextEmptyPoll = start + pollNanos;
        long fallback = start + fallbackNanos;
        if (wakeups != null) {
            state.stopHook(wakeups::wakeUp);
        }
        try {
            while (!state.ending()) {
                long now = System.nanoTime();
                if (now - nextEmptyPoll >= 0) {
                    emptyPoll.run();
                    nextEmptyPoll += pollNanos;
                    continue;
                }
                if (now - fallback >= 0) {
                    return;
                }
                if (wakeups == null) {
                    LockSupport.parkNanos(this, Math.min(nextEmptyPoll, fallback) - now);
                    continue;
                }
                if (waitOnBackend(Duration.ofNanos(fallback - now))) {
                    return;
                }
            }
        } finally {
            if (wakeups != null) {
                state.stopHook(null);
            }
        }
    }

    /** One wait on the backend; true when the next pop is worth making now. */
    private boolean waitOnBackend(Duration timeout) {
        try {
            // state::ending: a stop that lands between the loop's check and the wait's start is seen
            // by the wait (its wakeUp() found no wait to end), so a stop never waits out the fallback poll.
            boolean signalled = wakeups.awaitTasks(queue, timeout, state::ending);
            failureLogged = false;
            return signalled;
        } catch (RuntimeException e) {
            // The pop that follows meets the same outage and backs off, logging it; say it once here.
            if (!failureLogged && !state.ending()) {
                log.atDebug().addKeyValue("queue", queue).log("waiting for tasks failed: {}", e.getMessage());
                failureLogged = true;
            }
            return true;
        }
    }
}
