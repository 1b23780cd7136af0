package io.sergeant.core.supervisor;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SupervisorConfigTest {

    @Test
    void theCommandLineBecomesAConfiguration() {
        SupervisorConfig config = SupervisorMain.parse(new String[] {"--worker-class", "com.acme.EmailWorker",
                "--concurrent-workers", "4", "--max-worker-memory-usage", "512M", "--max-tasks-per-worker", "1000",
                "--worker-jvm-options", " -Xmx256m  -XX:+UseSerialGC ", "--guice-module", "com.acme.Module",
                "--grace-period", "45s", "-D", "delivery.lease=2m"}, Map.of());

        assertThat(config.workerClass()).isEqualTo("com.acme.EmailWorker");
        assertThat(config.concurrentWorkers()).isEqualTo(4);
        assertThat(config.maxWorkerMemoryBytes()).isEqualTo(512L << 20);
        assertThat(config.maxTasksPerWorker()).isEqualTo(1000);
        assertThat(config.workerJvmOptions()).containsExactly("-Xmx256m", "-XX:+UseSerialGC");
        assertThat(config.guiceModules()).containsExactly("com.acme.Module");
        assertThat(config.gracePeriod()).isEqualTo(Duration.ofSeconds(45));
        assertThat(config.configOverrides()).containsExactly(Map.entry("delivery.lease", "2m"));
        assertThat(config.classpath()).isNull();
    }

    @Test
    void configIsAFileAndTheEnvironmentSitsBetweenItAndTheCommandLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("workers.properties");
        java.nio.file.Files.writeString(file, "backend=sqlite:/file.db\ndelivery.lease=1m\npollInterval=5s\n");
        SupervisorConfig config = SupervisorMain.parse(new String[] {"--worker-class", "W", "--concurrent-workers", "1",
                "--config", file.toString(), "-D", "pollInterval=100ms", "-Dmaxretries=3"},
                Map.of("SERGEANT_DELIVERY_LEASE", "2m", "SERGEANT_POLL_INTERVAL", "7s", "SERGEANT_CLASSPATH", "/x.jar"));

        assertThat(config.configOverrides()).containsOnly(Map.entry("backend", "sqlite:/file.db"),
                Map.entry("delivery.lease", "2m"), Map.entry("pollInterval", "100ms"), Map.entry("maxretries", "3"));
        assertThatThrownBy(() -> SupervisorMain.parse(new String[] {"--worker-class", "W", "--concurrent-workers", "1",
                "--config", "backend=sqlite:/x.db"}, Map.of()))
                .hasMessageContaining("--config takes a properties file").hasMessageContaining("-D backend=sqlite:/x.db");
    }

    @Test
    void missingAndMalformedArgumentsAreExplained() {
        assertThatThrownBy(() -> SupervisorMain.parse(new String[] {"--concurrent-workers", "2"}))
                .hasMessageContaining("--worker-class is required");
        assertThatThrownBy(() -> SupervisorMain.parse(new String[] {"--worker-class", "W"}))
                .hasMessageContaining("--concurrent-workers is required");
        assertThatThrownBy(() -> SupervisorMain.parse(new String[] {"--worker-class", "W", "--concurrent-workers", "two"}))
                .hasMessageContaining("'two'");
        assertThatThrownBy(() -> SupervisorMain.parse(new String[] {"--worker-class", "W", "--concurrent-workers", "1",
                "--max-worker-memory-usage", "lots"})).hasMessageContaining("512M");
        assertThatThrownBy(() -> SupervisorMain.parse(new String[] {"--worker-class", "W", "--concurrent-workers", "1", "--bogus"}))
                .hasMessageContaining("unknown argument '--bogus'");
        assertThatThrownBy(() -> SupervisorMain.parse(new String[] {"--worker-class"}))
                .hasMessageContaining("needs a value");
    }

    @Test
    void invalidValuesAreReportedTogether() {
        assertThatThrownBy(() -> SupervisorConfig.builder(" ", 0).maxWorkerMemoryBytes(0L).maxTasksPerWorker(-1)
                .gracePeriod(Duration.ofSeconds(-1)).build())
                .isInstanceOfSatisfying(SergeantException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION))
                .hasMessageContaining("blank").hasMessageContaining("at least 1").hasMessageContaining("positive size")
                .hasMessageContaining("max tasks per worker").hasMessageContaining("grace period");
    }

    @Test
    void theWorkerCommandRunsWorkerMainWithTheSettingsAfterTheUsersOptions() throws Exception {
        SupervisorConfig config = SupervisorConfig.builder("com.acme.EmailWorker", 1).maxTasksPerWorker(7)
                .workerJvmOptions(List.of("-Xmx64m")).guiceModules(List.of("com.acme.Module"))
                .configOverride("delivery.lease", "5s").classpath("/opt/app/lib/*").build();

        List<String> command = new Supervisor(config).workerCommand();

        assertThat(command.get(0)).endsWith("java");
        assertThat(command).containsSubsequence("-Xmx64m", "-cp", "/opt/app/lib/*", "io.sergeant.core.worker.WorkerMain",
                "--worker-class", "com.acme.EmailWorker", "--guice-module", "com.acme.Module");
        // The settings go through an owner-only JVM argument file after the user's options, not the command line.
        String settings = command.get(command.indexOf("-Xmx64m") + 1);
        assertThat(settings).startsWith("@");
        assertThat(String.join(" ", command)).doesNotContain("sergeant.config.");
        assertThat(java.nio.file.Files.readString(java.nio.file.Path.of(settings.substring(1))))
                .contains("\"-Dsergeant.config.delivery.lease=5s\"").contains("\"-Dsergeant.config.maxTasksPerRun=7\"");
        assertThat(new SupervisorConfig("W", 1, null, null, List.of(), List.of(), Map.of(),
                SupervisorConfig.DEFAULT_GRACE_PERIOD, null)).isEqualTo(SupervisorConfig.of("W", 1));
    }
}
