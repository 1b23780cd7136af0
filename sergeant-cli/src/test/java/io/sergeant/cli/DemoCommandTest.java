package io.sergeant.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DemoCommandTest {

    @Test
    void twoWorkerProcessesRunEveryTaskExactlyOnce() {
        CommandRun run = CommandRun.of("demo", "--tasks", "2000", "--workers", "2", "--batch", "100");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("sergeant demo: 2,000 tasks, 2 worker processes x 1 thread, batches of 100, at-least-once")
                .contains("pushed   2,000 tasks in ")
                .containsPattern("executed 2,000 tasks in [0-9.]+ s from the first push: [0-9,]+ tasks/s")
                // Under load one worker process may drain every task before the other one started.
                .containsPattern("exactly once: yes \\(2,000 distinct, 0 duplicates, 0 missing, recorded by [12] worker process")
                .contains("demo succeeded");
        assertThat(run.err()).contains("100.0% 2,000/2,000 executed");
    }

    @Test
    void atMostOnceWithThreadsAlsoRunsEveryTaskOnce() {
        CommandRun run = CommandRun.of("demo", "--tasks", "1500", "--workers", "1", "--threads", "3", "--batch", "50",
                "--delivery", "at-most-once");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("1 worker process x 3 threads, batches of 50, at-most-once")
                .contains("exactly once: yes (1,500 distinct, 0 duplicates, 0 missing, recorded by 1 worker process)");
    }

    @Test
    void badDemoOptionsAreUsageErrors() {
        assertThat(CommandRun.of("demo", "--tasks", "0").err()).contains("--tasks must be at least 1");
        assertThat(CommandRun.of("demo", "--workers", "0").err()).contains("--workers must be at least 1");
        CommandRun delivery = CommandRun.of("demo", "--delivery", "twice");
        assertThat(delivery.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(delivery.err()).contains("--delivery must be at-least-once or at-most-once, got 'twice'");
    }

    @Test
    void anUnknownBackendFailsBeforeAnyWorkerStarts() {
        CommandRun run = CommandRun.of("demo", "--tasks", "10", "--backend", "nosuch://x");

        assertThat(run.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("'nosuch'", "known schemes:");
        assertThat(run.out()).doesNotContain("sergeant demo:");
    }
}
