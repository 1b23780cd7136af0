package io.sergeant.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CommandLineErrorsTest {

    @TempDir
    Path directory;

    private String backend() {
        return "sqlite:" + directory.resolve("queue.db");
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "worker", "supervisor", "push", "stats", "purge", "dead-letters"})
    void everyCommandHasHelp(String command) {
        CommandRun run = CommandRun.of(command, "--help");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).startsWith("Usage: sergeant " + command);
    }

    @Test
    void topLevelHelpListsTheCommands() {
        CommandRun run = CommandRun.of("--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("demo", "worker", "supervisor", "push", "stats", "purge", "dead-letters");
    }

    @Test
    void noCommandIsAUsageError() {
        CommandRun run = CommandRun.of();

        assertThat(run.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("missing command: choose one of");
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        CommandRun run = CommandRun.of("frobnicate");

        assertThat(run.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("Unmatched argument", "frobnicate");
    }

    @Test
    void anUnknownBackendSchemeNamesTheKnownSchemesWithoutAStackTrace() {
        CommandRun run = CommandRun.of("stats", "jobs", "--backend", "reddis://localhost:6379/0");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("'reddis'", "known schemes:", "sqlite", "redis");
        assertThat(run.err()).doesNotContain("\tat ");
    }

    @Test
    void anUnknownWorkerClassExitsWithTheClassNotFoundCode() {
        CommandRun run = CommandRun.of("worker", "--worker-class", "com.example.NoSuchWorker", "--backend", backend());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        assertThat(run.err()).contains("could not find worker class: com.example.NoSuchWorker");
    }

    @Test
    void aClassThatIsNotAWorkerExitsWithTheNotLoadableCode() {
        CommandRun run = CommandRun.of("worker", "--worker-class", "java.lang.String", "--backend", backend());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(7);
        assertThat(run.err()).contains("does not extend io.sergeant.api.worker.Worker");
    }

    @Test
    void aWorkerNeedsAWorkerClass() {
        CommandRun run = CommandRun.of("worker");

        assertThat(run.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("Missing required option: '--worker-class=CLASS'");
    }

    @Test
    void anUnknownConfigurationKeyIsReportedBeforeTheWorkerStarts() {
        CommandRun run = CommandRun.of("worker", "--worker-class", "io.sergeant.cli.demo.DemoWorker",
                "-D", "tasksPerTransactoin=5", "--backend", backend());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("tasksPerTransactoin: unknown key");
        assertThat(System.getProperty("sergeant.config.tasksPerTransactoin")).isNull();
    }

    @Test
    void aMissingConfigFileIsReported() {
        CommandRun run = CommandRun.of("stats", "jobs", "--config", directory.resolve("nope.properties").toString());

        assertThat(run.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("nope.properties' does not exist");
    }

    @Test
    void aConfigFileWithABadValueIsReported() throws Exception {
        Path file = directory.resolve("bad.properties");
        Files.writeString(file, "backend=" + backend() + "\ndelivery.mode=sometimes\n");

        CommandRun run = CommandRun.of("stats", "jobs", "--config", file.toString());

        assertThat(run.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("delivery.mode", "sometimes");
    }

    @Test
    void invalidKwargsJsonIsAUsageErrorWithThePosition() {
        CommandRun run = CommandRun.of("push", "jobs", "--kwargs", "{\"a\": 1,}", "--backend", backend());

        assertThat(run.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("--kwargs: invalid JSON at line 1, column 9");
    }

    @Test
    void kwargsMustBeAnObject() {
        CommandRun run = CommandRun.of("push", "jobs", "--kwargs", "[1, 2]", "--backend", backend());

        assertThat(run.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("expected a JSON object");
    }

    @Test
    void badPushOptionsAreUsageErrors() {
        assertThat(CommandRun.of("push", "jobs", "--kwargs", "{}", "--count", "0").err()).contains("--count must be at least 1");
        CommandRun priority = CommandRun.of("push", "jobs", "--kwargs", "{}", "--priority", "URGENT");
        assertThat(priority.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(priority.err()).contains("URGENT");
        CommandRun delay = CommandRun.of("push", "jobs", "--kwargs", "{}", "--delay", "soon");
        assertThat(delay.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(delay.err()).contains("'soon' is not a duration");
    }

    @Test
    void requeueAndPurgeOfDeadLettersExcludeEachOther() {
        CommandRun run = CommandRun.of("dead-letters", "jobs", "--requeue", "--purge");

        assertThat(run.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("mutually exclusive");
    }

    @Test
    void statsWithoutAQueueListsEveryQueueAndNeverCreatesADatabase() {
        CommandRun missing = CommandRun.of("stats", "--backend", backend());
        assertThat(missing.exitCode()).as(missing.toString()).isNotZero();
        assertThat(directory.resolve("queue.db")).doesNotExist();

        assertThat(CommandRun.of("push", "alpha", "--kwargs", "{}", "--backend", backend()).exitCode()).isZero();
        assertThat(CommandRun.of("push", "beta", "--kwargs", "{}", "--backend", backend()).exitCode()).isZero();
        CommandRun all = CommandRun.of("stats", "--backend", backend());

        assertThat(all.exitCode()).as(all.toString()).isZero();
        assertThat(all.out()).contains("QUEUE").contains("alpha").contains("beta");
    }

    @Test
    void aSupervisorOfAMissingWorkerClassStopsWithTheWorkersCode() {
        CommandRun run = CommandRun.of("supervisor", "--worker-class", "com.example.NoSuchWorker", "--concurrent-workers", "1",
                "--backend", backend(), "--grace-period", "2s");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
    }

    @Test
    void supervisorOptionsAreCheckedBeforeAnyWorkerStarts() {
        CommandRun key = CommandRun.of("supervisor", "--worker-class", "x.Y", "--concurrent-workers", "1", "-D", "nope=1");
        assertThat(key.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(key.err()).contains("nope: unknown key");

        CommandRun workers = CommandRun.of("supervisor", "--worker-class", "x.Y", "--concurrent-workers", "0");
        assertThat(workers.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(workers.err()).contains("concurrent workers is 0; give at least 1");

        CommandRun memory = CommandRun.of("supervisor", "--worker-class", "x.Y", "--concurrent-workers", "1",
                "--max-worker-memory-usage", "lots");
        assertThat(memory.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(memory.err()).contains("'lots' is not a size");
    }
}
