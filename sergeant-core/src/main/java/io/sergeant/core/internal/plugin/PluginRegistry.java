package io.sergeant.core.internal.plugin;

import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.codec.CompressorFactory;
import io.sergeant.spi.codec.SerializerFactory;
import io.sergeant.spi.execution.ExecutorFactory;
import io.sergeant.spi.execution.KillerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
        this(loader, List.of());
    }

    /**
     * Discovers every factory visible to {@code loader} and adds the {@code given} factory instances
     * (each a {@link BackendFactory}, {@link SerializerFactory}, {@link CompressorFactory},
     * {@link ExecutorFactory} or {@link KillerFactory}, or several of them); a given factory replaces a
     * discovered one of the same name.
     *
     * @throws IllegalArgumentException for an object that implements none of the factory interfaces
     */
    public PluginRegistry(ClassLoader loader, Collection<?> given) {
        Objects.requireNonNull(loader, "loader is null");
        Objects.requireNonNull(given, "given is null");
        for (Object factory : given) {
            if (!(factory instanceof BackendFactory || factory instanceof SerializerFactory
                    || factory instanceof CompressorFactory || factory instanceof ExecutorFactory
                    || factory instanceof KillerFactory)) {
                throw new IllegalArgumentException((factory == null ? "null" : factory.getClass().getName())
                        + " is not a plugin factory (BackendFactory, SerializerFactory, CompressorFactory, "
                        + "ExecutorFactory or KillerFactory)");
            }
        }
        this.backends = PluginCatalog.of("backend", BackendFactory.class, BackendFactory::name, BackendFactory::schemes,
                loader, only(given, BackendFactory.class));
        this.serializers = PluginCatalog.of("serializer", SerializerFactory.class, SerializerFactory::name, null,
                loader, only(given, SerializerFactory.class));
        this.compressors = PluginCatalog.of("compressor", CompressorFactory.class, CompressorFactory::name, null,
                loader, only(given, CompressorFactory.class));
        this.executors = PluginCatalog.of("executor", ExecutorFactory.class, ExecutorFactory::name, null,
                loader, only(given, ExecutorFactory.class));
        this.killers = PluginCatalog.of("killer", KillerFactory.class, KillerFactory::name, null,
                loader, only(given, KillerFactory.class));
    }

    private static <F> List<F> only(Collection<?> given, Class<F> type) {
        List<F> result = new ArrayList<>();
        for (Object factory : given) {
            if (type.isInstance(factory)) {
                result.add(type.cast(factory));
            }
        }
        return result;
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
