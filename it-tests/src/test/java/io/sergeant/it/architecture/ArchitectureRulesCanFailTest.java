package io.sergeant.it.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import io.sergeant.it.architecture.fixtures.factories.broken.BackendMaker;
import io.sergeant.it.architecture.fixtures.factories.broken.NeedsArgumentBackendFactory;
import io.sergeant.it.architecture.fixtures.factories.broken.UnregisteredBackendFactory;
import io.sergeant.it.architecture.fixtures.factories.clean.GoodBackendFactory;
import io.sergeant.spi.backend.BackendFactory;

import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Proves every architecture rule can fail: the very rule objects {@link ArchitectureTest} checks
 * against the product are built for a fixture tree (the same {@link ModuleLayout} under a fixture
 * root), and fail on a deliberately violating fixture while passing on a clean one. The failure
 * message must name the violating class, so a rule failing for another reason (an empty selection,
 * a typo in a package) does not count.
 */
@DisplayName("The architecture rules")
class ArchitectureRulesCanFailTest {

    private static final String FIXTURES = "io.sergeant.it.architecture.fixtures";

    /** Every fixture class; each scenario checks the classes of its own root. */
    private static JavaClasses fixtures;

    /** The factory SPIs with the good fixture factory. */
    private static JavaClasses cleanFactories;

    /** The factory SPIs with the broken fixture factories (a separate import: subclasses are per import). */
    private static JavaClasses brokenFactories;

    @BeforeAll
    static void importFixtures() {
        fixtures = new ClassFileImporter().importPackages(FIXTURES);
        cleanFactories = new ClassFileImporter()
                .importPackages("io.sergeant.spi", FIXTURES + ".factories.base", FIXTURES + ".factories.clean");
        brokenFactories = new ClassFileImporter()
                .importPackages("io.sergeant.spi", FIXTURES + ".factories.base", FIXTURES + ".factories.broken");
    }

    private static ModuleLayout layout(String scenario) {
        return ModuleLayout.of(FIXTURES + "." + scenario);
    }

    private static JavaClasses importScenario(String scenario) {
        return fixtures.that(resideInAPackage(FIXTURES + "." + scenario + ".."));
    }

    private static void assertFailsNaming(ArchRule rule, JavaClasses classes, List<String> violators,
                                          List<String> compliant) {
        assertThatThrownBy(() -> rule.check(classes))
                .isInstanceOf(AssertionError.class)
                .satisfies(error -> {
                    assertThat(error.getMessage()).contains(violators);
                    compliant.forEach(name -> assertThat(error.getMessage()).doesNotContain(name));
                });
    }

    @Nested
    @DisplayName("pass on a fixture tree that obeys them")
    class CleanTree {

        private final ModuleLayout clean = layout("clean");
        private final JavaClasses classes = importScenario("clean");

        @Test
        void importsEveryModuleOfTheCleanTree() {
            assertThat(classes.stream().map(javaClass -> javaClass.getPackageName().substring(FIXTURES.length() + 7)).distinct())
                    .containsExactlyInAnyOrder("api", "spi", "core", "codec", "backend.local", "backend.redis",
                            "backend.mongo", "executor.thread", "executor.process", "cli", "testkit", "toolkit");
        }

        @Test
        void apiDependsOnlyOnTheJdk() {
            assertThatCode(() -> ArchitectureRules.apiDependsOnlyOnTheJdk(clean).check(classes))
                    .doesNotThrowAnyException();
        }

        @Test
        void toolkitDependsOnlyOnTheApiAndTheJdk() {
            assertThatCode(() -> ArchitectureRules.toolkitDependsOnlyOnTheApiAndTheJdk(clean).check(classes))
                    .doesNotThrowAnyException();
        }

        @Test
        void coreSeesNoPluginNorClientLibrary() {
            assertThatCode(() -> ArchitectureRules.coreSeesNoPluginNorClientLibrary(clean).check(classes))
                    .doesNotThrowAnyException();
        }

        @Test
        void pluginsNeverDependOnCoreCliGuiceSlf4jOrEachOther() {
            assertThatCode(() -> ArchitectureRules.pluginsNeverDependOnCoreCliGuiceSlf4jOrEachOther(clean)
                    .check(classes)).doesNotThrowAnyException();
        }

        @Test
        void pluginsUseOnlyTheApiTheJdkAndTheirOwnClients() {
            assertThatCode(() -> ArchitectureRules.pluginsUseOnlyTheApiTheJdkAndTheirOwnClients(clean)
                    .check(classes)).doesNotThrowAnyException();
        }

        @Test
        void guiceLivesOnlyInCoreAndCli() {
            assertThatCode(() -> ArchitectureRules.guiceLivesOnlyInCoreAndCli(clean).check(classes))
                    .doesNotThrowAnyException();
        }

        @Test
        void onlyCoreUsesCoreInternals() {
            assertThatCode(() -> ArchitectureRules.onlyCoreUsesCoreInternals(clean).check(classes))
                    .doesNotThrowAnyException();
        }

        @Test
        void librariesNeverPrint() {
            assertThatCode(() -> ArchitectureRules.librariesNeverPrint(clean).check(classes))
                    .doesNotThrowAnyException();
        }

        @Test
        void noCycles() {
            assertThatCode(() -> {
                ArchitectureRules.noCyclesBetweenTopLevelPackages(clean).check(classes);
                ArchitectureRules.noCyclesBetweenPackages(clean).check(classes);
            }).doesNotThrowAnyException();
        }

        @Test
        void classesLiveInTheirModulesPackages() {
            // Fixture classes all come from it-tests' test classes, so it-tests stands for every module.
            Map<String, List<String>> itTestsHoldsEverything = Map.of("it-tests", List.of(clean.root()));
            assertThatCode(() -> ArchitectureRules.classesLiveInTheirModulesPackages(clean.root(),
                    itTestsHoldsEverything).check(classes)).doesNotThrowAnyException();
        }
    }

    @Test
    @DisplayName("rule 1 fails on an API class using SLF4J and an SPI exposing Guice")
    void apiRuleFails() {
        assertFailsNaming(ArchitectureRules.apiDependsOnlyOnTheJdk(layout("apileak")), importScenario("apileak"),
                List.of("ApiLogsThroughSlf4j", "org.slf4j.LoggerFactory", "SpiTakesAGuiceModule",
                        "com.google.inject.Module"),
                List.of("SpiUsesJdkOnly"));
    }

    @Test
    @DisplayName("rule 1 (toolkit) fails on a toolkit class using SLF4J or core, not on one using the API")
    void toolkitRuleFails() {
        assertFailsNaming(ArchitectureRules.toolkitDependsOnlyOnTheApiAndTheJdk(layout("toolkitleak")),
                importScenario("toolkitleak"),
                List.of("ToolkitLogsThroughSlf4j", "org.slf4j.LoggerFactory", "ToolkitUsesCore"),
                List.of("ToolkitUsesTheApi"));
    }

    @Test
    @DisplayName("rule 2 fails on core using a backend class or a client library, not on Guice or SLF4J")
    void coreRuleFails() {
        assertFailsNaming(ArchitectureRules.coreSeesNoPluginNorClientLibrary(layout("coreleak")),
                importScenario("coreleak"),
                List.of("CoreSeesABackend", "LocalBackendStandIn", "CoreSeesJedis", "redis.clients.jedis.HostAndPort"),
                List.of("CoreUsesGuiceSlf4jAndTheApi"));
    }

    @Test
    @DisplayName("rule 3 (bans) fails on plugins using core, another plugin, SLF4J or Guice")
    void pluginBansFail() {
        assertFailsNaming(ArchitectureRules.pluginsNeverDependOnCoreCliGuiceSlf4jOrEachOther(layout("pluginleak")),
                importScenario("pluginleak"),
                List.of("CodecUsesCore", "RedisUsesTheMongoBackend", "ThreadExecutorLogsThroughSlf4j",
                        "ProcessExecutorUsesGuice"),
                // another plugin's client library is the allow-list's business; a plugin's own is fine
                List.of("LocalBackendUsesJedis", "org.bson.Document"));
    }

    @Test
    @DisplayName("rule 3 (allow-list) also fails on a plugin using another plugin's client library")
    void pluginAllowListFails() {
        assertFailsNaming(ArchitectureRules.pluginsUseOnlyTheApiTheJdkAndTheirOwnClients(layout("pluginleak")),
                importScenario("pluginleak"),
                List.of("CodecUsesCore", "RedisUsesTheMongoBackend", "ThreadExecutorLogsThroughSlf4j",
                        "ProcessExecutorUsesGuice", "LocalBackendUsesJedis", "redis.clients.jedis.HostAndPort"),
                List.of("org.bson.Document"));
    }

    @Test
    @DisplayName("rule 4 fails on Guice or @Inject outside core and the cli")
    void guiceRuleFails() {
        assertFailsNaming(ArchitectureRules.guiceLivesOnlyInCoreAndCli(layout("guiceleak")),
                importScenario("guiceleak"),
                List.of("TestkitUsesGuice", "ApiUsesInject", "jakarta.inject.Inject"),
                List.of("CoreUsesGuice", "CliUsesGuice"));
    }

    @Test
    @DisplayName("rule 7 fails on the cli or another module using core's internals, not on core's front door")
    void coreInternalsRuleFails() {
        assertFailsNaming(ArchitectureRules.onlyCoreUsesCoreInternals(layout("internalleak")),
                importScenario("internalleak"),
                List.of("CliUsesCoreInternals", "TestkitUsesCoreInternals"),
                List.of("CliUsesFrontDoor", "FrontDoor.value"));
    }

    @Test
    @DisplayName("rule 8 fails on library classes printing, not on the cli or a process entry point")
    void printRuleFails() {
        assertFailsNaming(ArchitectureRules.librariesNeverPrint(layout("printleak")), importScenario("printleak"),
                List.of("CorePrints", "CodecPrintsErrors"),
                List.of("CliPrints", "CoreMain"));
    }

    @Test
    @DisplayName("rule 5 fails on a cycle between two top-level packages")
    void topLevelCycleRuleFails() {
        assertFailsNaming(ArchitectureRules.noCyclesBetweenTopLevelPackages(layout("modulecycle")),
                importScenario("modulecycle"),
                List.of("Cycle detected", "CoreCallsCodec", "CodecCallsCore"),
                List.of());
    }

    @Test
    @DisplayName("rule 5 fails on a cycle between two packages of one module, which the top-level rule allows")
    void packageCycleRuleFails() {
        ModuleLayout packageCycle = layout("packagecycle");
        JavaClasses classes = importScenario("packagecycle");

        assertFailsNaming(ArchitectureRules.noCyclesBetweenPackages(packageCycle), classes,
                List.of("Cycle detected", "core.alpha", "core.beta"),
                List.of());
        assertThatCode(() -> ArchitectureRules.noCyclesBetweenTopLevelPackages(packageCycle).check(classes))
                .doesNotThrowAnyException();
    }

    @Test
    @DisplayName("the placement guard fails on a class outside its module's packages or from an unknown module")
    void placementGuardFails() {
        ModuleLayout misplaced = layout("misplaced");
        JavaClasses classes = importScenario("misplaced");

        assertFailsNaming(ArchitectureRules.classesLiveInTheirModulesPackages(misplaced.root(),
                        Map.of("it-tests", List.of(misplaced.core()))), classes,
                List.of("Stray comes from module it-tests"),
                List.of("Placed comes from"));
        assertFailsNaming(ArchitectureRules.classesLiveInTheirModulesPackages(misplaced.root(),
                        Map.of("sergeant-core", List.of(misplaced.core()))), classes,
                List.of("Stray comes from", "Placed comes from", "belongs to none of the modules [sergeant-core]"),
                List.of());
    }

    @Nested
    @DisplayName("for factories (rule 6)")
    class Factories {

        private static final String BROKEN = FIXTURES + ".factories.broken";

        private final JavaClasses clean = cleanFactories;
        private final JavaClasses broken = brokenFactories;

        private final ArchRule loadable = ArchitectureRules.factoriesAreLoadableByServiceLoader(
                ArchitectureRules.FACTORY_SPIS);

        private ArchRule registeredExactly(String root, ServiceRegistry registry) {
            return ArchitectureRules.factoriesAreRegisteredExactly(root, ArchitectureRules.FACTORY_SPIS, registry);
        }

        @Test
        @DisplayName("pass on a public, registered *Factory with a public no-argument constructor")
        void passOnAGoodFactory() {
            ServiceRegistry registry = ServiceRegistry.of(Map.of(
                    BackendFactory.class, Set.of(GoodBackendFactory.class.getName())));

            assertThatCode(() -> {
                loadable.check(clean);
                registeredExactly(FIXTURES + ".factories", registry).check(clean);
            }).doesNotThrowAnyException();
        }

        @Test
        @DisplayName("fail on a hidden factory, one without a no-argument constructor and one misnamed")
        void failOnUnloadableFactories() {
            assertFailsNaming(loadable, broken,
                    List.of(BROKEN + ".HiddenBackendFactory> does not have modifier PUBLIC",
                            NeedsArgumentBackendFactory.class.getName() + "> does not have a public no-argument constructor",
                            BackendMaker.class.getName() + "> does not have simple name ending with 'Factory'"),
                    List.of(UnregisteredBackendFactory.class.getName()));
        }

        @Test
        @DisplayName("fail on an unregistered factory and on a registration without a class")
        void failOnRegistrationsThatDifferFromTheClasses() {
            ServiceRegistry registry = ServiceRegistry.of(Map.of(BackendFactory.class, Set.of(
                    BROKEN + ".HiddenBackendFactory", NeedsArgumentBackendFactory.class.getName(),
                    BackendMaker.class.getName(), BROKEN + ".GhostBackendFactory")));

            assertFailsNaming(registeredExactly(FIXTURES + ".factories", registry), broken,
                    List.of(UnregisteredBackendFactory.class.getName() + " implements " + BackendFactory.class.getName()
                                    + " but is not listed in META-INF/services/" + BackendFactory.class.getName(),
                            "lists " + BROKEN + ".GhostBackendFactory, which is not a concrete class"),
                    List.of("lists " + BackendMaker.class.getName(), "FixtureBackendFactory implements"));
        }

        @Test
        @DisplayName("fail when the services file cannot be loaded")
        void failOnABrokenServicesFile() {
            ServiceRegistry unreadable = spi -> {
                throw new ServiceConfigurationError(spi.getName() + ": Provider not found");
            };

            assertFailsNaming(registeredExactly(FIXTURES + ".factories", unreadable), clean,
                    List.of("META-INF/services/" + BackendFactory.class.getName() + " cannot be loaded"),
                    List.of());
        }

        @Test
        @DisplayName("are never vacuous: without the SPI interfaces among the classes the registration rule fails")
        void registrationRuleNeedsTheSpis() {
            JavaClasses withoutSpis = cleanFactories.that(resideInAPackage(FIXTURES + ".factories.clean.."));

            assertThatThrownBy(() -> registeredExactly(FIXTURES + ".factories", ServiceRegistry.of(Map.of()))
                    .check(withoutSpis))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("failed to check any classes");
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @DisplayName("find a class's module from its location")
    @CsvSource(delimiter = '|', value = {
        "jar:file:/root/.m2/repository/io/sergeant/sergeant-core/0.1.0-SNAPSHOT/sergeant-core-0.1.0-SNAPSHOT.jar!/io/sergeant/core/X.class|sergeant-core",
        "file:/work/main/sergeant-backend-redis/target/classes/io/sergeant/backend/redis/X.class|sergeant-backend-redis",
        "jar:file:/opt/sergeant/lib/sergeant-api-1.2.3.jar!/io/sergeant/api/Task.class|sergeant-api",
        "file:/work/main/it-tests/target/test-classes/io/sergeant/core/X.class|",
    })
    void findsTheModuleOfALocation(String location, String module) {
        Set<String> modules = ModuleLayout.PRODUCTION.modulePackages().keySet();

        assertThat(ArchitectureRules.moduleOf(location, modules).orElse(null)).isEqualTo(module);
    }
}
