package io.sergeant.testkit.execution;

import io.sergeant.api.config.Timeouts;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.execution.Killer;
import io.sergeant.spi.execution.KillerFactory;
import io.sergeant.spi.execution.Watch;
import io.sergeant.testkit.execution.RecordingKillable.Call;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The semantics every {@link Killer} must keep (docs/python-compat.md §5.5, §5.6): with timeouts disabled nothing
 * fires; at the timeout {@code interrupt()} is called exactly once and the watch reports timed out;
 * at timeout plus grace period {@code kill()} is called exactly once, after the interrupt, and the
 * watch reports killed; a watch closed in time never fires, and once {@link Watch#close()} has
 * returned its target is never called again (an executor reuses threads and child processes, so a late
 * call would hit the next task); closing the killer stops everything; one killer watches many tasks
 * without a thread per task.
 *
 * <p>An implementation's test extends this class and names its factory:
 * <pre>{@code
 * class ThreadKillerTest extends KillerCompatibilitySuite {
 *     protected KillerFactory killerFactory() { return new ThreadKillerFactory(); }
 * }
 * }</pre>
 * The suite takes a few seconds; timing bounds are generous (a killer may fire late, never early).
 */
public abstract class KillerCompatibilitySuite {

    private static final Duration GENEROUS = Duration.ofSeconds(10);

    private final List<Killer> opened = new ArrayList<>();

    /** The killer factory under test. */
    protected abstract KillerFactory killerFactory();

    /** Creates a killer for these timeouts; it is closed after the test. */
    protected final Killer open(Timeouts timeouts) {
        Killer killer = killerFactory().create(timeouts, PluginContext.defaults());
        opened.add(killer);
        return killer;
    }

    /** Closes every killer the test opened. */
    @AfterEach
    protected void closeOpened() {
        opened.forEach(Killer::close);
        opened.clear();
    }

    /** Timeouts with a timeout and grace period in milliseconds. */
    protected static Timeouts timeouts(long timeoutMillis, long graceMillis) {
        return new Timeouts(Duration.ofMillis(timeoutMillis), Duration.ofMillis(graceMillis));
    }

    @Test
    void withTimeoutsDisabledNothingEverFires() throws InterruptedException {
        Killer killer = open(Timeouts.DEFAULT);
        RecordingKillable target = new RecordingKillable();

        Watch watch = killer.watch(target);
        Thread.sleep(300);

        assertThat(target.events()).isEmpty();
        assertThat(watch.timedOut()).isFalse();
        assertThat(watch.killed()).isFalse();
        watch.close();
        watch.close();
    }

    @Test
    void atTheTimeoutTheTargetIsInterruptedOnce() throws InterruptedException {
        Killer killer = open(timeouts(200, 30_000));
        RecordingKillable target = new RecordingKillable();
        long start = System.nanoTime();

        Watch watch = killer.watch(target);

        assertThat(Eventually.holds(GENEROUS, () -> target.count(Call.INTERRUPT) == 1))
                .as("interrupted within %s", GENEROUS).isTrue();
        assertThat(Duration.ofNanos(target.events().get(0).nanoTime() - start))
                .as("not before the timeout").isGreaterThanOrEqualTo(Duration.ofMillis(150));
        assertThat(watch.timedOut()).isTrue();
        Thread.sleep(300);
        assertThat(target.count(Call.INTERRUPT)).as("interrupted once only").isEqualTo(1);
        assertThat(target.count(Call.KILL)).as("not killed within the grace period").isZero();
        assertThat(watch.killed()).isFalse();
        watch.close();
    }

    @Test
    void afterTheGracePeriodTheTargetIsKilledOnceAfterItsInterrupt() throws InterruptedException {
        Killer killer = open(timeouts(100, 300));
        RecordingKillable target = new RecordingKillable();
        long start = System.nanoTime();

        Watch watch = killer.watch(target);

        assertThat(Eventually.holds(GENEROUS, () -> target.count(Call.KILL) == 1))
                .as("killed within %s", GENEROUS).isTrue();
        List<RecordingKillable.Event> events = target.events();
        assertThat(events).extracting(RecordingKillable.Event::call).containsExactly(Call.INTERRUPT, Call.KILL);
        assertThat(Duration.ofNanos(events.get(1).nanoTime() - start))
                .as("not before timeout + grace period").isGreaterThanOrEqualTo(Duration.ofMillis(350));
        assertThat(watch.timedOut()).isTrue();
        assertThat(watch.killed()).isTrue();
        Thread.sleep(300);
        assertThat(target.events()).as("nothing fires twice").hasSize(2);
        watch.close();
    }

    @Test
    void withoutAGracePeriodTheTargetIsInterruptedThenKilled() {
        Killer killer = open(timeouts(100, 0));
        RecordingKillable target = new RecordingKillable();

        Watch watch = killer.watch(target);

        assertThat(Eventually.holds(GENEROUS, () -> target.count(Call.KILL) == 1)).isTrue();
        assertThat(target.events()).extracting(RecordingKillable.Event::call).containsExactly(Call.INTERRUPT, Call.KILL);
        assertThat(watch.killed()).isTrue();
        watch.close();
    }

    @Test
    void aWatchClosedBeforeItsTimeoutNeverFires() throws InterruptedException {
        Killer killer = open(timeouts(200, 100));
        RecordingKillable target = new RecordingKillable();

        Watch watch = killer.watch(target);
        watch.close();
        Thread.sleep(500);

        assertThat(target.events()).isEmpty();
        assertThat(watch.timedOut()).isFalse();
        assertThat(watch.killed()).isFalse();
    }

    @Test
    void noCallReachesATargetOnceItsWatchIsClosed() throws Exception {
        Killer killer = open(timeouts(30, 30));
        List<RecordingKillable> targets = new java.util.concurrent.CopyOnWriteArrayList<>();
        Concurrently.run(10, Duration.ofSeconds(60), thread -> {
            for (int i = 0; i < 20; i++) {
                RecordingKillable target = new RecordingKillable();
                targets.add(target);
                Watch watch = killer.watch(target);
                Thread.sleep(ThreadLocalRandom.current().nextInt(80));
                watch.close();
                target.forbid();
            }
            return null;
        });
        Thread.sleep(200);

        assertThat(targets).hasSize(200);
        assertThat(targets).allSatisfy(target -> assertThat(target.violations()).isZero());
        assertThat(targets.stream().mapToInt(target -> target.count(Call.INTERRUPT)).sum())
                .as("watches held past the timeout fired").isPositive();
    }

    @Test
    void closingTheKillerStopsEveryWatch() throws InterruptedException {
        Killer killer = open(timeouts(200, 100));
        RecordingKillable target = new RecordingKillable();
        Watch watch = killer.watch(target);

        killer.close();
        killer.close();
        Thread.sleep(500);

        assertThat(target.events()).isEmpty();
        watch.close();
    }

    @Test
    void oneKillerWatchesAThousandTasksWithoutAThreadPerTask() {
        Killer killer = open(timeouts(200, 30_000));
        int threadsBefore = Thread.activeCount();
        List<RecordingKillable> targets = new ArrayList<>();
        List<Watch> watches = new ArrayList<>();

        for (int i = 0; i < 1_000; i++) {
            RecordingKillable target = new RecordingKillable();
            targets.add(target);
            watches.add(killer.watch(target));
        }
        int threadsWatching = Thread.activeCount();

        assertThat(threadsWatching - threadsBefore).as("threads started for 1000 watches").isLessThan(20);
        assertThat(Eventually.holds(GENEROUS,
                () -> targets.stream().allMatch(target -> target.count(Call.INTERRUPT) == 1)))
                .as("every watched task interrupted once").isTrue();
        assertThat(watches).allSatisfy(watch -> assertThat(watch.timedOut()).isTrue());
        watches.forEach(Watch::close);
    }
}
