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
        assertThat(run.err()).contains("5 problems")
                .contains("'two' is not an int")
                .contains("missing.jar' does not exist")
                .contains("delivery.mode: cannot use 'sometimes'")
                .contains("maxRetries: cannot use 'many': expected a whole number")
                .contains("encoder.serializer: unknown 'yaml'; known: ")
                .doesNotContain("\tat ");
    }

    @Test
    @DisplayName("unknown backend scheme, serializer, compressor, executor and killer come in the same round as bad values, for worker and for push")
    void unknownPluginNamesComeWithTheBadValues() {
        Map<String, String> environment = Map.of("SERGEANT_EXECUTOR_CONCURRENCY", "fas", "SERGEANT_ENCODER_SERIALIZER", "msgpak",
                "SERGEANT_ENCODER_COMPRESSOR", "zlb", "SERGEANT_EXECUTOR_KIND", "proces", "SERGEANT_EXECUTOR_KILLER", "nobody",
                "SERGEANT_POLL_INTERVAL", "soon", "SERGEANT_BACKEND", "reddis://localhost:6379/0");
        CommandRun worker = CommandRun.withEnvironment(environment, "worker", "--worker-class", "com.example.Never");
        CommandRun push = CommandRun.withEnvironment(environment, "push", "q", "--kwargs", "{}");

        for (CommandRun run : java.util.List.of(worker, push)) {
            assertThat(run.exitCode()).as(run.toString()).isNotZero();
            assertThat(run.err()).as(run.toString()).contains("7 problems")
                    .contains("executor.concurrency: cannot use 'fas'", "pollInterval: cannot use 'soon'")
                    .contains("backend: no installed backend serves 'reddis://localhost:6379/0' (scheme 'reddis'); known schemes: ")
                    .contains("encoder.serializer: unknown 'msgpak'; known: ", "encoder.compressor: unknown 'zlb'; known: ")
                    .contains("executor.kind: unknown 'proces'; known: ", "executor.killer: unknown 'nobody'; known: ")
                    .doesNotContain("\tat ");
        }
    }

    @Test
    @DisplayName("stats on a missing SQLite file with a mistyped serializer reports the serializer first, and creates nothing")
    void readOnlyCommandsCheckPluginNamesBeforeTheFile() {
        Path missing = dir.resolve("nowhere").resolve("q.db");
        CommandRun run = CommandRun.withEnvironment(Map.of("SERGEANT_ENCODER_SERIALIZER", "msgpak", "SERGEANT_MAX_RETRIES", "many"),
                "stats", "q", "--backend", "sqlite:" + missing);

        assertThat(run.exitCode()).as(run.toString()).isNotZero();
        assertThat(run.err()).contains("2 problems", "encoder.serializer: unknown 'msgpak'", "maxRetries: cannot use 'many'");
        assertThat(Files.exists(missing.getParent())).isFalse();
    }

    private static long ready(String backend) {
        try (Broker broker = Sergeant.create().broker(WorkerConfig.builder("q").backend(backend).build())) {
            return broker.stats("q").ready();
        }
    }
}
