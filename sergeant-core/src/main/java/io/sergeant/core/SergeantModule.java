package io.sergeant.core;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.sergeant.api.Broker;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.internal.plugin.PluginRegistry;

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
    }

    @Provides
    @Singleton
    PluginRegistry pluginRegistry() {
        return PluginRegistry.discover();
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
