package io.sergeant.it.reliability;

import io.sergeant.api.config.DeliveryMode;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.core.supervisor.Supervisor;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No password reaches a process command line: a supervisor whose backend URI carries a Redis password
 * starts worker JVMs, which start process-executor child JVMs; the command line of every one of them,
 * read from {@code /proc/<pid>/cmdline} as any local user could, holds no trace of the password, and the
 * workers still reach Redis (they ran tasks).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SecretsOffTheCommandLineTest {

    private static final String PASSWORD = "pw-" + Long.toHexString(System.nanoTime()) + "-s3cret";

    @TempDir
    Path dir;

    private RedisServerProcess redis;

    @AfterEach
    void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @DisplayName("the backend password is on no worker's and no child's command line")
    void noSecretOnAnyCommandLine() throws Exception {
        redis = RedisServerProcess.start("--requirepass", PASSWORD);
        String backend = "redis://:" + PASSWORD + "@127.0.0.1:" + redis.port() + "/0";
        try (FaultRun run = new FaultRun(dir, backend, 29)) {
            DefaultBroker broker = run.broker(DeliveryMode.AT_LEAST_ONCE);
            Map<String, String> overrides = new LinkedHashMap<>(KillNineRuns.Executor.PROCESS.overrides(DeliveryMode.AT_LEAST_ONCE));
            Supervisor supervisor = run.startSupervisor(run.supervisorConfig(2, overrides).build());
            Producer producer = run.startProducer(broker, new Producer.Plan("c", 200, 10, 20, 2, 0));
            producer.await(60_000);
            assertThat(run.awaitCompleted(producer.acknowledged(), Duration.ofSeconds(60)))
                    .as("the workers reached the password-protected Redis").isTrue();

            List<Long> workers = supervisor.workerPids();
            List<String> commandLines = new ArrayList<>();
            int children = 0;
            for (long worker : workers) {
                commandLines.add(cmdline(worker));
                for (ProcessHandle child : ProcessHandle.of(worker).map(handle -> handle.descendants().toList()).orElse(List.of())) {
                    String line = cmdline(child.pid());
                    if (line.contains("ChildMain")) {
                        children++;
                    }
                    commandLines.add(line);
                }
            }
            FaultRun.figures("secrets off the command line", "workers=" + workers.size() + " children=" + children
                    + " command-lines-read=" + commandLines.size());

            assertThat(workers).hasSize(2);
            assertThat(children).as("process-executor children").isGreaterThanOrEqualTo(2);
            assertThat(commandLines).allSatisfy(line -> assertThat(line).as("a command line").isNotBlank()
                    .doesNotContain(PASSWORD).doesNotContain("sergeant.config.backend"));
            assertThat(run.check(Set.of()).lost()).isEmpty();
        }
    }

    /** The command line of a process as {@code /proc} shows it to anyone, NUL separators as spaces. */
    private static String cmdline(long pid) throws IOException {
        byte[] bytes = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
        return new String(bytes, StandardCharsets.UTF_8).replace('\0', ' ');
    }
}
