package io.sergeant.core.internal.runtime;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The loop thread's wait on its executor never enters a wait nothing can end. Each call runs on a thread
 * of its own while this thread watches it: a park in {@link ExecutorCount} shows as that thread's blocker
 * (for {@link ExecutorCount#MAX_WAIT_NANOS}, 100 ms), and these tests fail on seeing it. They assert
 * that no wait is entered, never how long anything took.
 */
class ExecutorCountTest {

    @Test
    void aWaitForFewerThanNoTaskIsNotEntered() {
        // The at-least-once pickup stall: the loop saw a task held, the task ended, and the loop then waited
        // for fewer than the count it read again (0): nothing wakes such a wait, it slept 100 ms in full.
        Watched watched = callOnLoopThread(count -> count.awaitBelow(0));

        assertThat(watched.parked()).as("parked in a wait for fewer than 0 tasks").isFalse();
    }

    @Test
    void waitingForOneOfNoneHeldReturnsFalseWithoutWaiting() {
        AtomicBoolean waited = new AtomicBoolean(true);
        Watched watched = callOnLoopThread(count -> waited.set(count.awaitOneLeaving()));

        assertThat(watched.parked()).as("parked waiting for one of no tasks held to leave").isFalse();
        assertThat(waited).isFalse();
    }

    @Test
    void aTaskThatLeftBeforeTheWaitLeavesNothingToWaitFor() {
        // One task handed and gone again before the loop looks: it polls again at once.
        AtomicBoolean waited = new AtomicBoolean(true);
        Watched watched = callOnLoopThread(count -> {
            count.handed(1);
            count.left();
            waited.set(count.awaitOneLeaving());
        });

        assertThat(watched.parked()).isFalse();
        assertThat(waited).isFalse();
    }

    @Test
    void aWaitForATaskHeldIsEnteredAndEndedByItsLeaving() {
        // The other side: with a task held the loop does wait, and the task's leaving ends the wait.
        RunState state = new RunState();
        ExecutorCount count = new ExecutorCount(state);
        count.handed(1);
        AtomicBoolean waited = new AtomicBoolean();
        Thread loop = parkedLoop(state, count, () -> waited.set(count.awaitOneLeaving()));
        count.left();
        join(loop);

        assertThat(waited).isTrue();
        assertThat(count.get()).isZero();
    }

    @Test
    void tasksLeavingDuringOneWaitWakeTheLoopOnce() {
        // The loop waits for fewer than 1,000 of the 1,000 held; 999 leave before it runs again: one wake-up,
        // the first leaver's, not one per task. The wait still ends, and the next wait is woken again.
        RunState state = new RunState();
        ExecutorCount count = new ExecutorCount(state);
        count.handed(1000);
        AtomicBoolean waited = new AtomicBoolean();
        Thread loop = parkedLoop(state, count, () -> {
            count.awaitBelow(1000);
            waited.set(true);
        });
        for (int i = 0; i < 999; i++) {
            count.left();
        }
        join(loop);

        assertThat(waited).isTrue();
        assertThat(count.wakes()).as("wake-ups sent for one wait").isEqualTo(1);
        assertThat(count.get()).isEqualTo(1);

        Thread again = parkedLoop(state, count, count::awaitOneLeaving);
        count.left();
        join(again);
        assertThat(count.wakes()).as("the next wait is woken too").isEqualTo(2);
    }

    /** Starts {@code body} on a new loop thread of {@code state} and returns once it parks in {@code count} (or ended). */
    private static Thread parkedLoop(RunState state, ExecutorCount count, Runnable body) {
        Thread loop = new Thread(() -> {
            state.enterLoopThread();
            body.run();
        }, "test-loop");
        loop.start();
        while (LockSupport.getBlocker(loop) != count && loop.isAlive()) {
            Thread.onSpinWait();
        }
        return loop;
    }

    /** Runs {@code call} on a new loop thread and watches it to its end: whether it ever parked in the count. */
    private static Watched callOnLoopThread(Consumer<ExecutorCount> call) {
        RunState state = new RunState();
        ExecutorCount count = new ExecutorCount(state);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread loop = new Thread(() -> {
            state.enterLoopThread();
            try {
                call.accept(count);
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "test-loop");
        boolean parked = false;
        loop.start();
        while (loop.isAlive()) {
            if (LockSupport.getBlocker(loop) == count) {
                parked = true;
            }
            Thread.onSpinWait();
        }
        join(loop);
        assertThat(failure.get()).isNull();
        return new Watched(parked);
    }

    private static void join(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private record Watched(boolean parked) {
    }
}
