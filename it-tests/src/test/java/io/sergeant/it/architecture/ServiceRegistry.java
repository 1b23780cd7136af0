package io.sergeant.it.architecture;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Answers which provider classes are registered for a service interface. The production
 * implementation asks {@link ServiceLoader}; fixtures use a fixed map so that their factories never
 * leak into the real {@code META-INF/services} of the test classpath.
 */
@FunctionalInterface
public interface ServiceRegistry {

    /**
     * The binary names of the providers registered for {@code spi}.
     *
     * @throws java.util.ServiceConfigurationError when a registration names a class that cannot be
     *         loaded, is not a subtype of {@code spi} or has no public no-argument constructor
     */
    Set<String> providersOf(Class<?> spi);

    /**
     * The providers {@link ServiceLoader#load(Class, ClassLoader)} finds through {@code loader}. The
     * providers' types are loaded and checked, never instantiated.
     */
    static ServiceRegistry serviceLoader(ClassLoader loader) {
        requireNonNull(loader, "loader is null");
        return spi -> ServiceLoader.load(spi, loader).stream()
                .map(provider -> provider.type().getName())
                .collect(Collectors.toUnmodifiableSet());
    }

    /** A fixed registry: {@code providers} maps a service interface to provider class names. */
    static ServiceRegistry of(Map<Class<?>, Set<String>> providers) {
        Map<Class<?>, Set<String>> copy = Map.copyOf(requireNonNull(providers, "providers is null"));
        return spi -> copy.getOrDefault(spi, Set.of());
    }
}
