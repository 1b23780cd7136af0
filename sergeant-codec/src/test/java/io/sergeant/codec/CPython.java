package io.sergeant.codec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local {@code python3}, for tests that compare with what CPython writes or reads: whether it is
 * installed (and has a module), and a run of a script in a folder that also holds a stand-in
 * {@code sergeant.objects} module whose {@code Task} dataclass has Python Sergeant's fields.
 */
public final class CPython {

    /** The stand-in {@code sergeant/objects.py}. */
    private static final String OBJECTS = """
            import dataclasses
            import typing

            @dataclasses.dataclass
            class Task:
                kwargs: dict
                trace_id: typing.Optional[str] = None
                date: float = 0.0
                run_count: int = 0
            """;

    private CPython() {
    }

    /** Whether {@code python3} runs. */
    public static boolean available() {
        return succeeds(List.of("python3", "--version"));
    }

    /** Whether {@code python3} can import {@code module}. */
    public static boolean hasModule(String module) {
        return succeeds(List.of("python3", "-c", "import " + module));
    }

    /**
     * Writes {@code script} and the stand-in {@code sergeant.objects} into {@code dir}, runs the script
     * there with these arguments and time zone, and returns its output (stdout and stderr); fails the
     * test unless it exits 0 within {@code timeout}.
     */
    public static String run(Path dir, String script, String timezone, Duration timeout, List<String> arguments)
            throws IOException, InterruptedException {
        Path objects = dir.resolve("sergeant");
        Files.createDirectories(objects);
        Files.writeString(objects.resolve("__init__.py"), "");
        Files.writeString(objects.resolve("objects.py"), OBJECTS);
        Path file = dir.resolve("script.py");
        Files.writeString(file, script);
        List<String> command = new ArrayList<>(List.of("python3", file.toString()));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("PYTHONPATH", dir.toString());
        builder.environment().put("TZ", timezone);
        Process process = builder.start();
        try {
            // Read before waiting: the output can be larger than a pipe buffer.
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)).as("python3 finished").isTrue();
            assertThat(process.exitValue()).as("python3 output: %s", output).isZero();
            return output;
        } finally {
            process.destroyForcibly();
        }
    }

    private static boolean succeeds(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            return process.waitFor(20, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
