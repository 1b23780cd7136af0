package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Command line > SERGEANT_* environment > --config file, and every configuration error in one round. */
class ConfigPrecedenceTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("the backend comes from --backend, else SERGEANT_BACKEND, else the --config file")
    void precedence() throws Exception {
        String fromFile = "sqlite:" + dir.resolve("file.db");
        String fromEnvironment = "sqlite:" + dir.resolve("env.db");
        String fromCommandLine = "sqlite:" + dir.resolve("cli.db");
        Path file = dir.resolve("sergeant.properties");
        Files.writeString(file, "backend=" + fromFile + "\n");
        Map<String, String> environment = Map.of("SERGEANT_BACKEND", fromEnvironment);

        assertThat(CommandRun.of("push", "q", "--kwargs", "{}", "--config", file.toString()).exitCode()).isZero();
        assertThat(CommandRun.withEnvironment(environment, "push", "q", "--kwargs", "{}", "--count", "2",
                "--config", file.toString()).exitCode()).isZero();
        assertThat(CommandRun.withEnvironment(environment, "push", "q", "--kwargs", "{}", "--count", "3",
                "--config", file.toString(), "--backend", fromCommandLine).exitCode()).isZero();

        assertThat(ready(fromFile)).isEqualTo(1);
        assertThat(ready(fromEnvironment)).isEqualTo(2);
        assertThat(ready(fromCommandLine)).isEqualTo(3);
    }

    @Test
    @DisplayName("several bad keys from -D, the environment and the file are reported together, in our words, with the accepted values")
    void everyErrorInOneRound() throws Exception {
        Path file = dir.resolve("bad.properties");
        Files.writeString(file, "delivery.mode=sometimes\nlimits.maxEncodedBytes=lots\n");
        CommandRun run = CommandRun.withEnvironment(Map.of("SERGEANT_DELIVERY_LEASE", "", "SERGEANT_TIMEOUTS_TIMEOUT", "soon"),
                "worker", "--worker-class", "com.example.Never", "--config", file.toString(),
                "-D", "executor.concurrency=fas", "-D", "tasksPerTransactoin=2", "-D", "pollInterval=");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("7 problems")
                .contains("delivery.mode: cannot use 'sometimes'", "at-least-once, at-most-once")
                .contains("limits.maxEncodedBytes: cannot use 'lots': expected a size")
                .contains("delivery.lease: cannot use '': expected a duration such as 500ms")
                .contains("timeouts.timeout: cannot use 'soon': expected a duration")
                .contains("executor.concurrency: cannot use 'fas': expected a whole number")
                .contains("tasksPerTransactoin: unknown key (did you mean 'tasksPerTransaction'?)")
                .contains("pollInterval: cannot use '': expected a duration")
                .doesNotContain("For input string", "String index out of range", "Exception", "\tat ");
    }

    @Test
    @DisplayName("a bad option value, a missing class path entry, bad keys and an unknown plugin arrive in the same round")
    void parseErrorsAndConfigurationProblemsTogether() {
        CommandRun run = CommandRun.withEnvironment(Map.of("SERGEANT_ENCODER_SERIALIZER", "yaml"),
                "supervisor", "--worker-class", "com.example.Never", "--concurrent-workers", "two",
                "-cp", dir.resolve("missing.jar").toString(), "-D", "delivery.mode=sometimes", "-D", "maxRetries=many");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("4 problems")
                .contains("'two' is not an int")
                .contains("missing.jar' does not exist")
                .contains("delivery.mode: cannot use 'sometimes'")
                .contains("maxRetries: cannot use 'many': expected a whole number")
                .doesNotContain("\tat ");
        CommandRun serializer = CommandRun.withEnvironment(Map.of("SERGEANT_ENCODER_SERIALIZER", "yaml"),
                "supervisor", "--worker-class", "com.example.Never", "--concurrent-workers", "two");
        assertThat(serializer.err()).as(serializer.toString()).contains("2 problems", "'two' is not an int", "yaml");
    }

    private static long ready(String backend) {
        try (Broker broker = Sergeant.create().broker(WorkerConfig.builder("q").backend(backend).build())) {
            return broker.stats("q").ready();
        }
    }
}
