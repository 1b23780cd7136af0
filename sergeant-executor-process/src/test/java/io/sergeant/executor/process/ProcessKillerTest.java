package io.sergeant.executor.process;

import io.sergeant.api.config.Timeouts;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.execution.ExecutorFactory;
import io.sergeant.spi.execution.KillerFactory;
import io.sergeant.testkit.execution.KillerCompatibilitySuite;
import org.junit.jupiter.api.Test;

import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessKillerTest extends KillerCompatibilitySuite {

    @Override
    protected KillerFactory killerFactory() {
        return new ProcessKillerFactory();
    }

    @Test
    void theProcessExecutorAndKillerAreRegistered() {
        assertThat(ServiceLoader.load(KillerFactory.class).stream().map(ServiceLoader.Provider::get))
                .anySatisfy(factory -> assertThat(factory.name()).isEqualTo("process"));
        assertThat(ServiceLoader.load(ExecutorFactory.class).stream().map(ServiceLoader.Provider::get))
                .anySatisfy(factory -> assertThat(factory.name()).isEqualTo("process"));
        assertThat(new ProcessKillerFactory().create(Timeouts.DEFAULT, PluginContext.defaults())).isNotNull();
    }
}
