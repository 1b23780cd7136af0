package io.sergeant.core.internal.plugin;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.SergeantPlugin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The factories of one SPI found by {@link ServiceLoader}, indexed by name (and, for backends, by URI
 * scheme) without instantiating them when they carry {@link SergeantPlugin}. A factory is instantiated
 * only when it is asked for, once, and then checked against its annotation. Duplicate names or
 * schemes fail at discovery; an unknown name fails with the list of known ones.
 *
 * <p>Thread safe.
 *
 * @param <F> the factory interface
 */
public final class PluginCatalog<F> {

    private final String kind;
    private final Class<F> type;
    private final Function<F, String> nameOf;
    private final Function<F, Set<String>> schemesOf;
    private final Map<String, ServiceLoader.Provider<F>> byName;
    private final Map<String, String> nameByScheme;
    private final Map<String, F> instances = new ConcurrentHashMap<>();

    private PluginCatalog(String kind, Class<F> type, Function<F, String> nameOf, Function<F, Set<String>> schemesOf,
                          ClassLoader loader, List<F> given) {
        this.kind = Objects.requireNonNull(kind, "kind is null");
        this.type = Objects.requireNonNull(type, "type is null");
        this.nameOf = Objects.requireNonNull(nameOf, "nameOf is null");
        this.schemesOf = schemesOf;
        Map<String, ServiceLoader.Provider<F>> names = new LinkedHashMap<>();
        Map<String, String> schemes = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        // Factories given as instances (in code or as Guice bindings) come first: they take the place of a
        // discovered factory of the same name, so a plugin can be handed its dependencies.
        Set<String> givenNames = new java.util.HashSet<>();
        for (F factory : given) {
            String name = nameOf.apply(factory);
            if (!givenNames.add(name)) {
                problems.add(kind + " name '" + name + "' is given twice as an instance");
                continue;
            }
            instances.put(name, factory);
            names.put(name, new GivenProvider<>(factory));
            for (String scheme : schemesOf == null ? Set.<String>of() : schemesOf.apply(factory)) {
                String owner = schemes.putIfAbsent(scheme, name);
                if (owner != null && !owner.equals(name)) {
                    problems.add("URI scheme '" + scheme + "' is claimed by both " + kind + " '" + owner + "' and '" + name + "'");
                }
            }
        }
        ServiceLoader.load(type, loader).stream().forEach(provider -> {
            Declared declared = declared(provider);
            if (givenNames.contains(declared.name)) {
                return; // replaced by the instance given for this name
            }
            ServiceLoader.Provider<F> previous = names.putIfAbsent(declared.name, provider);
            if (previous != null && !previous.type().equals(provider.type())) {
                problems.add(kind + " name '" + declared.name + "' is claimed by both " + previous.type().getName()
                        + " and " + provider.type().getName());
            }
            for (String scheme : declared.schemes) {
                String owner = schemes.putIfAbsent(scheme, declared.name);
                if (owner != null && !owner.equals(declared.name)) {
                    problems.add("URI scheme '" + scheme + "' is claimed by both " + kind + " '" + owner + "' and '"
                            + declared.name + "'");
                }
            }
        });
        if (!problems.isEmpty()) {
            throw new SergeantException(ErrorCode.DUPLICATE_PLUGIN,
                    String.join("; ", problems) + "; remove one of the jars from the classpath");
        }
        this.byName = Map.copyOf(names);
        this.nameByScheme = Map.copyOf(schemes);
    }

    /** Discovers the factories of {@code type} on {@code loader}; for SPIs without URI schemes. */
    public static <F> PluginCatalog<F> discover(String kind, Class<F> type, Function<F, String> nameOf, ClassLoader loader) {
        return new PluginCatalog<>(kind, type, nameOf, null, loader, List.of());
    }

    /** Discovers backend-like factories that also serve URI schemes. */
    public static <F> PluginCatalog<F> discover(String kind, Class<F> type, Function<F, String> nameOf,
                                                Function<F, Set<String>> schemesOf, ClassLoader loader) {
        return new PluginCatalog<>(kind, type, nameOf, schemesOf, loader, List.of());
    }

    /**
     * Discovers the factories of {@code type} on {@code loader} and adds the {@code given} instances,
     * which replace a discovered factory of the same name; {@code schemesOf} may be null.
     */
    public static <F> PluginCatalog<F> of(String kind, Class<F> type, Function<F, String> nameOf,
                                          Function<F, Set<String>> schemesOf, ClassLoader loader, List<F> given) {
        return new PluginCatalog<>(kind, type, nameOf, schemesOf, loader, List.copyOf(given));
    }

    /** The names of every discovered factory, sorted. */
    public Set<String> names() {
        return new TreeSet<>(byName.keySet());
    }

    /** Every URI scheme served, sorted. */
    public Set<String> schemes() {
        return new TreeSet<>(nameByScheme.keySet());
    }

    /** Whether a factory of this name was discovered. */
    public boolean has(String name) {
        return byName.containsKey(name);
    }

    /** Whether some factory serves this scheme. */
    public boolean servesScheme(String scheme) {
        return nameByScheme.containsKey(scheme);
    }

    /**
     * The factory of this name, instantiated on first use.
     *
     * @throws SergeantException {@code UNKNOWN_PLUGIN} listing the known names
     */
    public F get(String name) {
        ServiceLoader.Provider<F> provider = byName.get(name);
        if (provider == null) {
            throw new SergeantException(ErrorCode.UNKNOWN_PLUGIN, "unknown " + kind + " '" + name + "'; known: "
                    + String.join(", ", names()) + (names().isEmpty() ? "(none: add a " + kind + " module to the classpath)" : ""));
        }
        return instances.computeIfAbsent(name, key -> instantiate(key, provider));
    }

    /**
     * The factory serving this URI scheme.
     *
     * @throws SergeantException {@code UNKNOWN_PLUGIN} listing the known schemes
     */
    public F forScheme(String scheme) {
        String name = nameByScheme.get(scheme);
        if (name == null) {
            throw new SergeantException(ErrorCode.UNKNOWN_PLUGIN, "no " + kind + " serves URI scheme '" + scheme
                    + "'; known schemes: " + String.join(", ", schemes())
                    + "; add the module of that backend to the classpath or fix the URI");
        }
        return get(name);
    }

    private F instantiate(String name, ServiceLoader.Provider<F> provider) {
        F factory;
        try {
            factory = provider.get();
        } catch (java.util.ServiceConfigurationError e) {
            throw new SergeantException(ErrorCode.INTERNAL_ERROR,
                    "cannot instantiate " + kind + " factory " + provider.type().getName() + ": " + e.getMessage(), e);
        }
        String actual = nameOf.apply(factory);
        if (!name.equals(actual)) {
            throw new SergeantException(ErrorCode.INTERNAL_ERROR, kind + " factory " + provider.type().getName()
                    + " is annotated with name '" + name + "' but name() returns '" + actual + "'");
        }
        return factory;
    }

    private Declared declared(ServiceLoader.Provider<F> provider) {
        SergeantPlugin annotation = provider.type().getAnnotation(SergeantPlugin.class);
        if (annotation != null) {
            return new Declared(annotation.name(), Set.of(annotation.schemes()));
        }
        // Without the annotation the name is only known by asking the factory itself.
        F factory = provider.get();
        String name = nameOf.apply(factory);
        instances.put(name, factory);
        Set<String> schemes = schemesOf == null ? Set.of() : schemesOf.apply(factory);
        return new Declared(name, schemes);
    }

    @Override
    public String toString() {
        return "PluginCatalog[" + type.getSimpleName() + ": " + names() + "]";
    }

    private record Declared(String name, Set<String> schemes) {
    }

    /** A factory given as an instance, in the shape of a discovered one. */
    private record GivenProvider<F>(F factory) implements ServiceLoader.Provider<F> {

        @Override
        @SuppressWarnings("unchecked")
        public Class<? extends F> type() {
            return (Class<? extends F>) factory.getClass();
        }

        @Override
        public F get() {
            return factory;
        }
    }
}
