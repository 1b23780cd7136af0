package io.sergeant.it.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.sergeant.api.Task;
import io.sergeant.spi.backend.BackendFactory;

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

    @Test
    @DisplayName("keep every module's classes in its own packages")
    void classesLiveInTheirModulesPackages() {
        ArchitectureRules.classesLiveInTheirModulesPackages(LAYOUT.root(), LAYOUT.modulePackages()).check(production);
    }

    @Test
    @DisplayName("rule 1: sergeant-api depends on the JDK only")
    void apiDependsOnlyOnTheJdk() {
        ArchitectureRules.apiDependsOnlyOnTheJdk(LAYOUT).check(production);
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
