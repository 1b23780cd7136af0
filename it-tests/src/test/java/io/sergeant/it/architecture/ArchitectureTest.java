package io.sergeant.it.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.core.importer.Locations;
import io.sergeant.api.Task;
import io.sergeant.spi.backend.BackendFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Checks the architecture rules of DESIGN.md against every production class of Sergeant on the
 * it-tests classpath: the module jars (from {@code ~/.m2} or the reactor's {@code target/classes}),
 * never the test classes, so the fixtures under {@code io.sergeant.it.architecture.fixtures} stay out.
 */
@DisplayName("Sergeant's production classes")
class ArchitectureTest {

    private static final ModuleLayout LAYOUT = ModuleLayout.PRODUCTION;

    private static JavaClasses production;

    @BeforeAll
    static void importProductionClasses() {
        production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(LAYOUT.root());
    }

    @Test
    @DisplayName("include sergeant-api, and no test fixture")
    void importIsSane() {
        assertThat(production.contain(Task.class)).as("io.sergeant.api.Task imported").isTrue();
        assertThat(production.contain(BackendFactory.class)).as("io.sergeant.spi BackendFactory imported").isTrue();
        assertThat(production.stream().filter(javaClass -> javaClass.getPackageName().startsWith("io.sergeant.api")))
                .as("classes of io.sergeant.api")
                .hasSizeGreaterThan(10);
        assertThat(production.stream().map(JavaClass::getName))
                .as("test classes (it-tests and fixtures) are not production")
                .noneMatch(name -> name.startsWith("io.sergeant.it."));
    }

    /**
     * ArchUnit logs and skips a class file it cannot read (a jar being reinstalled by a concurrent
     * build, a corrupt entry); a rule would then pass on classes it never saw. So every class file under
     * the root in every production location must have been imported.
     */
    @Test
    @DisplayName("include every class file of every module jar or classes directory")
    void importsEveryClassFile() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Location location : Locations.ofPackage(LAYOUT.root())) {
            if (!ImportOption.Predefined.DO_NOT_INCLUDE_TESTS.includes(location)) {
                continue;
            }
            String prefix = normalized(location.asURI().toString());
            long onDisk = countClassFiles(location.asURI());
            long imported = production.stream()
                    .filter(javaClass -> javaClass.getSource()
                            .map(source -> normalized(source.getUri().toString()).startsWith(prefix))
                            .orElse(false))
                    .count();
            if (onDisk != imported) {
                problems.add(prefix + " holds " + onDisk + " class files but " + imported + " were imported"
                        + " (a jar rewritten during the run, or an unreadable class file)");
            }
        }
        assertThat(problems).isEmpty();
    }

    /** A class directory's location is {@code file:/…} and its classes' sources {@code file:///…}: compare one form. */
    private static String normalized(String uri) {
        return uri.replaceFirst("^(jar:)?file:///", "$1file:/");
    }

    private static long countClassFiles(URI location) throws IOException {
        String uri = location.toString();
        if (!uri.startsWith("jar:")) {
            try (Stream<Path> files = Files.walk(Path.of(location))) {
                return files.filter(Files::isRegularFile).filter(ArchitectureTest::isClassFile).count();
            }
        }
        int separator = uri.indexOf("!/");
        Path jarPath = Path.of(URI.create(uri.substring("jar:".length(), separator)));
        String entryPrefix = uri.substring(separator + 2);
        try (JarFile jar = new JarFile(jarPath.toFile())) {
            return jar.stream()
                    .filter(entry -> !entry.isDirectory())
                    .filter(entry -> entry.getName().startsWith(entryPrefix))
                    .filter(entry -> isClassFile(Path.of(entry.getName())))
                    .count();
        }
    }

    private static boolean isClassFile(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".class") && !name.equals("module-info.class");
    }

    @Test
    @DisplayName("keep every module's classes in its own packages")
    void classesLiveInTheirModulesPackages() {
        ArchitectureRules.classesLiveInTheirModulesPackages(LAYOUT.root(), LAYOUT.modulePackages()).check(production);
    }

    @Test
    @DisplayName("integrations: only the Spring module sees Spring, and it uses core's front door and the API only")
    void springStaysInItsModule() {
        String spring = LAYOUT.root() + ".spring..";
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses().that().resideInAPackage(LAYOUT.root() + "..")
                .and().resideOutsideOfPackage(spring)
                .should().dependOnClassesThat().resideInAPackage("org.springframework..")
                .because("Spring is an integration, not a dependency of the library (issue 18)").check(production);
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes().that().resideInAPackage(spring)
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "org.springframework..", "org.slf4j..",
                        LAYOUT.root() + ".api..", LAYOUT.root() + ".spi..", LAYOUT.root() + ".core",
                        LAYOUT.root() + ".core.config..", LAYOUT.root() + ".core.worker..", spring,
                        LAYOUT.root() + ".micrometer", "io.micrometer.core.instrument")
                .because("the Spring integration builds on core's front door like any application, and wires the "
                        + "metrics listener to the context's MeterRegistry (issue 18)")
                .check(production);
        assertThat(production.stream().anyMatch(c -> c.getPackageName().startsWith(LAYOUT.root() + ".spring")))
                .as("the Spring integration's classes were imported").isTrue();
    }

    @Test
    @DisplayName("sergeant-micrometer and sergeant-opentelemetry see the runtime through the API's listener hook only; core uses neither library")
    void observabilityModulesUseTheListenerHookOnly() {
        String micrometer = LAYOUT.root() + ".micrometer..";
        String opentelemetry = LAYOUT.root() + ".opentelemetry..";
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes().that().resideInAPackage(micrometer)
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "com.sun.net.httpserver..",
                        "io.micrometer..", LAYOUT.root() + ".api..", micrometer)
                .because("metrics are one implementation of the listener hook; core stays free of Micrometer (issue 16)")
                .check(production);
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes().that().resideInAPackage(opentelemetry)
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "io.opentelemetry..", "org.slf4j..",
                        LAYOUT.root() + ".api..", opentelemetry)
                .because("tracing is one implementation of the listener hook; core stays free of OpenTelemetry (issue 16)")
                .check(production);
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses().that().resideInAPackage(LAYOUT.core() + "..")
                .should().dependOnClassesThat().resideInAnyPackage("io.micrometer..", "io.opentelemetry..")
                .because("core publishes events to listeners and knows no metric or tracing library (issue 16)")
                .check(production);
        assertThat(production.stream().anyMatch(c -> c.getPackageName().equals(LAYOUT.root() + ".micrometer"))
                && production.stream().anyMatch(c -> c.getPackageName().equals(LAYOUT.root() + ".opentelemetry")))
                .as("the observability modules' classes were imported").isTrue();
    }

    @Test
    @DisplayName("sergeant-dashboard sees a backend through the API's Broker only, on Jetty; nothing else uses it but the cli")
    void dashboardUsesTheBrokerOnly() {
        String dashboard = LAYOUT.root() + ".dashboard..";
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes().that().resideInAPackage(dashboard)
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "javax.crypto..", "org.eclipse.jetty..",
                        "org.slf4j..", LAYOUT.root() + ".api..", dashboard)
                .because("the dashboard works on any backend, through the Broker its caller opened (issue 17)")
                .check(production);
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses().that().resideInAPackage(LAYOUT.root() + "..")
                .and().resideOutsideOfPackages(dashboard, LAYOUT.root() + ".cli..")
                .should().dependOnClassesThat().resideInAnyPackage(dashboard, "org.eclipse.jetty..")
                .because("the web server is the dashboard's alone (issue 17)").check(production);
        assertThat(production.stream().anyMatch(c -> c.getPackageName().equals(LAYOUT.root() + ".dashboard")))
                .as("the dashboard's classes were imported").isTrue();
    }

    @Test
    @DisplayName("sergeant-test: its in-memory backend is written as a plugin (API and JDK only); the extension uses core's front door")
    void testSupportRules() {
        String memory = LAYOUT.root() + ".test.memory..";
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes().that().resideInAPackage(memory)
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", LAYOUT.root() + ".api..",
                        LAYOUT.root() + ".spi..", memory)
                .because("the in-memory backend is the worked example of a third-party plugin (docs/adoption.md)")
                .check(production);
        assertThat(production.stream().anyMatch(c -> c.getPackageName().equals(LAYOUT.root() + ".test.memory")))
                .as("the in-memory backend's classes were imported").isTrue();
    }

    @Test
    @DisplayName("rule 1: sergeant-api depends on the JDK only")
    void apiDependsOnlyOnTheJdk() {
        ArchitectureRules.apiDependsOnlyOnTheJdk(LAYOUT).check(production);
    }

    @Test
    @DisplayName("rule 1: sergeant-plugin-toolkit depends on the API and the JDK only")
    void toolkitDependsOnlyOnTheApiAndTheJdk() {
        ArchitectureRules.toolkitDependsOnlyOnTheApiAndTheJdk(LAYOUT).check(production);
    }

    @Test
    @DisplayName("rule 2: core sees no plugin and no plugin's client library")
    void coreSeesNoPluginNorClientLibrary() {
        ArchitectureRules.coreSeesNoPluginNorClientLibrary(LAYOUT).check(production);
    }

    @Test
    @DisplayName("rule 3: plugins never depend on core, cli, Guice, SLF4J or each other")
    void pluginsNeverDependOnCoreCliGuiceSlf4jOrEachOther() {
        ArchitectureRules.pluginsNeverDependOnCoreCliGuiceSlf4jOrEachOther(LAYOUT).check(production);
    }

    @Test
    @DisplayName("rule 3: plugins use only the API, the JDK and their own client library")
    void pluginsUseOnlyTheApiTheJdkAndTheirOwnClients() {
        ArchitectureRules.pluginsUseOnlyTheApiTheJdkAndTheirOwnClients(LAYOUT).check(production);
    }

    @Test
    @DisplayName("rule 4: Guice lives only in core and the cli")
    void guiceLivesOnlyInCoreAndCli() {
        ArchitectureRules.guiceLivesOnlyInCoreAndCli(LAYOUT).check(production);
    }

    @Test
    @DisplayName("rule 7: only core uses core's internal packages; the cli sees the front door")
    void onlyCoreUsesCoreInternals() {
        ArchitectureRules.onlyCoreUsesCoreInternals(LAYOUT).check(production);
    }

    @Test
    @DisplayName("rule 8: library modules never write to System.out or System.err")
    void librariesNeverPrint() {
        ArchitectureRules.librariesNeverPrint(LAYOUT).check(production);
    }

    @Test
    @DisplayName("rule 5: no cycle between top-level packages")
    void noCyclesBetweenTopLevelPackages() {
        ArchitectureRules.noCyclesBetweenTopLevelPackages(LAYOUT).check(production);
    }

    @Test
    @DisplayName("rule 5: no cycle between any two packages")
    void noCyclesBetweenPackages() {
        ArchitectureRules.noCyclesBetweenPackages(LAYOUT).check(production);
    }

    @Test
    @DisplayName("rule 6: factories are public, named *Factory, with a public no-argument constructor")
    void factoriesAreLoadableByServiceLoader() {
        ArchitectureRules.factoriesAreLoadableByServiceLoader(ArchitectureRules.FACTORY_SPIS).check(production);
    }

    @Test
    @DisplayName("rule 6: ServiceLoader finds exactly the factories the production classes implement")
    void factoriesAreRegisteredExactly() {
        ServiceRegistry serviceLoader = ServiceRegistry.serviceLoader(ArchitectureTest.class.getClassLoader());
        ArchitectureRules.factoriesAreRegisteredExactly(LAYOUT.root(), ArchitectureRules.FACTORY_SPIS, serviceLoader)
                .check(production);
    }
}
