package com.example.greetings;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.sergeant.api.Broker;
import io.sergeant.core.SergeantModule;

import java.util.List;

/**
 * The application: an injector of {@code SergeantModule} (with the configuration, so it binds a
 * {@link Broker}) and {@link AppModule}.
 * {@code java -Dsergeant.config.backend=sqlite:/tmp/greetings.db com.example.greetings.GreetingsApp Ada Grace}
 * queues two greetings; the supervisor runs the workers:
 * {@code SupervisorMain --worker-class com.example.greetings.GreetingWorker --concurrent-workers 2
 * --guice-module com.example.greetings.AppModule --config backend=sqlite:/tmp/greetings.db}.
 */
public final class GreetingsApp {

    private GreetingsApp() {
    }

    /** The application's injector; its {@link Broker} is a singleton the caller closes at shutdown. */
    public static Injector injector() {
        return Guice.createInjector(new SergeantModule(GreetingsConfig.load()), new AppModule());
    }

    /** Queues a greeting for every name given. */
    public static void main(String[] args) {
        Injector injector = injector();
        try (Broker broker = injector.getInstance(Broker.class)) {
            injector.getInstance(GreetingService.class).requestGreetings(List.of(args));
            System.out.println("queued " + args.length + " greetings; "
                    + broker.numberOfEnqueuedTasks(GreetingsConfig.QUEUE, false) + " waiting");
        }
    }
}
