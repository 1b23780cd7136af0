package io.sergeant.cli;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's Java examples, taken from README.md itself: the worker and the producer agree on the
 * backend, compile as written (with the imports and a stand-in {@code Outbox}), and run: the producer
 * pushes, and {@code sergeant worker --worker-class com.example.WelcomeEmailWorker -cp ...} (the README's
 * command) sends the welcome email. Only the backend URI is swapped for a SQLite file, in both examples alike.
 */
class ReadmeExamplesTest {

    private static final String IMPORTS = """
            package com.example;

            import io.sergeant.api.Broker;
            import io.sergeant.api.Task;
            import io.sergeant.api.config.WorkerConfig;
            import io.sergeant.api.worker.Worker;
            import io.sergeant.core.Sergeant;
            import java.time.Duration;
            import java.util.Map;
            """;

    @TempDir
    Path dir;

    @Test
    @DisplayName("the README's worker and producer share one backend, compile, and deliver the welcome email through sergeant worker")
    void workerAndProducerRun() throws Exception {
        List<String> blocks = javaBlocks(Files.readString(readme()));
        String worker = blocks.stream().filter(block -> block.contains("class WelcomeEmailWorker")).findFirst().orElseThrow();
        String producer = blocks.stream().filter(block -> block.contains("broker.pushTask(")).findFirst().orElseThrow();
        String backend = backendOf(worker);
        assertThat(backendOf(producer)).as("the producer pushes where the worker reads").isEqualTo(backend);

        String sqlite = "sqlite:" + dir.resolve("readme.db");
        Path sources = Files.createDirectories(dir.resolve("src/com/example"));
        Files.writeString(sources.resolve("WelcomeEmailWorker.java"), IMPORTS + worker.replace(backend, sqlite));
        Files.writeString(sources.resolve("Producer.java"), IMPORTS + "public final class Producer {\n"
                + "    public static void main(String[] args) {\n" + producer.replace(backend, sqlite) + "\n    }\n}\n");
        Files.writeString(sources.resolve("Outbox.java"), """
                package com.example;

                /** Stands in for the README's mail client: appends "to: text" lines to the file readme.outbox names. */
                public final class Outbox {
                    public void send(String to, String text) {
                        try {
                            java.nio.file.Files.writeString(java.nio.file.Path.of(System.getProperty("readme.outbox")),
                                    to + ": " + text + "\\n", java.nio.file.StandardOpenOption.CREATE,
                                    java.nio.file.StandardOpenOption.APPEND);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                }
                """);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        List<String> arguments = new ArrayList<>(List.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path")));
        try (var files = Files.list(sources)) {
            files.forEach(file -> arguments.add(file.toString()));
        }
        assertThat(compiler.run(null, null, null, arguments.toArray(String[]::new))).as("the README's code compiles").isZero();

        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            loader.loadClass("com.example.Producer").getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        }
        Path outbox = dir.resolve("outbox.txt");
        System.setProperty("readme.outbox", outbox.toString());
        try {
            CommandRun run = CommandRun.of("worker", "--worker-class", "com.example.WelcomeEmailWorker",
                    "-cp", classes.toString(), "-D", "maxTasksPerRun=1", "-D", "pollInterval=50ms");
            assertThat(run.exitCode()).as(run.toString()).isZero();
        } finally {
            System.clearProperty("readme.outbox");
        }
        assertThat(Files.readString(outbox)).isEqualTo("ada@example.com: Welcome aboard!\n");
    }

    private static String backendOf(String block) {
        Matcher matcher = Pattern.compile("\\.backend\\(\"([^\"]+)\"\\)").matcher(block);
        assertThat(matcher.find()).as("a .backend(\"...\") in:\n" + block).isTrue();
        return matcher.group(1);
    }

    private static List<String> javaBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher matcher = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(markdown);
        while (matcher.find()) {
            blocks.add(matcher.group(1));
        }
        return blocks;
    }

    private static Path readme() {
        Path here = Path.of("").toAbsolutePath();
        while (here != null && !Files.exists(here.resolve("README.md")) || here != null && !Files.isDirectory(here.resolve("sergeant-cli"))) {
            here = here.getParent();
        }
        assertThat(here).as("the repository root above " + Path.of("").toAbsolutePath()).isNotNull();
        return here.resolve("README.md");
    }
}
