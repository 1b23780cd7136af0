package io.sergeant.executor.thread;

import io.sergeant.toolkit.execution.DeadlineKiller;
import io.sergeant.api.config.Timeouts;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.execution.KillerFactory;
import io.sergeant.spi.execution.Watch;
import io.sergeant.testkit.execution.KillerCompatibilitySuite;
import io.sergeant.testkit.execution.RecordingKillable;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ThreadKillerTest extends KillerCompatibilitySuite {

    @Override
    protected KillerFactory killerFactory() {
        return new ThreadKillerFactory();
    }

    @Test
    void withTimeoutsDisabledNoKillerThreadIsStarted() {
        DeadlineKiller killer = (DeadlineKiller) open(Timeouts.DEFAULT);

        assertThat(killer.threadStarted()).isFalse();
    }

    @Test
    void withTimeoutsEnabledItsSingleThreadIsADaemonThatEndsOnClose() throws InterruptedException {
        long before = killerThreads();
        DeadlineKiller killer = (DeadlineKiller) open(new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5)));

        assertThat(killer.threadStarted()).isTrue();
        assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().equals("sergeant-thread-killer"))
                .allSatisfy(t -> assertThat(t.isDaemon()).isTrue());
        killer.close();
        Thread.sleep(100);
        assertThat(killerThreads()).isLessThanOrEqualTo(before);
    }

    @Test
    void aClosedKillerRefusesNewWatches() {
        DeadlineKiller killer = (DeadlineKiller) open(new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5)));
        killer.close();

        assertThatThrownBy(() -> killer.watch(new RecordingKillable()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aTargetThatThrowsDoesNotStopTheKiller() {
        var killer = open(new Timeouts(Duration.ofMillis(50), Duration.ofSeconds(30)));
        Watch failing = killer.watch(new io.sergeant.spi.execution.Killable() {
            @Override
            public void interrupt() {
                throw new IllegalStateException("target broken on purpose");
            }

            @Override
            public void kill() {
            }
        });
        RecordingKillable healthy = new RecordingKillable();

        try (Watch watch = killer.watch(healthy)) {
            assertThat(io.sergeant.testkit.execution.Eventually.holds(Duration.ofSeconds(10),
                    () -> healthy.count(RecordingKillable.Call.INTERRUPT) == 1)).isTrue();
            assertThat(watch.timedOut()).isTrue();
        }
        assertThat(failing.timedOut()).isTrue();
        failing.close();
    }

    @Test
    void itIsRegisteredAsTheThreadKiller() {
        assertThat(ServiceLoader.load(KillerFactory.class).stream().map(ServiceLoader.Provider::get))
                .anySatisfy(factory -> {
                    assertThat(factory).isInstanceOf(ThreadKillerFactory.class);
                    assertThat(factory.name()).isEqualTo("thread");
                });
        assertThat(new ThreadKillerFactory().create(Timeouts.DEFAULT, PluginContext.defaults())).isNotNull();
    }

    private static long killerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("sergeant-thread-killer") && t.isAlive()).count();
    }
}
