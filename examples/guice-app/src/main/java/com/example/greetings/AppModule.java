package com.example.greetings;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.sergeant.api.config.WorkerConfig;

/**
 * The application's own bindings: the {@link Greeter} and the queue configuration. It leaves Sergeant's
 * bindings to {@code SergeantModule}, so the same module serves the application's injector (next to
 * {@code new SergeantModule(config)}) and worker processes ({@code --guice-module
 * com.example.greetings.AppModule}, next to core's own {@code SergeantModule}); worker processes need the
 * public no-argument constructor.
 */
public final class AppModule extends AbstractModule {

    @Override
    protected void configure() {
        bind(Greeter.class).to(PoliteGreeter.class).in(Singleton.class);
    }

    @Provides
    @Singleton
    WorkerConfig workerConfig() {
        return GreetingsConfig.load();
    }
}
