package io.sergeant.spi.backend;

import io.sergeant.spi.Experimental;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Pickup without polling: lets an idle worker wait on the backend for new tasks instead of sleeping
 * between empty pops. Core calls {@link #awaitTasks} only after a pop came back empty and nothing
 * is running, calls {@link #wakeUp()} from another thread when the worker is asked to stop, and pops
 * again when a wait returns {@code true}, and in any case after {@link #fallbackPoll()} (or the worker's
 * {@code pollInterval}, whichever is longer) without a sign, for producers that signal nothing
 * (Python Sergeant's, other processes on a file backend) and for tasks that become deliverable
 * without a push (handed back, reaped, requeued dead letters).
 *
 * <p>A backend without this role is polled as before: core sleeps {@code pollInterval} after an
 * empty pop. Thread safe; failures are thrown as described on {@link Backend}, and core treats one
 * like a failed pop (it pops again, which backs off while the backend is down).
 *
 * @since 0.2
 */
@Experimental("new in 0.2; the fallback contract may still change")
public interface BackendWakeups {

    /**
     * Waits at most {@code timeout} (plus one round trip) until {@code queue} may have a deliverable
     * task: a push that signalled it, or the due time of a delayed task this backend knows of; returns
     * {@code false} at once when {@code stopping} says so.
     *
     * <p>{@code stopping} closes the race between a stop and the start of a wait: core sets its stop flag
     * and then calls {@link #wakeUp()}, which can run just before this wait is ready to be woken. So an
     * implementation must first make the wait reachable by {@link #wakeUp()} (register the connection to
     * cut, or hold the monitor it notifies), then read {@code stopping}, then block; and read it again
     * after every wake-up. Either the wake-up finds the wait, or the wait sees the flag: a stop is never
     * missed, and never waits out {@code timeout}.
     *
     * @param stopping read before the wait blocks and after each wake-up; cheap, thread safe, never blocking
     * @return {@code true} when the caller should pop now (possibly spuriously), {@code false} when
     *         the timeout passed without a sign, {@link #wakeUp()} ended the wait or {@code stopping}
     *         returned true
     */
    boolean awaitTasks(String queue, Duration timeout, BooleanSupplier stopping);

    /**
     * As {@link #awaitTasks(String, Duration, BooleanSupplier)} for a caller without a stop flag: only
     * {@link #wakeUp()} during the wait, a sign or the timeout ends it.
     */
    default boolean awaitTasks(String queue, Duration timeout) {
        return awaitTasks(queue, timeout, () -> false);
    }

    /**
     * Makes every {@link #awaitTasks} in progress in this process return within about a second
     * (with {@code false}, or by throwing): the worker is stopping. A wait that starts after this call
     * is not ended by it; callers pass a {@code stopping} flag they set before calling this (see
     * {@link #awaitTasks(String, Duration, BooleanSupplier)}). Callable from any thread.
     */
    void wakeUp();

    /**
     * The longest an idle worker should go without popping when no sign arrives: tasks from
     * producers that do not signal are picked up within it. Core uses the longer of this and the
     * worker's {@code pollInterval}.
     */
    Duration fallbackPoll();
}
