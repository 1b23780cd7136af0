package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sergeant worker --classpath}: the user's worker class lives outside the sergeant jar. */
class WorkerClassPathTest {

    static final String WORKER = "com.example.cp.MarkerWorker";

    @TempDir
    Path dir;

    @Test
    @DisplayName("a worker class found only on --classpath loads and runs; without it the class is not found (exit 3)")
    void loadsTheUsersClass() throws Exception {
        Path classes = compileWorker(dir);
        String backend = "sqlite:" + dir.resolve("cp.db");
        Path marker = dir.resolve("marker.txt");
        try (Broker broker = Sergeant.create().broker(WorkerConfig.builder("cp-q").backend(backend).build())) {
            broker.pushTask("cp-q", Map.of("file", marker.toString()));
        }

        CommandRun missing = CommandRun.of("worker", "--worker-class", WORKER, "--backend", backend);
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(3);

        CommandRun run = CommandRun.of("worker", "--worker-class", WORKER, "--classpath", classes.toString(),
                "--backend", backend, "-D", "maxTasksPerRun=1", "-D", "pollInterval=50ms");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(Files.readString(marker)).isEqualTo("done by " + WORKER);
    }

    @Test
    @DisplayName("a --classpath entry that does not exist is a usage error naming it")
    void missingEntry() {
        CommandRun run = CommandRun.of("worker", "--worker-class", WORKER, "-cp", dir.resolve("nope.jar").toString());
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("nope.jar").contains("does not exist").contains("--classpath");
    }

    /** Compiles {@value #WORKER} into {@code dir/classes}, outside this JVM's class path, and returns that directory. */
    static Path compileWorker(Path dir) throws Exception {
        Path source = dir.resolve("src/com/example/cp/MarkerWorker.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, """
                package com.example.cp;

                import io.sergeant.api.Task;
                import io.sergeant.api.config.WorkerConfig;
                import io.sergeant.api.worker.Worker;

                public class MarkerWorker extends Worker {
                    @Override
                    public WorkerConfig config() {
                        return WorkerConfig.builder("cp-q").build();
                    }

                    @Override
                    public Object work(Task task) throws Exception {
                        java.nio.file.Files.writeString(java.nio.file.Path.of((String) task.kwargs().get("file")),
                                "done by " + getClass().getName());
                        return null;
                    }
                }
                """);
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        int status = compiler.run(null, null, null, "-d", classes.toString(), "-cp",
                System.getProperty("java.class.path"), source.toString());
        assertThat(status).as("javac").isZero();
        return classes;
    }
}
