package io.sergeant.cli;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class CompletionCommandTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("sergeant completion prints a bash script that bash accepts and that completes every command")
    void printsABashCompletionScript() throws Exception {
        CommandRun run = CommandRun.of("completion");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("complete -F").contains("sergeant")
                .contains("worker").contains("supervisor").contains("dead-letters").contains("--worker-class");
        Path script = dir.resolve("sergeant.bash");
        Files.writeString(script, run.out());
        Process bash = new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true).start();
        assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String output = new String(bash.getInputStream().readAllBytes());
        assertThat(bash.exitValue()).as("bash -n: " + output).isZero();
    }
}
