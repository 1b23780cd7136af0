package io.sergeant.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sergeant.api.Broker;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.ExecutorConfig;
import io.sergeant.api.config.Timeouts;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.core.worker.WorkerRuntime;
import io.sergeant.testkit.workers.Events;
import io.sergeant.testkit.workers.ScriptWorker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static io.sergeant.testkit.workers.ScriptWorker.task;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tasks run by the {@code process} executor, in child JVMs that install no listener, are counted and
 * timed by the worker process's meters like tasks of the thread executor: every outcome, whether the
 * handler ran in the child (success, failure, a timeout the task answered) or in the parent (a child
 * killed past its grace period), and a run lost with its child.
 */
class ProcessExecutorMetricsTest {

    @TempDir
    Path dir;

    @Test
    void tasksRunInChildProcessesAreCountedByOutcomeAndTimedByTheWorkersMeters() {
        UnaryOperator<WorkerConfig.Builder> tweak = builder -> builder
                .executor(new ExecutorConfig("process", 1, null, Map.of("jvmOptions",
                        "-Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -D" + ScriptWorker.DIR_PROPERTY + "=" + dir)))
                .timeouts(new Timeouts(Duration.ofMillis(400), Duration.ofMillis(800)))
                .delivery(DeliveryMode.AT_LEAST_ONCE)
                // Seven runs: six tasks, and task 6 again after its first child died.
                .maxTasksPerRun(7);
        new Events(dir);
        ScriptWorker worker = new ScriptWorker(dir, tweak);
        MeterRegistry registry = new SimpleMeterRegistry();
        RunSummary summary;
        try (SergeantMetrics metrics = new SergeantMetrics(registry, Duration.ofSeconds(1))) {
            Sergeant sergeant = Sergeant.create().withListeners(metrics);
            try (Broker broker = sergeant.broker(worker.config())) {
                for (Map<String, Object> kwargs : List.of(task(1, "succeed"), task(2, "sleep", "millis", 150), task(3, "fail"),
                        task(4, "sleep", "millis", 60_000), task(5, "spin"), task(6, "exit-first", "code", 42))) {
                    broker.pushTask(ScriptWorker.QUEUE, kwargs);
                }
            }
            try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
                summary = runtime.run();
            }
        }

        assertThat(summary.outcomes()).containsEntry("success", 3L).containsEntry("failure", 1L)
                .containsEntry("timeout", 2L).containsEntry("lost", 1L);
        assertThat(count(registry, "started")).isEqualTo(7);
        assertThat(count(registry, "succeeded")).isEqualTo(3);
        assertThat(count(registry, "failed")).isEqualTo(1);
        assertThat(count(registry, "timed_out")).as("one answered its interrupt in the child, one was killed").isEqualTo(2);
        assertThat(count(registry, "lost")).isEqualTo(1);
        Timer succeeded = registry.get("sergeant.task.duration").tags("queue", ScriptWorker.QUEUE, "outcome", "succeeded").timer();
        assertThat(succeeded.count()).isEqualTo(3);
        assertThat(succeeded.totalTime(TimeUnit.MILLISECONDS)).as("the child's run time, task 2 slept 150 ms").isGreaterThanOrEqualTo(150);
        Timer timedOut = registry.get("sergeant.task.duration").tags("queue", ScriptWorker.QUEUE, "outcome", "timed_out").timer();
        assertThat(timedOut.count()).isEqualTo(2);
        assertThat(timedOut.max(TimeUnit.MILLISECONDS)).as("a task that answered its timeout ran at least the timeout").isGreaterThanOrEqualTo(400);
    }

    private static double count(MeterRegistry registry, String outcome) {
        return registry.get("sergeant.tasks").tags("queue", ScriptWorker.QUEUE, "outcome", outcome).counter().count();
    }
}
