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
