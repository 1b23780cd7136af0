package io.sergeant.it.architecture;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each Sergeant module's classes live, relative to a root package. {@link #of(String)} with
 * {@code io.sergeant} describes the product; the same layout under a fixture root lets the
 * architecture rules run unchanged against deliberately broken fixture classes.
 *
 * <p>Package names are plain names ({@code io.sergeant.core}); the rules add ArchUnit's {@code ..}
 * themselves. Immutable and thread safe.
 *
 * @param root the root package every module package lives under
 * @param apiPackages the packages of {@code sergeant-api} (the user API and the SPIs)
 * @param core the package of {@code sergeant-core}
 * @param plugins the plugin modules (codec, backends, executors), each with its client libraries
 * @param cli the package of {@code sergeant-cli}
 * @param testkit the package of {@code sergeant-testkit}
 * @param toolkit the package of {@code sergeant-plugin-toolkit}, helpers plugins and core may reuse
 */
public record ModuleLayout(String root, List<String> apiPackages, String core, List<Plugin> plugins, String cli,
                           String testkit, String toolkit) {

    /** The product's layout: {@code io.sergeant.api}, {@code io.sergeant.spi}, {@code io.sergeant.core}, and so on. */
    public static final ModuleLayout PRODUCTION = of("io.sergeant");

    /** Validates and copies the lists; throws {@link NullPointerException} for a null component. */
    public ModuleLayout {
        requireNonNull(root, "root is null");
        apiPackages = List.copyOf(requireNonNull(apiPackages, "apiPackages is null"));
        requireNonNull(core, "core is null");
        plugins = List.copyOf(requireNonNull(plugins, "plugins is null"));
        requireNonNull(cli, "cli is null");
        requireNonNull(testkit, "testkit is null");
        requireNonNull(toolkit, "toolkit is null");
    }

    /**
     * The standard Sergeant layout under {@code root}: {@code root.api} and {@code root.spi} for the
     * API, {@code root.core}, {@code root.codec}, {@code root.backend.local|redis|mongo},
     * {@code root.executor.thread|process}, {@code root.cli}, {@code root.testkit} and {@code root.toolkit}. Client
     * libraries are real package names and do not move with the root.
     */
    public static ModuleLayout of(String root) {
        requireNonNull(root, "root is null");
        return new ModuleLayout(
                root,
                List.of(root + ".api", root + ".spi"),
                root + ".core",
                List.of(
                        new Plugin("sergeant-codec", root + ".codec",
                                List.of("org.msgpack", "net.razorvine", "org.apache.commons.compress", "org.tukaani")),
                        new Plugin("sergeant-backend-local", root + ".backend.local", List.of("org.sqlite")),
                        // Jedis exposes its pool configuration (commons-pool2) in its public API.
                        new Plugin("sergeant-backend-redis", root + ".backend.redis",
                                List.of("redis.clients", "org.apache.commons.pool2")),
                        new Plugin("sergeant-backend-mongo", root + ".backend.mongo", List.of("com.mongodb", "org.bson")),
                        new Plugin("sergeant-executor-thread", root + ".executor.thread", List.of()),
                        new Plugin("sergeant-executor-process", root + ".executor.process", List.of())),
                root + ".cli",
                root + ".testkit",
                root + ".toolkit");
    }

    /**
     * The plugin families under the root ({@code root.codec}, {@code root.backend},
     * {@code root.executor}), so that a plugin added later is covered by the bans on core.
     */
    public List<String> pluginFamilies() {
        return plugins.stream()
                .map(plugin -> plugin.packageName().substring(root.length() + 1))
                .map(relative -> root + "." + relative.split("\\.", -1)[0])
                .distinct()
                .toList();
    }

    /** The client libraries of every plugin, which only their own plugin may use. */
    public List<String> clientLibraries() {
        return plugins.stream().flatMap(plugin -> plugin.clientPackages().stream()).distinct().toList();
    }

    /** Maven artifactId to the packages that module's classes must live in, in module order. */
    public Map<String, List<String>> modulePackages() {
        Map<String, List<String>> modules = new LinkedHashMap<>();
        modules.put("sergeant-api", apiPackages);
        modules.put("sergeant-core", List.of(core));
        plugins.forEach(plugin -> modules.put(plugin.module(), List.of(plugin.packageName())));
        modules.put("sergeant-cli", List.of(cli));
        modules.put("sergeant-testkit", List.of(testkit));
        modules.put("sergeant-plugin-toolkit", List.of(toolkit));
        // Integrations over core's front door (issue 18); their own rule is in ArchitectureTest.
        modules.put("sergeant-spring-boot-autoconfigure", List.of(root + ".spring"));
        modules.put("sergeant-test", List.of(root + ".test"));
        // Listener implementations over the API's observation hook (issue 16); their rule is in ArchitectureTest.
        modules.put("sergeant-micrometer", List.of(root + ".micrometer"));
        modules.put("sergeant-opentelemetry", List.of(root + ".opentelemetry"));
        // The web dashboard over the API's Broker (issue 17); its rule is in ArchitectureTest.
        modules.put("sergeant-dashboard", List.of(root + ".dashboard"));
        return Collections.unmodifiableMap(modules);
    }

    /**
     * A plugin module.
     *
     * @param module the Maven artifactId ({@code sergeant-backend-redis})
     * @param packageName the package its classes live in
     * @param clientPackages the third-party packages it alone may use (its client library)
     */
    public record Plugin(String module, String packageName, List<String> clientPackages) {

        /** Validates and copies; throws {@link NullPointerException} for a null component. */
        public Plugin {
            requireNonNull(module, "module is null");
            requireNonNull(packageName, "packageName is null");
            clientPackages = List.copyOf(requireNonNull(clientPackages, "clientPackages is null"));
        }
    }
}
