package io.sergeant.executor.process;

import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.execution.ExecutorFactory;
import io.sergeant.spi.execution.KillerFactory;
import io.sergeant.spi.execution.Outcome;
import io.sergeant.spi.execution.TaskResult;
import io.sergeant.testkit.execution.ExecutorCompatibilitySuite;
import io.sergeant.testkit.execution.ScriptedTaskRunner;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The process executor keeps every executor semantic of the testkit suite: its children host the suite's
 * scripted runner (the kit's {@code ScriptedRunnerHost}) and record their runs in the suite's journal file.
 */
class ProcessExecutorCompatibilityTest extends ExecutorCompatibilitySuite {

    @Override
    protected ExecutorFactory executorFactory() {
        return new ProcessExecutorFactory();
    }

    @Override
    protected KillerFactory killerFactory() {
        return new ProcessKillerFactory();
    }

    /** The default options with C1 only: children start about twice as fast, and these tasks need no peak speed. */
    @Override
    protected PluginOptions executorOptions() {
        return new PluginOptions("executor 'process'", Map.of(ProcessExecutorFactory.JVM_OPTIONS,
                ProcessExecutorFactory.DEFAULT_JVM_OPTIONS + " -XX:TieredStopAtLevel=1"));
    }

    @Test
    void theSuitesTasksRunInChildProcessesAndAreSeenThroughTheJournal() {
        Setup setup = open(2, NO_TIMEOUTS);

        List<TaskResult> results = runAll(setup.executor(), List.of(ScriptedTaskRunner.sleep(1, 50),
                ScriptedTaskRunner.sleep(2, 50), ScriptedTaskRunner.succeed(3)));

        assertThat(results).extracting(TaskResult::outcome).containsOnly(Outcome.SUCCESS);
        assertThat(setup.runner().runs()).hasSize(3).allSatisfy(run -> {
            assertThat(run.pid()).as("task %d ran in a child, not in the test JVM", run.id())
                    .isNotEqualTo(ProcessHandle.current().pid());
            assertThat(run.threadName()).isEqualTo("sergeant-child-task");
        });
        assertThat(((ProcessExecutor) setup.executor()).childPids())
                .containsAll(setup.runner().runs().stream().map(ScriptedTaskRunner.Run::pid).toList());
    }
}
