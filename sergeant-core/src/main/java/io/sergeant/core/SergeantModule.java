package io.sergeant.core;

import com.google.inject.AbstractModule;
import com.google.inject.Binder;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.name.Named;
import com.google.inject.name.Names;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.sergeant.api.Broker;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.internal.plugin.PluginRegistry;

import java.util.Set;

/**
 * Guice bindings of Sergeant: the {@link PluginRegistry} (discovered once), {@link Sergeant}, and,
 * when built with a configuration, a singleton {@link Broker} for it. Install it next to your own
 * modules; worker classes may then take {@code @Inject} constructors.
 */
public final class SergeantModule extends AbstractModule {

    private final WorkerConfig brokerConfig;

    /** Registry and Sergeant only; no Broker binding. */
    public SergeantModule() {
        this.brokerConfig = null;
    }

    /** Registry, Sergeant and a Broker for {@code brokerConfig}'s backend and encoder. */
    public SergeantModule(WorkerConfig brokerConfig) {
        this.brokerConfig = java.util.Objects.requireNonNull(brokerConfig, "brokerConfig is null");
    }

    @Override
    protected void configure() {
        bind(Sergeant.class).in(Singleton.class);
        plugins(binder());
    }

    /**
     * The set of plugin factories Guice builds (so they can take {@code @Inject} dependencies) and adds
     * to the discovered ones; a bound factory replaces a discovered one of the same name. In a module:
     * {@code SergeantModule.plugins(binder()).addBinding().to(MyBackendFactory.class);}. The elements must
     * be {@code BackendFactory}, {@code SerializerFactory}, {@code CompressorFactory},
     * {@code ExecutorFactory} or {@code KillerFactory} instances.
     */
    public static Multibinder<Object> plugins(Binder binder) {
        return Multibinder.newSetBinder(binder, Object.class, Names.named(PLUGINS));
    }

    /** The name qualifying the set of {@link #plugins} bindings. */
    public static final String PLUGINS = "io.sergeant.plugins";

    @Provides
    @Singleton
    PluginRegistry pluginRegistry(@Named(PLUGINS) Set<Object> plugins) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return new PluginRegistry(loader != null ? loader : PluginRegistry.class.getClassLoader(), plugins);
    }

    @Provides
    @Singleton
    Broker broker(Sergeant sergeant) {
        if (brokerConfig == null) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION,
                    "a Broker was injected but SergeantModule was built without a configuration; use new SergeantModule(config)");
        }
        return sergeant.broker(brokerConfig);
    }
}
