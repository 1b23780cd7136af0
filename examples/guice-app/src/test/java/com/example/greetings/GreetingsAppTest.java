package com.example.greetings;

import com.google.inject.Injector;
import io.sergeant.api.Broker;
import io.sergeant.api.QueueStats;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.core.worker.WorkerFactory;
import io.sergeant.core.worker.WorkerRuntime;
import io.sergeant.core.supervisor.SupervisorMain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Guice journey: the application's injector gives its service a Broker; the worker is built by
 * core's WorkerFactory with the application's module, in this JVM and in worker processes of a real
 * supervisor process. The backend is a temporary SQLite file, chosen the way production chooses it:
 * with the {@code sergeant.config.backend} override.
 */
class GreetingsAppTest {

    private static final String BACKEND_PROPERTY = "sergeant.config.backend";
    private static final String MAX_TASKS_PROPERTY = "sergeant.config.maxTasksPerRun";
    private static final List<String> NAMES = List.of("Ada", "Grace", "Barbara", "Frances", "Radia", "Hedy");

    @TempDir
    Path dir;

    private String backend;
    private Process supervisor;

    @BeforeEach
    void useATemporaryDatabase() {
        backend = "sqlite:" + dir.resolve("greetings.db");
        System.setProperty(BACKEND_PROPERTY, backend);
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        System.clearProperty(BACKEND_PROPERTY);
        System.clearProperty(MAX_TASKS_PROPERTY);
        if (supervisor != null && supervisor.isAlive()) {
            supervisor.descendants().forEach(ProcessHandle::destroyForcibly);
            supervisor.destroyForcibly();
            supervisor.waitFor();
        }
    }

    @Test
    void theServicePushesThroughTheBrokerThatSergeantModuleBinds() {
        Injector injector = GreetingsApp.injector();
        try (Broker broker = injector.getInstance(Broker.class)) {
            injector.getInstance(GreetingService.class).requestGreetings(List.of("Ada", "Grace"));

            assertThat(injector.getInstance(Broker.class)).as("one broker per injector").isSameAs(broker);
            assertThat(broker.numberOfEnqueuedTasks(GreetingsConfig.QUEUE, false)).isEqualTo(2);
            assertThat(broker.popTasks(GreetingsConfig.QUEUE, 10)).extracting(task -> task.kwargs().get("name"))
                    .containsExactly("Ada", "Grace");
        }
    }

    @Test
    void theWorkerIsBuiltWithItsInjectedGreeterAndRunsInThisJvm() {
        queue(NAMES.subList(0, 3));
        System.setProperty(MAX_TASKS_PROPERTY, "3");
        Sergeant sergeant = Sergeant.create();

        Worker worker = new WorkerFactory(sergeant).create(GreetingWorker.class.getName(), List.of(AppModule.class.getName()));
        RunSummary summary;
        try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of("--guice-module", AppModule.class.getName()))) {
            summary = runtime.run();
        }

        assertThat(worker).isInstanceOf(GreetingWorker.class);
        assertThat(summary.exitCode()).isZero();
        assertThat(summary.outcomes()).containsEntry("success", 3L);
        try (Broker broker = GreetingsApp.injector().getInstance(Broker.class)) {
            for (String name : NAMES.subList(0, 3)) {
                assertThat(broker.getKey(GreetingWorker.KEY_PREFIX + name)).contains("Hello, " + name + "!");
            }
            assertThat(broker.stats(GreetingsConfig.QUEUE)).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    @Test
    void theSupervisorRunsGuiceBuiltWorkersInChildJvmsAndStopsGracefullyOnSigterm() throws Exception {
        queue(NAMES);
        Path log = dir.resolve("supervisor.log");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SupervisorMain.class.getName(),
                "--worker-class", GreetingWorker.class.getName(), "--concurrent-workers", "2",
                "--guice-module", AppModule.class.getName(),
                "--worker-jvm-options", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx256m",
                "--grace-period", "20s", "-D", "backend=" + backend, "-D", "pollInterval=100ms");
        supervisor = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();

        try (Broker broker = GreetingsApp.injector().getInstance(Broker.class)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!allGreeted(broker) && supervisor.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(allGreeted(broker)).as("every greeting recorded; supervisor output:%n%s", output(log)).isTrue();
        }
        List<ProcessHandle> workers = supervisor.descendants().toList();
        assertThat(workers).as("two worker JVMs").hasSizeGreaterThanOrEqualTo(2);

        supervisor.destroy();

        assertThat(supervisor.waitFor(40, TimeUnit.SECONDS)).as("exited within the grace period").isTrue();
        String output = output(log);
        assertThat(supervisor.exitValue()).as(output).isZero();
        assertThat(output).contains("SIGTERM was received").doesNotContain("killing a worker");
        assertThat(workers).as("no worker outlives the supervisor").noneMatch(ProcessHandle::isAlive);
        try (Broker broker = GreetingsApp.injector().getInstance(Broker.class)) {
            assertThat(broker.stats(GreetingsConfig.QUEUE)).as("the stopping workers acked every task they ran")
                    .isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    private void queue(List<String> names) {
        Injector injector = GreetingsApp.injector();
        Broker broker = injector.getInstance(Broker.class);
        try {
            injector.getInstance(GreetingService.class).requestGreetings(names);
        } finally {
            broker.close();
        }
    }

    private static boolean allGreeted(Broker broker) {
        return NAMES.stream().allMatch(name ->
                broker.getKey(GreetingWorker.KEY_PREFIX + name).equals(Optional.of("Hello, " + name + "!")));
    }

    private static String output(Path log) throws java.io.IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no output)";
    }
}
