package io.sergeant.testkit.execution;

import io.sergeant.spi.execution.ChildRuntime;
import io.sergeant.spi.execution.ChildRuntimeProvider;
import io.sergeant.spi.execution.TaskCodec;
import io.sergeant.spi.execution.TaskRunner;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Hosts a {@link ScriptedTaskRunner} in a child process of an executor, so that the executor compatibility
 * suite can run an executor whose tasks run in other processes: the suite names
 * {@link ScriptedTaskRunner} as the worker class and its run journal's file as the only worker argument,
 * the child's runner records in that file, and the suite reads it in the test JVM. The child decodes tasks
 * with a {@link SimpleTaskCodec}, the codec the suite gives the executor.
 *
 * <p>Listed in {@code META-INF/services/io.sergeant.spi.execution.ChildRuntimeProvider}; it
 * {@linkplain #hosts hosts} {@link ScriptedTaskRunner} only, so core's provider still hosts every worker
 * class where both are on the class path. Stateless; public no-argument constructor for ServiceLoader.
 */
public final class ScriptedRunnerHost implements ChildRuntimeProvider {

    /** Creates the provider. */
    public ScriptedRunnerHost() {
    }

    /** True for {@link ScriptedTaskRunner} only. */
    @Override
    public boolean hosts(String workerClassName) {
        return ScriptedTaskRunner.class.getName().equals(workerClassName);
    }

    /**
     * A runner recording in the journal file that the one argument names.
     *
     * @throws IllegalArgumentException when the class is not {@link ScriptedTaskRunner} or the arguments
     *         are not one journal path
     */
    @Override
    public ChildRuntime open(String workerClassName, List<String> workerArguments) {
        Objects.requireNonNull(workerArguments, "workerArguments is null");
        if (!hosts(workerClassName)) {
            throw new IllegalArgumentException("ScriptedRunnerHost hosts " + ScriptedTaskRunner.class.getName()
                    + " only, not " + workerClassName);
        }
        if (workerArguments.size() != 1) {
            throw new IllegalArgumentException("ScriptedRunnerHost takes one argument, the run journal's file; got "
                    + workerArguments);
        }
        ScriptedTaskRunner runner = new ScriptedTaskRunner(Path.of(workerArguments.get(0)));
        SimpleTaskCodec codec = new SimpleTaskCodec();
        return new ChildRuntime() {
            @Override
            public TaskRunner runner() {
                return runner;
            }

            @Override
            public TaskCodec codec() {
                return codec;
            }

            @Override
            public void close() {
                // Nothing to finalize: the journal is appended to and closed event by event.
            }
        };
    }
}
