package io.sergeant.core.internal.runtime;

import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendWakeups;
import io.sergeant.spi.backend.Delivery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * What an idle worker does after an empty pop with nothing running (issue 15 §4, docs/decisions.md
 * "Pickup without polling"). With a backend that has the {@link BackendWakeups} role it waits on the
 * backend until the backend signals a task or the fallback poll is due (the longer of the role's
 * {@link BackendWakeups#fallbackPoll()} and {@code pollInterval}); without the role it sleeps
 * {@code pollInterval}, as Python Sergeant does. Either way, every {@code pollInterval} spent idle
 * counts as one empty poll for the starvation handler, so {@code time_with_no_tasks} keeps its
 * meaning (seconds idle, with the default interval). An at-most-once worker lets the wait take the task itself
 * ({@link BackendWakeups#awaitOrTake}; docs/decisions.md "At-most-once idle wait takes the task itself");
 * {@code -Dsergeant.idle.take=false} turns that off (for measurements). Loop thread only.
 */
final class IdleWait {

    private static final Logger log = LoggerFactory.getLogger(IdleWait.class);
    /** Whether at-most-once waits may take tasks themselves; {@code -Dsergeant.idle.take=false}: never. */
    private static final boolean TAKE = !"false".equals(System.getProperty("sergeant.idle.take"));
    /** After a failed wait, the pause before the next (doubling up to this), so a wait that keeps failing cannot spin. */
    private static final long MAX_FAILURE_PAUSE_NANOS = Duration.ofSeconds(1).toNanos();
    private final BackendWakeups wakeups;
    private final String queue;
    private final long pollNanos;
    private final long fallbackNanos;
    private final RunState state;
    private boolean failureLogged;
    /** The pause after the next failed wait; 0 after a wait that did not fail. */
    private long failurePauseNanos;

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
        await(0, emptyPoll);
    }

    /**
     * As {@link #await(Runnable)}; with {@code take} above 0 (an at-most-once worker) the wait may take up to
     * {@code take} tasks itself ({@link BackendWakeups#awaitOrTake}) and returns them: they are deleted from the
     * backend, and the caller runs them or hands them back. Empty when it took none.
     */
    List<Delivery> await(int take, Runnable emptyPoll) {
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
                    return List.of();
                }
                if (wakeups == null) {
                    LockSupport.parkNanos(this, Math.min(nextEmptyPoll, fallback) - now);
                    continue;
                }
                BackendWakeups.Awaited awaited = waitOnBackend(Duration.ofNanos(fallback - now), take);
                if (!awaited.taken().isEmpty()) {
                    return awaited.taken();
                }
                if (awaited.popNow()) {
                    return List.of();
                }
            }
            return List.of();
        } finally {
            if (wakeups != null) {
                state.stopHook(null);
            }
        }
    }

    /** One wait on the backend, taking up to {@code take} tasks when above 0. */
    private BackendWakeups.Awaited waitOnBackend(Duration timeout, int take) {
        try {
            // state::ending: a stop that lands between the loop's check and the wait's start is seen
            // by the wait (its wakeUp() found no wait to end), so a stop never waits out the fallback poll.
            BackendWakeups.Awaited awaited = take > 0 && TAKE
                    ? wakeups.awaitOrTake(queue, take, timeout, state::ending)
                    : wakeups.awaitTasks(queue, timeout, state::ending) ? BackendWakeups.Awaited.POP_NOW
                            : BackendWakeups.Awaited.NOTHING;
            failureLogged = false;
            failurePauseNanos = 0;
            return awaited;
        } catch (RuntimeException e) {
            // The pop that follows meets the same outage and backs off, logging it; say it once here.
            if (!failureLogged && !state.ending()) {
                log.atDebug().addKeyValue("queue", queue).log("waiting for tasks failed: {}", e.getMessage());
                failureLogged = true;
            }
            // A wait that fails while pops succeed (a key of another type that only the wait reads) must not
            // spin: pause before popping, 1 ms after the first failure in a row, doubling up to a second.
            if (failurePauseNanos > 0) {
                long until = System.nanoTime() + failurePauseNanos;
                long left;
                while (!state.ending() && (left = until - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(this, left);
                }
            }
            failurePauseNanos = failurePauseNanos == 0 ? Duration.ofMillis(1).toNanos()
                    : Math.min(MAX_FAILURE_PAUSE_NANOS, 2 * failurePauseNanos);
            return BackendWakeups.Awaited.POP_NOW;
        }
    }
}
