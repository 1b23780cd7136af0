package io.sergeant.it.reliability;

import io.sergeant.core.supervisor.SupervisorMain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A supervisor process whose worker fails at every start (a crash loop) backs off its respawns with the
 * default backoff (1 s doubling to 60 s) and says why in its log, instead of starting a JVM the moment
 * the last one died.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SupervisorRespawnBackoffTest {

    private static final Pattern DELAY = Pattern.compile("respawning worker\\(\\d+\\) in (\\d+) ms: it lived \\d+ ms");

    @TempDir
    Path dir;

    private Process supervisor;

    @AfterEach
    void stop() throws InterruptedException {
        if (supervisor != null && supervisor.isAlive()) {
            supervisor.descendants().forEach(ProcessHandle::destroyForcibly);
            supervisor.destroyForcibly();
            supervisor.waitFor();
        }
    }

    @Test
    @DisplayName("a crash-looping worker is respawned after 1 s, then 2 s, then 4 s, each delay logged with its reason")
    void crashLoopBacksOff() throws Exception {
        Path log = dir.resolve("supervisor.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SupervisorMain.class.getName(),
                "--worker-class", CrashOnStartWorker.class.getName(), "--concurrent-workers", "1",
                "--worker-jvm-options", String.join(" ", FaultRun.WORKER_JVM), "--grace-period", "5s",
                "-D", "backend=sqlite:" + dir.resolve("queue.sqlite3")));
        supervisor = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        List<Long> delays = List.of();
        while (System.nanoTime() - deadline < 0 && delays.size() < 3) {
            FaultRun.sleep(250);
            delays = delays(Files.readString(log, StandardCharsets.UTF_8));
        }
        supervisor.destroy();
        assertThat(supervisor.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String text = Files.readString(log, StandardCharsets.UTF_8);
        long spawned = text.lines().filter(line -> line.contains("spawned a new worker")).count();
        FaultRun.figures("supervisor respawn backoff", "delays-ms=" + delays + " spawned=" + spawned);

        assertThat(delays).as("delays of the first respawns\n%s", text).startsWith(1000L, 2000L, 4000L);
        assertThat(spawned).as("no respawn is started before its delay: spawns = delayed respawns + the first")
                .isLessThanOrEqualTo(delays.size() + 1);
        assertThat(text).contains("the delay doubles up to PT1M and resets once a worker lives PT1M");
    }

    private static List<Long> delays(String text) {
        List<Long> delays = new ArrayList<>();
        Matcher matcher = DELAY.matcher(text);
        while (matcher.find()) {
            delays.add(Long.parseLong(matcher.group(1)));
        }
        return delays;
    }
}
