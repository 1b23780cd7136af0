package io.sergeant.core.worker;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Inject;
import com.google.inject.Injector;
import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.backend.local.LocalBackendFactory;
import io.sergeant.core.Sergeant;
import io.sergeant.core.SergeantModule;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.worker.WorkerProvider;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Workers made by a {@link WorkerProvider}, and plugin factories given as instances or Guice bindings. */
class WorkerProviderTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("a provider given in code makes the worker, with dependencies it chose")
    void explicitProvider() {
        Greeter greeter = new Greeter("hello");
        WorkerFactory factory = new WorkerFactory(Sergeant.create(),
                type -> type == GreetingWorker.class ? new GreetingWorker(greeter) : WorkerProvider.constructors().create(type));

        Worker worker = factory.create(GreetingWorker.class.getName(), List.of());

        assertThat(worker).isInstanceOf(GreetingWorker.class);
        assertThat(((GreetingWorker) worker).greeter).isSameAs(greeter);
    }

    @Test
    @DisplayName("failures of a provider keep the exit-code contract: SergeantException is 'not buildable', anything else a constructor failure")
    void providerFailures() {
        WorkerFactory refusing = new WorkerFactory(Sergeant.create(), type -> {
            throw new SergeantException(io.sergeant.api.ErrorCode.WORKER_CLASS_NOT_FOUND, "no bean of type " + type.getSimpleName());
        });
        assertThatThrownBy(() -> refusing.create(GreetingWorker.class.getName(), List.of()))
                .isInstanceOf(WorkerFactory.WorkerNotBuildableException.class).hasMessageContaining("no bean of type GreetingWorker");

        WorkerFactory throwing = new WorkerFactory(Sergeant.create(), type -> {
            throw new IllegalStateException("database down");
        });
        assertThatThrownBy(() -> throwing.create(GreetingWorker.class.getName(), List.of()))
                .isInstanceOf(WorkerFactory.WorkerConstructorException.class).hasMessageContaining("database down");

        WorkerFactory wrongType = new WorkerFactory(Sergeant.create(), type -> new PlainWorker());
        assertThatThrownBy(() -> wrongType.create(GreetingWorker.class.getName(), List.of()))
                .isInstanceOf(WorkerFactory.WorkerNotBuildableException.class).hasMessageContaining(PlainWorker.class.getName());
    }

    @Test
    @DisplayName("without one in code, the WorkerProvider registered with ServiceLoader makes the workers")
    void serviceLoaderProvider() throws IOException {
        ServiceLoadedProvider.CALLS.set(0);
        ClassLoader loader = loaderWithServices(WorkerProvider.class, ServiceLoadedProvider.class.getName());
        Worker worker = withContextLoader(loader, () -> new WorkerFactory(Sergeant.create()).create(GreetingWorker.class.getName(), List.of()));

        assertThat(ServiceLoadedProvider.CALLS).hasValue(1);
        assertThat(((GreetingWorker) worker).greeter.word).isEqualTo("from the service provider");
        // Without a registered provider, a class without a no-argument constructor is not buildable.
        assertThatThrownBy(() -> new WorkerFactory(Sergeant.create()).create(GreetingWorker.class.getName(), List.of()))
                .isInstanceOf(WorkerFactory.WorkerNotBuildableException.class).hasMessageContaining("no public no-argument constructor");
    }

    @Test
    @DisplayName("two registered providers are a configuration error naming both")
    void twoServiceLoaderProviders() throws IOException {
        ClassLoader loader = loaderWithServices(WorkerProvider.class,
                ServiceLoadedProvider.class.getName() + "\n" + OtherProvider.class.getName());
        assertThatThrownBy(() -> withContextLoader(loader,
                () -> new WorkerFactory(Sergeant.create()).create(PlainWorker.class.getName(), List.of())))
                .hasMessageContaining(ServiceLoadedProvider.class.getName()).hasMessageContaining(OtherProvider.class.getName())
                .hasMessageContaining("keep one");
    }

    @Test
    @DisplayName("a backend factory bound in Guice gets injected dependencies and replaces the discovered one of its name")
    void guiceBoundPlugin() throws Exception {
        Injector injector = Guice.createInjector(new SergeantModule(), new AbstractModule() {
            @Override
            protected void configure() {
                bind(AtomicInteger.class).toInstance(new AtomicInteger());
                SergeantModule.plugins(binder()).addBinding().to(CountingLocalBackendFactory.class);
            }
        });
        Sergeant sergeant = injector.getInstance(Sergeant.class);
        AtomicInteger opened = injector.getInstance(AtomicInteger.class);
        WorkerConfig config = WorkerConfig.builder("q").backend("sqlite:" + dir.resolve("guice.db")).build();

        try (Broker broker = sergeant.broker(config)) {
            broker.pushTask("q", Map.of("n", 1));
            assertThat(broker.numberOfEnqueuedTasks("q", true)).isEqualTo(1);
        }
        assertThat(opened).hasValue(1);
        assertThat(sergeant.registry().backends().get(LocalBackendFactory.NAME)).isInstanceOf(CountingLocalBackendFactory.class);
    }

    @Test
    @DisplayName("a backend factory given as an instance to Sergeant.create replaces the discovered one; a non-factory is refused")
    void givenInstances() throws Exception {
        AtomicInteger opened = new AtomicInteger();
        Sergeant sergeant = Sergeant.create(List.of(new CountingLocalBackendFactory(opened)));
        try (Broker broker = sergeant.broker(WorkerConfig.builder("q").backend("sqlite:" + dir.resolve("given.db")).build())) {
            broker.pushTask("q", Task.of(Map.of("n", 1)), Priority.HIGH, null);
        }
        assertThat(opened).hasValue(1);
        assertThatThrownBy(() -> Sergeant.create(List.of("not a factory")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.String is not a plugin factory");
    }

    private static <T> T withContextLoader(ClassLoader loader, java.util.concurrent.Callable<T> action) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return action.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private ClassLoader loaderWithServices(Class<?> service, String lines) throws IOException {
        Path file = dir.resolve("META-INF/services/" + service.getName());
        Files.createDirectories(file.getParent());
        Files.writeString(file, lines + "\n");
        URL url = file.toUri().toURL();
        return new ClassLoader(getClass().getClassLoader()) {
            @Override
            public Enumeration<URL> getResources(String name) throws IOException {
                if (name.equals("META-INF/services/" + service.getName())) {
                    return Collections.enumeration(List.of(url));
                }
                return super.getResources(name);
            }
        };
    }

    /** A dependency of a worker. */
    static final class Greeter {
        final String word;

        Greeter(String word) {
            this.word = word;
        }
    }

    /** A worker with a constructor dependency and no @Inject: only a provider can make it. */
    public static final class GreetingWorker extends Worker {
        final Greeter greeter;

        GreetingWorker(Greeter greeter) {
            this.greeter = greeter;
        }

        @Override
        public WorkerConfig config() {
            return WorkerConfig.builder("greetings").build();
        }

        @Override
        public Object work(Task task) {
            return greeter.word;
        }
    }

    /** A worker with a public no-argument constructor. */
    public static final class PlainWorker extends Worker {
        @Override
        public WorkerConfig config() {
            return WorkerConfig.builder("plain").build();
        }

        @Override
        public Object work(Task task) {
            return null;
        }
    }

    /** Registered with ServiceLoader by the test. */
    public static final class ServiceLoadedProvider implements WorkerProvider {
        static final AtomicInteger CALLS = new AtomicInteger();

        @Override
        public Worker create(Class<? extends Worker> type) throws Exception {
            CALLS.incrementAndGet();
            return type == GreetingWorker.class ? new GreetingWorker(new Greeter("from the service provider"))
                    : WorkerProvider.constructors().create(type);
        }
    }

    /** A second registered provider. */
    public static final class OtherProvider implements WorkerProvider {
        @Override
        public Worker create(Class<? extends Worker> type) throws Exception {
            return WorkerProvider.constructors().create(type);
        }
    }

    /** The SQLite backend factory with an injected dependency: counts the backends it opened. */
    static final class CountingLocalBackendFactory implements BackendFactory {
        private final BackendFactory delegate = new LocalBackendFactory();
        private final AtomicInteger opened;

        @Inject
        CountingLocalBackendFactory(AtomicInteger opened) {
            this.opened = opened;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public Set<String> schemes() {
            return delegate.schemes();
        }

        @Override
        public Backend create(BackendSpec spec, PluginContext context) {
            opened.incrementAndGet();
            return delegate.create(spec, context);
        }
    }
}
