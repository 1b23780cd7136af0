package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real {@code sergeant supervisor -cp} process: its worker JVMs, and their process executor's child
 * JVMs, load the user's class from --classpath; Ctrl-C (SIGINT) then stops it gracefully with exit 0.
 */
class SupervisorClassPathTest {

    @TempDir
    Path dir;

    private Process supervisor;

    @AfterEach
    void killWhatIsLeft() {
        if (supervisor != null) {
            supervisor.descendants().forEach(ProcessHandle::destroyForcibly);
            supervisor.destroyForcibly();
        }
    }

    @Test
    @DisplayName("the user's class reaches the supervisor's workers and their process-executor children; Ctrl-C exits 0")
    void classPathReachesEveryChildJvm() throws Exception {
        Path classes = WorkerClassPathTest.compileWorker(dir);
        String backend = "sqlite:" + dir.resolve("cp.db");
        Path marker = dir.resolve("marker.txt");
        try (Broker broker = Sergeant.create().broker(WorkerConfig.builder("cp-q").backend(backend).build())) {
            broker.pushTask("cp-q", Map.of("file", marker.toString()));
        }
        Path output = dir.resolve("output.txt");
        supervisor = new ProcessBuilder(InheritedSignals.withDefaultSigint(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SergeantCommand.class.getName(), "supervisor",
                "--worker-class", WorkerClassPathTest.WORKER, "--concurrent-workers", "1", "--classpath", classes.toString(),
                "--backend", backend, "-D", "executor.kind=process", "-D", "pollInterval=50ms",
                "--worker-jvm-options", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1")))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();

        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!Files.exists(marker) && supervisor.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(marker).as(Files.readString(output)).exists();
        assertThat(Files.readString(marker)).isEqualTo("done by " + WorkerClassPathTest.WORKER);

        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(supervisor.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
        assertThat(supervisor.waitFor(60, TimeUnit.SECONDS)).as("the supervisor exits").isTrue();
        assertThat(supervisor.exitValue()).as(Files.readString(output)).isZero();
        assertThat(Files.readString(output)).contains("SIGINT was received");
    }
}
