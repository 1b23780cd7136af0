package io.sergeant.core.internal.plugin;

import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.codec.CompressorFactory;
import io.sergeant.spi.codec.SerializerFactory;
import io.sergeant.spi.execution.ExecutorFactory;
import io.sergeant.spi.execution.KillerFactory;

import java.util.Objects;

/**
 * Every plugin factory on a class loader, by SPI: backends (by name and URI scheme), serializers,
 * compressors, executors and killers. Built once per process (Guice binds it as a singleton);
 * thread safe. Factories are instantiated only when asked for.
 */
public final class PluginRegistry {

    /** The reserved compressor name meaning "no compression", handled by core. */
    public static final String NO_COMPRESSION = "none";

    private final PluginCatalog<BackendFactory> backends;
    private final PluginCatalog<SerializerFactory> serializers;
    private final PluginCatalog<CompressorFactory> compressors;
    private final PluginCatalog<ExecutorFactory> executors;
    private final PluginCatalog<KillerFactory> killers;

    /** Discovers every factory visible to {@code loader}. */
    public PluginRegistry(ClassLoader loader) {
        Objects.requireNonNull(loader, "loader is null");
        this.backends = PluginCatalog.discover("backend", BackendFactory.class, BackendFactory::name, BackendFactory::schemes, loader);
        this.serializers = PluginCatalog.discover("serializer", SerializerFactory.class, SerializerFactory::name, loader);
        this.compressors = PluginCatalog.discover("compressor", CompressorFactory.class, CompressorFactory::name, loader);
        this.executors = PluginCatalog.discover("executor", ExecutorFactory.class, ExecutorFactory::name, loader);
        this.killers = PluginCatalog.discover("killer", KillerFactory.class, KillerFactory::name, loader);
    }

    /** Discovers on the context class loader of the calling thread (or this class's loader). */
    public static PluginRegistry discover() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return new PluginRegistry(loader != null ? loader : PluginRegistry.class.getClassLoader());
    }

    /** Backend factories. */
    public PluginCatalog<BackendFactory> backends() {
        return backends;
    }

    /** Serializer factories. */
    public PluginCatalog<SerializerFactory> serializers() {
        return serializers;
    }

    /** Compressor factories ({@value #NO_COMPRESSION} is not among them). */
    public PluginCatalog<CompressorFactory> compressors() {
        return compressors;
    }

    /** Executor factories. */
    public PluginCatalog<ExecutorFactory> executors() {
        return executors;
    }

    /** Killer factories. */
    public PluginCatalog<KillerFactory> killers() {
        return killers;
    }
}
