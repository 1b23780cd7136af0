package io.sergeant.cli;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading and cleaning commands never create a SQLite database (nor its directory) on a mistyped path. */
class NoDatabaseCreatedTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stats", "purge", "dead-letters", "workers"})
    @DisplayName("a missing sqlite file is a usage error naming it, and nothing is created")
    void missingDatabase(String command) {
        Path file = dir.resolve("typo-dir/sergant.db");
        String[] args = command.equals("workers")
                ? new String[] {command, "--backend", "sqlite:" + file}
                : new String[] {command, "q", "--backend", "sqlite:" + file};

        CommandRun run = CommandRun.of(args);

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("no SQLite database at " + file).contains("never creates");
        assertThat(Files.exists(file.getParent())).as("directory created").isFalse();
    }
}
