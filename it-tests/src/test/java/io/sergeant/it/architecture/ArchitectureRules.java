package io.sergeant.it.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static java.util.Objects.requireNonNull;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.sergeant.it.architecture.ModuleLayout.Plugin;
import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.codec.CompressorFactory;
import io.sergeant.spi.codec.SerializerFactory;
import io.sergeant.spi.execution.ExecutorFactory;
import io.sergeant.spi.execution.KillerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;


/**
 * The architecture rules of DESIGN.md (Modules, Plugins), as ArchUnit rules parameterised by a
 * {@link ModuleLayout}, so that one rule definition checks the product
 * ({@link ModuleLayout#PRODUCTION}) and, in the tests proving each rule can fail, a fixture tree laid
 * out the same way under another root.
 *
 * <p>Rules selecting the classes of one module allow an empty selection ({@code allowEmptyShould})
 * because a module may not have classes yet; {@link #classesLiveInTheirModulesPackages} keeps that
 * honest: every class of a module jar must live in that module's packages, so a module with classes
 * is never skipped by a rule that selects by package. Every method returns a new, immutable rule.
 */
public final class ArchitectureRules {

    /** The service interfaces whose implementations are plugin factories. */
    public static final List<Class<?>> FACTORY_SPIS = List.of(
            BackendFactory.class, SerializerFactory.class, CompressorFactory.class, ExecutorFactory.class,
            KillerFactory.class);

    /** What the API may use: the JDK's public packages only. */
    private static final List<String> API_JDK = List.of("java..", "javax..");

    /** What a plugin may use of the JDK; {@code jdk..} adds JFR, {@code jdk.net} and the like. */
    private static final List<String> JDK = List.of("java..", "javax..", "jdk..");

    /** Guice and the injection annotations it reads; {@code @Inject} in a plugin means it expects Guice. */
    private static final List<String> GUICE = List.of("com.google.inject..", "jakarta.inject..", "javax.inject..");

    private static final List<String> SLF4J = List.of("org.slf4j..");

    private ArchitectureRules() {
    }

    /** Rule 1: {@code sergeant-api} ({@code api} and {@code spi}) depends on {@code java..} and {@code javax..} only. */
    public static ArchRule apiDependsOnlyOnTheJdk(ModuleLayout layout) {
        List<String> api = trees(layout.apiPackages());
        return classes().that().resideInAnyPackage(array(api))
                .should().onlyDependOnClassesThat().resideInAnyPackage(array(concat(List.of(API_JDK, api))))
                .because("sergeant-api depends on nothing but the JDK: no Guice, no SLF4J (DESIGN.md, Modules)");
    }

    /**
     * Rule 1, toolkit: {@code sergeant-plugin-toolkit} depends on the API and the JDK only, so a plugin
     * that reuses it still sees nothing but the API (allows an empty toolkit).
     */
    public static ArchRule toolkitDependsOnlyOnTheApiAndTheJdk(ModuleLayout layout) {
        List<String> allowed = concat(List.of(JDK, trees(layout.apiPackages()), List.of(tree(layout.toolkit()))));
        return classes().that().resideInAPackage(tree(layout.toolkit()))
                .should().onlyDependOnClassesThat().resideInAnyPackage(array(allowed))
                .because("the plugin toolkit is helpers over the API; plugins may reuse it without seeing more (issue 12)")
                .allowEmptyShould(true);
    }

    /**
     * Rule 2: core never sees a plugin class (codec, backends, executors), a plugin's client library,
     * the cli or the testkit. Allows an empty core (the module may not have classes yet).
     */
    public static ArchRule coreSeesNoPluginNorClientLibrary(ModuleLayout layout) {
        List<String> forbidden = concat(List.of(
                trees(layout.pluginFamilies()),
                trees(layout.clientLibraries()),
                List.of(tree(layout.cli()), tree(layout.testkit()))));
        return noClasses().that().resideInAPackage(tree(layout.core()))
                .should().dependOnClassesThat().resideInAnyPackage(array(forbidden))
                .because("core instantiates plugins only through the SPI and ServiceLoader (DESIGN.md, Modules)")
                .allowEmptyShould(true);
    }

    /**
     * Rule 3, the bans: no plugin depends on core, the cli, the testkit, Guice, SLF4J or another
     * plugin. One sub-rule per plugin; each allows an empty plugin.
     */
    public static ArchRule pluginsNeverDependOnCoreCliGuiceSlf4jOrEachOther(ModuleLayout layout) {
        return CompositeArchRule.of(layout.plugins().stream().map(plugin -> pluginBans(layout, plugin)).toList());
    }

    /**
     * Rule 3, the allow-list: a plugin depends on the API, the JDK, itself and its own client
     * libraries only. One sub-rule per plugin; each allows an empty plugin.
     */
    public static ArchRule pluginsUseOnlyTheApiTheJdkAndTheirOwnClients(ModuleLayout layout) {
        return CompositeArchRule.of(layout.plugins().stream().map(plugin -> pluginAllowList(layout, plugin)).toList());
    }

    /** Rule 4: only core and the cli use Guice (or the {@code @Inject} annotations). */
    public static ArchRule guiceLivesOnlyInCoreAndCli(ModuleLayout layout) {
        return noClasses().that().resideInAPackage(tree(layout.root()))
                .and().resideOutsideOfPackages(tree(layout.core()), tree(layout.cli()))
                .should().dependOnClassesThat().resideInAnyPackage(array(GUICE))
                .because("Guice lives in core and the cli; a plugin hands core SPI objects, not Guice modules"
                        + " (DESIGN.md, Modules)");
    }

    /**
     * Rule 7: core's {@code internal} packages are core's own; every other module (the cli first) uses
     * core's front door only ({@code Sergeant}, {@code SergeantModule}, the worker, configuration and
     * supervisor entry points).
     */
    public static ArchRule onlyCoreUsesCoreInternals(ModuleLayout layout) {
        return noClasses().that().resideInAPackage(tree(layout.root()))
                .and().resideOutsideOfPackage(tree(layout.core()))
                .should().dependOnClassesThat().resideInAPackage(tree(layout.core() + ".internal"))
                .because("core exposes a small front door and keeps the rest in internal packages (issue 12)");
    }

    /**
     * Rule 8: library modules (everything but the cli) never write to {@code System.out} or
     * {@code System.err}; they log, or report through their caller. Process entry points (a class with a
     * static {@code main}, and the classes nested in it) are exempt: a worker process's usage message or
     * a child process's last words before it halts have nowhere else to go.
     */
    public static ArchRule librariesNeverPrint(ModuleLayout layout) {
        DescribedPredicate<JavaClass> entryPoint = DescribedPredicate.describe("are process entry points",
                (JavaClass javaClass) -> hasStaticMain(javaClass)
                        || javaClass.getEnclosingClass().map(ArchitectureRules::hasStaticMain).orElse(false));
        return noClasses().that().resideInAPackage(tree(layout.root()))
                .and().resideOutsideOfPackage(tree(layout.cli()))
                .and(not(entryPoint))
                .should().accessField(System.class, "out")
                .orShould().accessField(System.class, "err")
                .because("libraries log through their logger or report to their caller; only the cli and process"
                        + " entry points own the terminal (issue 12)");
    }

    private static boolean hasStaticMain(JavaClass javaClass) {
        return javaClass.getMethods().stream().anyMatch(method -> method.getName().equals("main")
                && method.getModifiers().contains(JavaModifier.STATIC)
                && method.getRawParameterTypes().size() == 1
                && method.getRawParameterTypes().get(0).getName().equals(String[].class.getName()));
    }

    /**
     * Rule 5, coarse: no cycle between the top-level packages under the root ({@code api},
     * {@code spi}, {@code core}, {@code codec}, {@code backend}, {@code executor}, {@code cli},
     * {@code testkit}).
     */
    public static ArchRule noCyclesBetweenTopLevelPackages(ModuleLayout layout) {
        return slices().matching(layout.root() + ".(*)..").namingSlices("$1")
                .should().beFreeOfCycles()
                .because("no package cycles (DESIGN.md, Modules)");
    }

    /** Rule 5, fine: no cycle between any two packages under the root, inside a module or across. */
    public static ArchRule noCyclesBetweenPackages(ModuleLayout layout) {
        return slices().matching(layout.root() + ".(**)").namingSlices("$1")
                .should().beFreeOfCycles()
                .because("no package cycles (DESIGN.md, Modules)");
    }

    /**
     * Rule 6, shape: every concrete implementation of a factory SPI is public, has a public
     * no-argument constructor and is named {@code *Factory}. Allows no implementations at all (the
     * plugin modules may not have classes yet); {@link #factoriesAreRegisteredExactly} is never empty.
     */
    public static ArchRule factoriesAreLoadableByServiceLoader(List<Class<?>> factorySpis) {
        return classes().that(implementAnyOf(factorySpis))
                .and().areNotInterfaces()
                .and().doNotHaveModifier(JavaModifier.ABSTRACT)
                .should().bePublic()
                .andShould(haveAPublicNoArgumentConstructor())
                .andShould().haveSimpleNameEndingWith("Factory")
                .because("ServiceLoader instantiates factories reflectively (DESIGN.md, Plugins)")
                .allowEmptyShould(true);
    }

    /**
     * Rule 6, registration: for each factory SPI, the providers {@code registry} lists equal the
     * concrete implementations under {@code root} among the checked classes. The SPI interfaces must be
     * among the checked classes, so this rule is never vacuous.
     */
    public static ArchRule factoriesAreRegisteredExactly(String root, List<Class<?>> factorySpis,
                                                        ServiceRegistry registry) {
        requireNonNull(root, "root is null");
        requireNonNull(registry, "registry is null");
        Set<String> names = factorySpis.stream().map(Class::getName).collect(Collectors.toUnmodifiableSet());
        return classes().that(DescribedPredicate.describe("are factory SPIs " + new TreeSet<>(names),
                        (JavaClass javaClass) -> names.contains(javaClass.getName())))
                .should(haveExactlyTheirImplementationsRegistered(root, registry))
                .because("discovery must find every factory and nothing else (DESIGN.md, Plugins)");
    }

    /**
     * Guard for the empty-allowing rules: every class under {@code root} lives in the packages of the
     * module whose jar (or {@code target/classes}) it comes from, and comes from a known module.
     *
     * @param modulePackages Maven artifactId to the packages its classes must live in
     */
    public static ArchRule classesLiveInTheirModulesPackages(String root, Map<String, List<String>> modulePackages) {
        Map<String, List<String>> modules = Map.copyOf(requireNonNull(modulePackages, "modulePackages is null"));
        return classes().that().resideInAPackage(tree(root))
                .should(liveInThePackagesOfTheirModule(modules))
                .because("rules select a module's classes by package; a class outside its module's packages"
                        + " would escape them");
    }

    private static ArchRule pluginBans(ModuleLayout layout, Plugin plugin) {
        List<String> bannedPackages = concat(List.of(
                List.of(tree(layout.core()), tree(layout.cli()), tree(layout.testkit())), GUICE, SLF4J));
        List<String> families = trees(layout.pluginFamilies());
        DescribedPredicate<JavaClass> anotherPlugin = resideInAnyPackage(array(families))
                .and(not(resideInAPackage(tree(plugin.packageName()))));
        DescribedPredicate<JavaClass> banned = resideInAnyPackage(array(bannedPackages)).or(anotherPlugin)
                .as("belong to core, cli, testkit, Guice or SLF4J %s or to another plugin %s",
                        bannedPackages, families);
        return noClasses().that().resideInAPackage(tree(plugin.packageName()))
                .should().dependOnClassesThat(banned)
                .because(plugin.module() + " depends on sergeant-api only, never on core or another plugin"
                        + " (DESIGN.md, Modules)")
                .allowEmptyShould(true);
    }

    private static ArchRule pluginAllowList(ModuleLayout layout, Plugin plugin) {
        List<String> allowed = concat(List.of(JDK, trees(layout.apiPackages()), List.of(tree(layout.toolkit())),
                List.of(tree(plugin.packageName())), trees(plugin.clientPackages())));
        return classes().that().resideInAPackage(tree(plugin.packageName()))
                .should().onlyDependOnClassesThat().resideInAnyPackage(array(allowed))
                .because(plugin.module() + " depends on the API, the plugin toolkit, the JDK and its own client library only"
                        + " (DESIGN.md, Modules)")
                .allowEmptyShould(true);
    }

    private static DescribedPredicate<JavaClass> implementAnyOf(List<Class<?>> spis) {
        Set<String> names = spis.stream().map(Class::getName).collect(Collectors.toUnmodifiableSet());
        return DescribedPredicate.describe("implement any of " + new TreeSet<>(names),
                (JavaClass javaClass) -> javaClass.getAllRawInterfaces().stream()
                        .anyMatch(implemented -> names.contains(implemented.getName())));
    }

    private static ArchCondition<JavaClass> haveAPublicNoArgumentConstructor() {
        return new ArchCondition<>("have a public no-argument constructor") {
            @Override
            public void check(JavaClass javaClass, ConditionEvents events) {
                boolean satisfied = javaClass.tryGetConstructor()
                        .map(constructor -> constructor.getModifiers().contains(JavaModifier.PUBLIC))
                        .orElse(false);
                events.add(new SimpleConditionEvent(javaClass, satisfied, String.format(
                        "Class <%s> %s a public no-argument constructor in %s", javaClass.getName(),
                        satisfied ? "has" : "does not have", javaClass.getSourceCodeLocation())));
            }
        };
    }

    private static ArchCondition<JavaClass> haveExactlyTheirImplementationsRegistered(String root,
                                                                                      ServiceRegistry registry) {
        return new ArchCondition<>("have exactly their concrete implementations under " + root
                + " registered in META-INF/services") {
            @Override
            public void check(JavaClass spi, ConditionEvents events) {
                String servicesFile = "META-INF/services/" + spi.getName();
                Set<String> registered;
                try {
                    registered = new TreeSet<>(registry.providersOf(spi.reflect()));
                } catch (ServiceConfigurationError e) {
                    events.add(SimpleConditionEvent.violated(spi, servicesFile + " cannot be loaded: " + e.getMessage()));
                    return;
                }
                Set<String> implemented = spi.getAllSubclasses().stream()
                        .filter(javaClass -> !javaClass.isInterface())
                        .filter(javaClass -> !javaClass.getModifiers().contains(JavaModifier.ABSTRACT))
                        .filter(javaClass -> javaClass.getPackageName().equals(root)
                                || javaClass.getPackageName().startsWith(root + "."))
                        .map(JavaClass::getName)
                        .collect(Collectors.toCollection(TreeSet::new));
                List<String> problems = new ArrayList<>();
                implemented.stream().filter(name -> !registered.contains(name)).forEach(name -> problems.add(
                        name + " implements " + spi.getName() + " but is not listed in " + servicesFile
                                + "; add it there"));
                registered.stream().filter(name -> !implemented.contains(name)).forEach(name -> problems.add(
                        servicesFile + " lists " + name + ", which is not a concrete class under " + root
                                + " among the checked classes; remove the line or move the class"));
                if (problems.isEmpty()) {
                    events.add(SimpleConditionEvent.satisfied(spi, servicesFile + " lists exactly " + implemented));
                    return;
                }
                problems.forEach(problem -> events.add(SimpleConditionEvent.violated(spi, problem)));
            }
        };
    }

    private static ArchCondition<JavaClass> liveInThePackagesOfTheirModule(Map<String, List<String>> modules) {
        return new ArchCondition<>("live in the packages of the module they come from " + modules) {
            @Override
            public void check(JavaClass javaClass, ConditionEvents events) {
                String location = javaClass.getSource().map(source -> source.getUri().toString()).orElse("<unknown>");
                Optional<String> module = moduleOf(location, modules.keySet());
                if (module.isEmpty()) {
                    events.add(SimpleConditionEvent.violated(javaClass, javaClass.getName() + " comes from " + location
                            + ", which belongs to none of the modules " + new TreeSet<>(modules.keySet())
                            + "; add its module to ModuleLayout"));
                    return;
                }
                List<String> packages = modules.get(module.get());
                boolean inside = packages.stream().anyMatch(pkg -> javaClass.getPackageName().equals(pkg)
                        || javaClass.getPackageName().startsWith(pkg + "."));
                events.add(new SimpleConditionEvent(javaClass, inside, String.format(
                        "%s comes from module %s, whose classes live in %s", javaClass.getName(), module.get(),
                        packages)));
            }
        };
    }

    /**
     * The module a class location belongs to: the last path segment (before a jar's {@code !/}) that
     * is a module's artifactId, as in {@code ~/.m2/.../sergeant-core/0.1.0/sergeant-core-0.1.0.jar}
     * or {@code sergeant-core/target/classes}, or a jar named after the module.
     */
    static Optional<String> moduleOf(String location, Set<String> moduleNames) {
        int jarSeparator = location.indexOf("!/");
        String container = jarSeparator < 0 ? location : location.substring(0, jarSeparator);
        Function<String, Optional<String>> moduleOfSegment = segment -> moduleNames.stream()
                .filter(name -> segment.equals(name) || segment.matches(Pattern.quote(name)
                        + "-\\d.*\\.jar"))
                .findFirst();
        List<String> segments = List.of(container.split("/", -1));
        for (int i = segments.size() - 1; i >= 0; i--) {
            Optional<String> module = moduleOfSegment.apply(segments.get(i));
            if (module.isPresent()) {
                return module;
            }
        }
        return Optional.empty();
    }

    private static String tree(String packageName) {
        return packageName + "..";
    }

    private static List<String> trees(List<String> packageNames) {
        return packageNames.stream().map(ArchitectureRules::tree).toList();
    }

    private static List<String> concat(List<List<String>> lists) {
        return lists.stream().flatMap(List::stream).toList();
    }

    private static String[] array(List<String> list) {
        return list.toArray(String[]::new);
    }
}
