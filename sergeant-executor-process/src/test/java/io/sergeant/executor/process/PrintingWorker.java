package io.sergeant.executor.process;

import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.testkit.workers.ScriptWorker;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * The testkit's scripted worker plus the action {@code print}: a task that floods System.out, to show
 * that what a task prints never disturbs the process executor's channel to its child. It lives with the
 * test because a library module (the testkit) may not print.
 */
public class PrintingWorker extends ScriptWorker {

    /** For child processes: the directory comes from {@value ScriptWorker#DIR_PROPERTY}. */
    public PrintingWorker() {
        super();
    }

    /** For the test's parent JVM. */
    public PrintingWorker(Path dir, UnaryOperator<WorkerConfig.Builder> tweak) {
        super(dir, tweak);
    }

    @Override
    protected void perform(String action, Task task) throws Exception {
        if (!action.equals("print")) {
            super.perform(action, task);
            return;
        }
        for (int i = 0; i < 20_000; i++) {
            System.out.println("noise on stdout from a task, line " + i);
        }
    }
}
