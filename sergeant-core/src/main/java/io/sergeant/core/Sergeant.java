package io.sergeant.core;

import com.google.inject.Inject;
import io.sergeant.api.Broker;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.core.internal.config.ConfigValidator;
import io.sergeant.core.internal.encoding.TaskEncoder;
import io.sergeant.core.internal.observe.ListenerChain;
import io.sergeant.api.observe.SergeantListener;
import io.sergeant.core.internal.plugin.PluginRegistry;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.execution.TaskCodec;

import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * The entry point of the library: validates configurations and builds brokers from the installed
 * plugins. {@code Sergeant.create().broker(config)} is all a producer needs; Guice users get it (and a
 * {@link Broker}) from {@link SergeantModule}. Thread safe.
 */
public final class Sergeant {

    private final PluginRegistry registry;
    private final ConfigValidator validator;
    private final ListenerChain listeners;

    /** Sergeant over these plugins. */
    @Inject
    public Sergeant(PluginRegistry registry) {
        this(registry, ListenerChain.EMPTY);
    }

    private Sergeant(PluginRegistry registry, ListenerChain listeners) {
        this.registry = Objects.requireNonNull(registry, "registry is null");
        this.validator = new ConfigValidator(registry);
        this.listeners = Objects.requireNonNull(listeners, "listeners is null");
    }

    /**
     * This Sergeant with {@code more} listeners after its own: brokers it opens report pushes to them,
     * and worker runtimes built on it report the worker's events (see {@link SergeantListener}).
     */
    public Sergeant withListeners(SergeantListener... more) {
        return new Sergeant(registry, listeners.with(List.of(more)));
    }

    /** The listeners brokers and runtimes built on this Sergeant report to, in call order. */
    public ListenerChain listeners() {
        return listeners;
    }

    /** Sergeant over the plugins on the context class loader. */
    public static Sergeant create() {
        return new Sergeant(PluginRegistry.discover());
    }

    /**
     * Sergeant over the plugins on the context class loader plus these factory instances (for a plugin
     * that needs dependencies of its own: build it, then hand it over). A given factory replaces a
     * discovered one of the same name. Guice users bind them with {@link SergeantModule#plugins}.
     *
     * @param pluginFactories {@code BackendFactory}, {@code SerializerFactory}, {@code CompressorFactory},
     *                        {@code ExecutorFactory} or {@code KillerFactory} instances
     */
    public static Sergeant create(Collection<?> pluginFactories) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return new Sergeant(new PluginRegistry(loader != null ? loader : Sergeant.class.getClassLoader(), pluginFactories));
    }

    /** The installed plugins. */
    public PluginRegistry registry() {
        return registry;
    }

    /**
     * Validates a configuration against value ranges and the installed plugins.
     *
     * @throws io.sergeant.api.SergeantException {@code INVALID_CONFIGURATION} listing every problem
     */
    public WorkerConfig validate(WorkerConfig config) {
        return validator.validate(config);
    }

    /**
     * A broker for the configuration's backend and encoder (only those plugins are instantiated). The
     * caller closes it.
     *
     * @throws io.sergeant.api.SergeantException for an invalid configuration or an unreachable backend
     */
    public Broker broker(WorkerConfig config) {
        WorkerConfig valid = validate(config);
        return openBroker(valid, pluginContext(valid));
    }

    /**
     * The codec (serializer, then compressor) of a configuration's encoder, for tools that write or read
     * payloads themselves (benchmarks of a backend's raw limit, for example). Thread safe.
     *
     * @throws io.sergeant.api.SergeantException for an invalid configuration
     */
    public TaskCodec codec(WorkerConfig config) {
        WorkerConfig valid = validate(config);
        return TaskEncoder.create(valid.encoder(), registry, pluginContext(valid));
    }

    /** The plugin context for a configuration. */
    public PluginContext pluginContext(WorkerConfig config) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return new PluginContext(config.limits(), Clock.systemDefaultZone(), loader != null ? loader : Sergeant.class.getClassLoader());
    }

    /** Opens a broker for an already validated configuration; for the runtime. */
    public DefaultBroker openBroker(WorkerConfig config, PluginContext context) {
        BackendSpec spec = new BackendSpec(config.backend(), config.backendOptions());
        TaskEncoder encoder = TaskEncoder.create(config.encoder(), registry, context);
        Backend backend = registry.backends().forScheme(spec.scheme()).create(spec, context);
        return new DefaultBroker(backend, encoder, listeners);
    }
}
