package io.sergeant.spi.backend;

import io.sergeant.spi.Experimental;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
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
     * As {@link #awaitTasks(String, Duration, BooleanSupplier)} for an <b>at-most-once</b> worker, except that the
     * wait may take up to {@code max} tasks itself, as an at-most-once {@link Backend#pop} of that size would, so
     * that a task pushed while the worker is idle reaches it in one wake-up instead of a wake-up and a pop
     * (issue 15 §4; docs/decisions.md "At-most-once idle wait takes the task itself"). The default waits with
     * {@link #awaitTasks(String, Duration, BooleanSupplier)} and takes nothing.
     *
     * <p>Contract of the tasks taken: they are already deleted from the backend (unleased deliveries, in delivery
     * order, at most {@code max}), and each payload is within the backend's payload limit, a longer one being
     * dead-lettered exactly as the pop does; once the backend removed a task the wait returns it, whatever ends the
     * wait: a {@link #wakeUp()} (a stop) whose own signal reached the backend in time must not make a task taken by
     * the backend get lost. A task may be lost only where an at-most-once pop's would be (its reply lost: the
     * connection fails, the reader is frozen past its deadline, or the stop's signal did not end the wait within
     * {@link #wakeUp()}'s bound and the wait was cut), and the backend logs it. The caller owns what it returns: it runs the tasks or, when it is ending,
     * hands them back as it hands back any popped task it did not start. A key of another type, an outage or a
     * reply that cannot be read are thrown as by {@link #awaitTasks}; core treats them as a failed wait.
     *
     * @param max the most tasks to take, at least 1
     * @return what ended the wait: tasks taken, a sign to pop now, or neither (timeout, {@link #wakeUp()},
     *         {@code stopping})
     */
    @Experimental("new in 0.2: an at-most-once idle wait that returns the task itself")
    default Awaited awaitOrTake(String queue, int max, Duration timeout, BooleanSupplier stopping) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1: " + max);
        }
        return awaitTasks(queue, timeout, stopping) ? Awaited.POP_NOW : Awaited.NOTHING;
    }

    /**
     * The end of an {@link #awaitOrTake} wait: the tasks it took (already deleted from the backend, possibly none)
     * and whether the caller should pop now (a sign of more, or a task due; possibly spurious).
     *
     * @param taken  the deliveries taken by the wait, in delivery order; the caller owns them
     * @param popNow whether to pop now rather than wait again
     */
    @Experimental("new in 0.2")
    record Awaited(List<Delivery> taken, boolean popNow) {

        /** Nothing taken, no sign: wait again (or end). */
        public static final Awaited NOTHING = new Awaited(List.of(), false);
        /** Nothing taken; pop now. */
        public static final Awaited POP_NOW = new Awaited(List.of(), true);

        /** Copies {@code taken}; not null. */
        public Awaited {
            taken = List.copyOf(Objects.requireNonNull(taken, "taken is null"));
        }
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
