package io.sergeant.core.internal.runtime;

import io.sergeant.api.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TaskScope#clearStopInterrupt()}: a thread that runs tasks between other work (the loop thread of a one-thread
 * at-most-once worker) clears a stop's interrupt once its task ended, and only after a stop that interrupts; an
 * interrupt from anything else is left alone.
 */
class TaskScopeStopInterruptTest {

    @AfterEach
    void clearFlag() {
        Thread.interrupted();
    }

    @Test
    void withoutAStopThatInterruptsTheFlagIsLeftAlone() {
        TaskScope scope = new TaskScope();
        Thread.currentThread().interrupt();

        scope.clearStopInterrupt();

        assertThat(Thread.currentThread().isInterrupted()).isTrue();
    }

    @Test
    void aStopsInterruptSentToATaskOfThisThreadIsClearedOnceTheTaskEnded() {
        TaskScope scope = new TaskScope();
        TaskScope.ThreadState mine = scope.mine();
        scope.begin(mine, Task.of(Map.of("id", 1)));
        scope.enter(mine, Phase.WORK);

        scope.interruptWork();
        assertThat(Thread.currentThread().isInterrupted()).as("the task in work was interrupted").isTrue();
        scope.end(mine);
        scope.clearStopInterrupt();

        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void aStopFromAnotherThreadWhileThisOneIsOutOfWorkSendsItNothing() throws Exception {
        TaskScope scope = new TaskScope();
        TaskScope.ThreadState mine = scope.mine();
        scope.begin(mine, Task.of(Map.of("id", 1)));
        scope.enter(mine, Phase.WORK);
        scope.end(mine);

        Thread stopper = new Thread(scope::interruptWork);
        stopper.start();
        stopper.join();
        scope.clearStopInterrupt();

        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(scope.stopInterrupts()).isTrue();
    }
}
