package io.sergeant.toolkit.process;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessTreeTest {

    @Test
    @DisplayName("destroyForcibly kills a process and its descendants, and awaitExit reaps it")
    void killsTheWholeTree() throws Exception {
        Process shell = new ProcessBuilder("sh", "-c", "sleep 300 & sleep 300 & wait").start();
        List<ProcessHandle> children = awaitChildren(shell, 2);

        ProcessTree.destroyForcibly(shell);
        int status = ProcessTree.awaitExit(shell, Duration.ofSeconds(30));

        assertThat(status).as("killed by a signal").isNotZero();
        for (ProcessHandle child : children) {
            assertThat(child.onExit().get(30, TimeUnit.SECONDS).isAlive()).as("descendant %d", child.pid()).isFalse();
        }
    }

    @Test
    @DisplayName("awaitExit returns the exit status of a process that ends in time, and kills one that does not")
    void awaitsOrKills() throws Exception {
        assertThat(ProcessTree.awaitExit(new ProcessBuilder("sh", "-c", "exit 3").start(), Duration.ofSeconds(30)))
                .isEqualTo(3);
        Process sleeper = new ProcessBuilder("sleep", "300").start();
        assertThat(ProcessTree.awaitExit(sleeper, Duration.ofMillis(100))).isNotZero();
        assertThat(sleeper.isAlive()).isFalse();
    }

    @Test
    @DisplayName("a command started in its own group keeps its pid, leads its group, and destroyGroup kills what it"
            + " started after it died and its children were re-parented")
    void groupOutlivesItsLeader() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ProcessTree.grouped(), "no setsid and kill on this platform");
        // The orphan must not hold the pipe: reading to end of stream would then wait the whole 300 s.
        Process leader = new ProcessBuilder(ProcessTree.inOwnGroup(
                List.of("sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $!; sleep 0.2")))
                .redirectErrorStream(true).start();
        long orphan = Long.parseLong(new java.io.BufferedReader(new java.io.InputStreamReader(leader.getInputStream(),
                java.nio.charset.StandardCharsets.US_ASCII)).readLine().trim());
        assertThat(leader.waitFor(30, TimeUnit.SECONDS)).isTrue();
        ProcessHandle sleeper = ProcessHandle.of(orphan).orElseThrow();
        assertThat(sleeper.isAlive()).as("the orphan outlives its parent").isTrue();
        assertThat(leader.descendants().count()).as("re-parented: the tree no longer finds it").isZero();
        assertThat(groupOf(orphan)).as("in the leader's group").isEqualTo(leader.pid());

        ProcessTree.destroyGroup(leader);

        assertThat(sleeper.onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
    }

    /** The process group id, field 5 of /proc/<pid>/stat (after the parenthesised command). */
    private static long groupOf(long pid) throws java.io.IOException {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[2]);
    }

    private static List<ProcessHandle> awaitChildren(Process process, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> children = process.descendants().toList();
            if (children.size() >= count) {
                return children;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the shell did not start " + count + " children within 30 s");
    }
}
